"""Dutch names of the config's ranged fields, for the Dutch report's "Wat de doorslag geeft".

The English names are the fields' own descriptions in the typed config (`sim.inputs.config`); these say the
same in Dutch, keyed by field name (a field means the same wherever it stands: in the defaults, an override
or an age band). `tests/test_report_exploration.py` checks that every described field has one.
"""

from __future__ import annotations

from typing import Final

DUTCH: Final[dict[str, str]] = {
    "wage_cost_eur_per_se": "loonkosten per SE, euro per jaar",
    "wage_index_per_year": "jaarlijkse loonindexatie",
    "subsidy_index_per_year": "jaarlijkse indexatie van de rijksbijdrage per SE",
    "sick_leave_years_before_illness_exit": "jaren betaald ziekteverzuim voor een uitstroom wegens ziekte",
    "price_index_per_year": "jaarlijkse prijsindexatie van de overige kosten",
    "wage_subsidy_eur_per_se": "loonkostensubsidie per SE bij begeleid werken, euro per jaar",
    "sheltered_place_tariff_eur_per_person_year": "tarief van een beschutte plek ingekocht bij een andere "
    "organisatie, euro per persoon per jaar",
    "group_contracts_won_per_year_reference": "groepsdetacheringen die het netwerk van de hele regio per jaar "
    "binnenhaalt, bij de start",
    "elasticity": "hoe sterk het aantal vacatures meegroeit met de omvang van het netwerk",
    "loss_on_move": "deel van haar werkgeversnetwerk dat een gemeente verliest als ze van organisatie wisselt",
    "fixed_overhead_eur_per_year": "vaste overhead van één organisatie, euro per jaar",
    "governance_eur_per_year": "gezamenlijke bestuurslaag",
    "coach_min_team_fte": "kleinste team jobcoaches dat een organisatie houdt, fte",
    "coach_trajectories_per_fte": "plaatsingstrajecten die één fte jobcoach tegelijk begeleidt, naast de caseload",
    "coaching_weeks": "coachtijd om een plaatsing voor te bereiden en te starten, weken",
    "hiring_lag_weeks": "tijd om een jobcoach aan te nemen, weken",
    "attrition_lag_weeks": "tijd tot overtollige jobcoaches via natuurlijk verloop vertrekken, weken",
    "placement_ambition": "deel van de medewerkers in beschut binnen dat een plaatsing zoekt en aankan",
    "network_multiplier": "hoe goed het eigen werkgeversnetwerk mensen plaatst",
    "group_contract_duration_years_mean": "gemiddelde duur van een groepsdetachering, jaren",
    "replacement_chance": "deel van wie terugkomt van een plaatsing of groepsdetachering dat weer kandidaat is",
    "group_contract_renewal": "kans dat een groepsdetachering wordt verlengd als ze afloopt",
    "supported_employment_exit_share": "deel van de plaatsingen begeleid werken dat eindigt met uitstroom uit de Wsw",
    "site_min_occupancy": "bezettingsgraad waaronder een locatie sluit",
    "setup_cost_eur": "eenmalige kosten van een nieuwe organisatie bij een reorganisatie, euro",
    "employer_overhead_eur_per_year": "salarisadministratie en P&O van een organisatie die alleen werkgever blijft",
    "dissolution_staff_eur": "eenmalig bij opheffing: het niet-Wsw-personeel",
    "dissolution_double_running_eur": "eenmalig bij opheffing: oude en nieuwe organisatie tijdelijk naast elkaar",
    "dissolution_ict_eur": "eenmalig bij opheffing: ICT splitsen of overzetten",
    "dissolution_reserves_eur": "eenmalig bij opheffing: verplichtingen min verdeelde reserves",
    "commercial_result_eur_per_se": "resultaat van het commerciële bedrijf per SE-jaar van Wsw-medewerkers",
    "persons_start": "personen van de doelgroep in het eerste jaar",
    "persons_change_per_year": "jaarlijkse verandering van het aantal personen van de doelgroep",
    "revenue_eur_per_person_year": "opbrengst van de doelgroep, euro per persoon per jaar",
    "cost_eur_per_person_year": "kosten van de doelgroep, euro per persoon per jaar",
    "hazard_per_year": "kans per jaar op uitstroom wegens ziekte, vanaf deze leeftijd",
    "multiplier": "factor op de kans op vrijwillige uitstroom, vanaf deze leeftijd",
    "excess_multiplier": "extra sterfte van Wsw-medewerkers tegenover de hele bevolking",
}
