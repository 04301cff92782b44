"""Every word of the report, in English and Dutch: one small table, looked up by key.

Numbers are formatted here too, because Dutch writes 1.234.567,8 where English writes 1,234,567.8.
"""

from __future__ import annotations

import math
from typing import Final, Literal

from analysis.exploration_text import EXPLORATION_TEXT

Lang = Literal["nl", "en"]
LANGUAGES: Final = ("nl", "en")

TEXT: Final[dict[str, dict[str, str]]] = {
    "title": {
        "en": "Wsw in the Almelo region: scenarios compared",
        "nl": "Wsw in de regio Almelo: scenario's vergeleken",
    },
    "subtitle": {
        "en": "Run {run_id} of configuration {config}: {replications} replications, created {created}",
        "nl": "Run {run_id} van configuratie {config}: {replications} replicaties, gemaakt op {created}",
    },
    "contents": {"en": "Contents", "nl": "Inhoud"},
    "timeline_from": {"en": "from {start}", "nl": "vanaf {start}"},
    "viability_rule": {
        "en": "an organisation counts as too small to stand when it has fewer than {min_persons} Wsw employees "
        "or more than {max_overhead} overhead per SE (in euros of the price year).",
        "nl": "een organisatie geldt als te klein om zelfstandig te bestaan bij minder dan {min_persons} "
        "Wsw-medewerkers of meer dan {max_overhead} overhead per SE (in euro's van het prijsjaar).",
    },
    "thresholds_from_config": {
        "en": "The thresholds come from the [viability] table of the configuration.",
        "nl": "De grenzen komen uit de tabel [viability] van de configuratie.",
    },
    "thresholds_default": {
        "en": "The configuration has no [viability] table: the analysis used its own default thresholds "
        "(an assumption).",
        "nl": "De configuratie heeft geen tabel [viability]: de analyse gebruikte haar eigen standaardgrenzen "
        "(een aanname).",
    },
    "missing_title": {"en": "What this run does not contain", "nl": "Wat deze run niet bevat"},
    "missing_table": {
        "en": "The run has no '{table}' table: {what} is left out of this report.",
        "nl": "De run heeft geen tabel '{table}': {what} ontbreekt in dit rapport.",
    },
    "missing_finance": {
        "en": "money (municipal contributions and the comparison of scenarios)",
        "nl": "geld (gemeentelijke bijdragen en de vergelijking van scenario's)",
    },
    "missing_organisations": {
        "en": "the organisations (caseload, overhead per SE, viability)",
        "nl": "de organisaties (caseload, overhead per SE, levensvatbaarheid)",
    },
    "missing_stocks": {"en": "the workforce", "nl": "het personeelsbestand"},
    "missing_flows": {"en": "exits, placements and waiting times", "nl": "uitstroom, plaatsingen en wachttijden"},
    "missing_waits": {
        "en": "No waiting times for a job coach were recorded, so that chart is left out.",
        "nl": "Er zijn geen wachttijden voor een jobcoach vastgelegd; die grafiek ontbreekt daarom.",
    },
    "single_scenario": {
        "en": "The run holds one scenario only, so there is no comparison.",
        "nl": "De run bevat maar één scenario, dus er is geen vergelijking.",
    },
    "privacy_title": {"en": "Privacy", "nl": "Privacy"},
    "privacy_note": {
        "en": "This run starts from a real personnel file. Counts below 5 are shown as '<5' and left out of the "
        "charts, so that no small group of people can be recognised.",
        "nl": "Deze run gaat uit van een echt personeelsbestand. Aantallen onder de 5 staan er als '<5' en "
        "ontbreken in de grafieken, zodat geen kleine groep mensen herkenbaar is.",
    },
    "fewer_than_5": {"en": "fewer than 5", "nl": "minder dan 5"},
    "tables": {"en": "Tables", "nl": "Tabellen"},
    "charts": {"en": "Charts", "nl": "Grafieken"},
    "table_workforce": {
        "en": "Wsw employees at 31 December ({scenario}): median, and in 90 of 100 replications between",
        "nl": "Wsw-medewerkers op 31 december ({scenario}): mediaan, en in 90 van de 100 replicaties tussen",
    },
    "table_viability": {"en": "Viability of the organisations", "nl": "Levensvatbaarheid van de organisaties"},
    "col_municipality": {"en": "Municipality", "nl": "Gemeente"},
    "col_year": {"en": "Year", "nl": "Jaar"},
    "col_scenario": {"en": "Scenario", "nl": "Scenario"},
    "col_organisation": {"en": "Organisation", "nl": "Organisatie"},
    "col_exists": {"en": "Exists", "nl": "Bestaat"},
    "col_failing": {"en": "Replications below a threshold", "nl": "Replicaties onder een grens"},
    "col_first_year": {
        "en": "First year below: median (5%-95%)",
        "nl": "Eerste jaar eronder: mediaan (5%-95%)",
    },
    "col_reason": {"en": "Mostly because of", "nl": "Vooral door"},
    "reason_persons": {"en": "too few employees", "nl": "te weinig medewerkers"},
    "reason_overhead": {"en": "overhead per SE", "nl": "overhead per SE"},
    "reason_both": {"en": "both", "nl": "beide"},
    "chart_difference": {
        "en": "Yearly difference in municipal contribution: {alternative} minus {baseline}",
        "nl": "Verschil in gemeentelijke bijdrage per jaar: {alternative} min {baseline}",
    },
    "chart_caseload": {
        "en": "Coach caseload: Wsw employees per job-coach FTE, per organisation",
        "nl": "Caseload: Wsw-medewerkers per fte jobcoach, per organisatie",
    },
    "chart_waiting": {
        "en": "Mean wait for a job coach of the placements started each year",
        "nl": "Gemiddelde wachttijd op een jobcoach van de plaatsingen die per jaar starten",
    },
    "chart_overhead": {
        "en": "Overhead per SE in euros of the price year, per organisation (dashed: the viability threshold)",
        "nl": "Overhead per SE in euro's van het prijsjaar, per organisatie (gestreept: de grens voor "
        "levensvatbaarheid)",
    },
    "fan_legend": {
        "en": "Lines: the median over replications; dark band: the middle 50 of 100 replications; light band: "
        "90 of 100.",
        "nl": "Lijnen: de mediaan over de replicaties; donkere band: de middelste 50 van de 100 replicaties; "
        "lichte band: 90 van de 100.",
    },
    "axis_persons": {"en": "persons", "nl": "personen"},
    "axis_se": {"en": "SE", "nl": "SE"},
    "scenarios": {"en": "Scenarios", "nl": "Scenario's"},
    "col_parameter": {"en": "Parameter", "nl": "Parameter"},
    "col_value": {"en": "Value", "nl": "Waarde"},
    "col_range_param": {"en": "Range", "nl": "Bandbreedte"},
    "col_dist": {"en": "Drawn per replication", "nl": "Per replicatie getrokken"},
    "col_note": {"en": "Note or source", "nl": "Toelichting of bron"},
    "provenance": {"en": "Provenance", "nl": "Herkomst"},
    "prov_run_id": {"en": "Run", "nl": "Run"},
    "prov_created": {"en": "Created", "nl": "Gemaakt"},
    "prov_status": {"en": "Status", "nl": "Status"},
    "prov_config": {"en": "Configuration file", "nl": "Configuratiebestand"},
    "prov_seed": {"en": "Root seed", "nl": "Startwaarde toevalsgenerator"},
    "prov_replications": {"en": "Replications", "nl": "Replicaties"},
    "prov_scenarios": {"en": "Scenarios", "nl": "Scenario's"},
    "prov_version": {"en": "wsw-sim version", "nl": "Versie wsw-sim"},
    "prov_commit": {"en": "Git commit", "nl": "Git-commit"},
    "prov_population": {"en": "Population file (SHA-256)", "nl": "Populatiebestand (SHA-256)"},
    "prov_synthetic": {"en": "synthetic (generated from the configuration)", "nl": "synthetisch (uit de configuratie)"},
    "prov_config_text": {"en": "The configuration as run", "nl": "De configuratie zoals gedraaid"},
    "unknown": {"en": "unknown", "nl": "onbekend"},
    "generated": {"en": "Report made by wsw-sim {version}.", "nl": "Rapport gemaakt door wsw-sim {version}."},
    "how_to_read": {
        "en": "Each replication is one possible future: the same people, with chance deciding who retires, "
        "falls ill or leaves, and when. Every scenario of a replication sees the same people and the same chance "
        "events, so scenarios are compared replication by replication. '90 of 100' bands show how far an outcome "
        "can go either way; the '95% interval of the average' shows how precisely the {n} replications pin down "
        "the average. Money is added up over {period}. Positive differences mean the alternative costs more.",
        "nl": "Elke replicatie is één mogelijke toekomst: dezelfde mensen, waarbij het toeval bepaalt wie met "
        "pensioen gaat, ziek wordt of vertrekt, en wanneer. Binnen een replicatie ziet elk scenario dezelfde "
        "mensen en dezelfde toevalsgebeurtenissen, dus de scenario's worden replicatie voor replicatie "
        "vergeleken. Een band '90 van de 100' laat zien hoe ver de uitkomst kan uitvallen; het '95%-interval van "
        "het gemiddelde' laat zien hoe precies de {n} replicaties het gemiddelde vastleggen. Geld is opgeteld "
        "over {period}. Een positief verschil betekent dat het alternatief meer kost.",
    },
    "decision_title": {"en": "The decision at a glance", "nl": "De keuze in één oogopslag"},
    "definitions": {"en": "How cost is counted", "nl": "Zo is gerekend"},
    "def_baseline": {"en": "Compared with", "nl": "Vergeleken met"},
    "def_horizon": {"en": "Years added up", "nl": "Opgetelde jaren"},
    "def_discount": {"en": "Discounting", "nl": "Contante waarde"},
    "def_discount_value": {
        "en": "{rate} a year, to {base}; euros of the year paid (nominal)",
        "nl": "{rate} per jaar, naar {base}; euro's van het jaar van betaling (nominaal)",
    },
    "def_source": {"en": "Set in", "nl": "Vastgelegd in"},
    "def_from_config": {
        "en": "the [analysis] table of the configuration",
        "nl": "de tabel [analysis] van de configuratie",
    },
    "def_defaults": {
        "en": "defaults (the configuration has no [analysis] table)",
        "nl": "standaardwaarden (de configuratie heeft geen tabel [analysis])",
    },
    "group_baseline": {"en": "baseline", "nl": "basis"},
    "group_against": {"en": "against {baseline}", "nl": "tegenover {baseline}"},
    "col_extra_cost": {"en": "Extra cost (million EUR)", "nl": "Meerkosten (mln euro)"},
    "col_band_chance": {"en": "90 of 100 futures", "nl": "90 van 100 toekomsten"},
    "col_cheaper_in": {"en": "Cheaper in", "nl": "Goedkoper in"},
    "col_viability_from": {"en": "Too small from", "nl": "Te klein vanaf"},
    "col_placements": {"en": "Place\u00adments", "nl": "Plaat\u00adsingen"},  # soft hyphens: narrow columns
    "col_wait": {"en": "Coach wait (weeks)", "nl": "Wachten op coach (weken)"},
    "after_year": {"en": "after {year}", "nl": "na {year}"},
    "s_what": {
        "en": "Per municipality: what each option costs more (+) or less (−) than {baseline} over {period}, in "
        "million euros, discounted at {rate} a year to {base}.",
        "nl": "Per gemeente staat hier hoeveel miljoen euro elke keuze meer (+) of minder (−) kost dan {baseline}, "
        "opgeteld over {period} en omgerekend naar {base} met {rate} per jaar.",
    },
    "s_band_chance": {
        "en": "The band shows where 90 of 100 simulated futures fall; they differ only by chance (who retires, "
        "falls ill or leaves), because this run has no experiments with the assumptions.",
        "nl": "De band laat zien waar 90 van de 100 gesimuleerde toekomsten uitkomen; die verschillen alleen door "
        "toeval (wie met pensioen gaat, ziek wordt of vertrekt), want deze run heeft geen experimenten met de "
        "aannames.",
    },
    "s_band_drawn": {
        "en": "The band shows where 90 of 100 simulated futures fall; they differ by chance and by {k} assumptions "
        "drawn anew for each future, and this run has no experiments table for a separate band.",
        "nl": "De band laat zien waar 90 van de 100 gesimuleerde toekomsten uitkomen; die verschillen door toeval "
        "en door {k} aannames die per toekomst opnieuw gekozen zijn, en deze run heeft geen experimenten voor een "
        "aparte band.",
    },
    "note_experiments": {
        "en": "This run has an experiments table; this report does not yet show the band from the parameters.",
        "nl": "Deze run heeft een tabel met experimenten; dit rapport toont de band door de aannames nog niet.",
    },
    "s_region_cheaper": {
        "en": "For the region {alternative} is the cheapest: on average {amount} million euros less than "
        "{baseline}, and cheaper in {cheaper} of {n} futures.",
        "nl": "Voor de regio is {alternative} het goedkoopst: gemiddeld {amount} miljoen euro minder dan "
        "{baseline}, en goedkoper in {cheaper} van de {n} toekomsten.",
    },
    "s_region_baseline": {
        "en": "For the region {baseline} is the cheapest: the cheapest other option, {alternative}, costs on "
        "average {amount} million euros more and is cheaper in {cheaper} of {n} futures.",
        "nl": "Voor de regio is {baseline} het goedkoopst: de goedkoopste andere keuze, {alternative}, kost "
        "gemiddeld {amount} miljoen euro meer en is goedkoper in {cheaper} van de {n} toekomsten.",
    },
    "s_viability": {
        "en": "'Too small from' is the year in which the organisation of the municipality first has fewer than "
        "{min_persons} Wsw employees or more than {max_overhead} overhead per SE of the price year (median over "
        "the futures); "
        "placements and waits count {period}.",
        "nl": "'Te klein vanaf' is het eerste jaar waarin de organisatie van de gemeente minder dan {min_persons} "
        "Wsw-medewerkers heeft of meer dan {max_overhead} overhead per SE in prijzen van het prijsjaar (de "
        "middelste toekomst); plaatsingen "
        "en wachttijden tellen over {period}.",
    },
    "s_not_shown": {
        "en": "The table does not show what the employees themselves want, how good their work is, or costs "
        "outside the Wsw budget.",
        "nl": "De tabel laat niet zien wat de medewerkers zelf willen, hoe goed hun werk is, of kosten buiten "
        "het Wsw-budget.",
    },
    "municipalities": {"en": "Municipalities", "nl": "Gemeenten"},
    "region": {"en": "The region in detail", "nl": "De regio in detail"},
    "row_persons": {"en": "Wsw employees", "nl": "Wsw-medewerkers"},
    "row_mean_age": {"en": "Mean age (years)", "nl": "Gemiddelde leeftijd (jaren)"},
    "row_over_45": {"en": "Older than 45", "nl": "Ouder dan 45"},
    "table_ages": {
        "en": "Ages ({scenario}): mean over the simulated futures",
        "nl": "Leeftijden ({scenario}): gemiddelde over de gesimuleerde toekomsten",
    },
    "row_se": {"en": "SE", "nl": "SE"},
    "col_at_end_of": {"en": "At 31 December of", "nl": "Op 31 december van"},
    "table_people": {
        "en": "People ({scenario}): median, in brackets 90 of 100 futures",
        "nl": "Mensen ({scenario}): de middelste waarde, tussen haakjes 90 van de 100 toekomsten",
    },
    "col_work_form": {"en": "Form of work", "nl": "Vorm van werk"},
    "table_forms": {
        "en": "Wsw employees by form of work (median)",
        "nl": "Wsw-medewerkers per vorm van werk (mediaan)",
    },
    "no_ages": {
        "en": "The run has no 'ages' table, so ages are not shown.",
        "nl": "De run heeft geen tabel 'ages', dus leeftijden staan er niet bij.",
    },
    "col_component": {"en": "Component", "nl": "Onderdeel"},
    "table_money": {
        "en": "Money over {period}, discounted to {base}, million EUR (average; subsidy and revenue count minus)",
        "nl": "Geld over {period}, contant naar {base}, mln euro (gemiddeld; rijksbijdrage en opbrengst tellen min)",
    },
    "money_wage_cost_eur": {"en": "Wages (CAO SW)", "nl": "Lonen (cao SW)"},
    "money_wage_subsidy_eur": {"en": "Wage subsidy (begeleid werken)", "nl": "Loonkostensubsidie (begeleid werken)"},
    "money_coach_cost_eur": {"en": "Job coaches", "nl": "Jobcoaches"},
    "money_overhead_eur": {"en": "Overhead", "nl": "Overhead"},
    "money_site_cost_eur": {"en": "Sites and bought places", "nl": "Locaties en ingekochte plekken"},
    "money_transition_cost_eur": {"en": "Reorganisation (one-off)", "nl": "Reorganisatie (eenmalig)"},
    "money_subsidy_eur": {"en": "State subsidy", "nl": "Rijksbijdrage"},
    "money_added_value_eur": {"en": "Revenue from work", "nl": "Opbrengst van het werk"},
    "money_municipal_contribution_eur": {"en": "Municipal contribution", "nl": "Gemeentelijke bijdrage"},
    "table_muni_viability": {"en": "Its organisation", "nl": "De organisatie"},
    "col_organisation_in": {"en": "Organisation in {year}", "nl": "Organisatie in {year}"},
    "col_its_persons": {"en": "Its Wsw employees, end {year}", "nl": "Wsw-medewerkers eind {year}"},
    "col_below_median": {"en": "Too small from (median)", "nl": "Te klein vanaf (mediaan)"},
    "col_below_early": {"en": "Early case (5 of 100)", "nl": "Vroeg geval (5 van 100)"},
    "table_contribution": {
        "en": "Municipal contribution on top of the state subsidy over {period}, discounted at {rate} to {base} "
        "(million EUR): average (90 of 100 replications)",
        "nl": "Gemeentelijke bijdrage bovenop de rijksbijdrage over {period}, contant naar {base} met {rate} (mln "
        "euro): gemiddeld (90 van de 100 replicaties)",
    },
    "table_difference": {
        "en": "{alternative} minus {baseline}: discounted municipal contribution over {period}, paired per "
        "replication (million EUR)",
        "nl": "{alternative} min {baseline}: gemeentelijke bijdrage contant over {period}, gepaard per replicatie "
        "(mln euro)",
    },
    "chart_numbers": {
        "en": "The numbers of this chart (medians, {unit})",
        "nl": "De getallen van deze grafiek (medianen, {unit})",
    },
    "chart_ends": {
        "en": "Each organisation's line ends in the year it has fewer than {min_persons} Wsw employees (median).",
        "nl": "De lijn van een organisatie stopt in het jaar dat die minder dan {min_persons} Wsw-medewerkers heeft "
        "(mediaan).",
    },
    "chart_ended": {"en": "Ended:", "nl": "Gestopt:"},
    "alt_fan": {
        "en": "Line: median of the replications; bands: 50 and 90 of 100 replications.",
        "nl": "Lijn: mediaan van de replicaties; banden: 50 en 90 van de 100 replicaties.",
    },
    "alt_lines": {
        "en": "One line per scenario (median) with the band of 90 of 100 replications, up to {until}.",
        "nl": "Een lijn per scenario (mediaan) met de band van 90 van de 100 replicaties, tot en met {until}.",
    },
    "alt_lines_all": {
        "en": "One line per scenario (median) with the band of 90 of 100 replications.",
        "nl": "Een lijn per scenario (mediaan) met de band van 90 van de 100 replicaties.",
    },
    "axis_million_eur": {"en": "million EUR", "nl": "miljoen euro"},
    "axis_thousand_eur": {"en": "thousand EUR", "nl": "duizend euro"},
    "axis_difference_million_eur": {"en": "difference, million EUR", "nl": "verschil, miljoen euro"},
    "axis_difference_thousand_eur": {"en": "difference, thousand EUR", "nl": "verschil, duizend euro"},
    "print_hint": {
        "en": "To print: the browser's Print, A4; this page prints across, every municipality on a new page.",
        "nl": "Afdrukken: kies Afdrukken in de browser, A4; deze pagina komt liggend, elke gemeente op een "
        "nieuwe pagina.",
    },
    "col_mean_difference": {"en": "Average difference", "nl": "Gemiddeld verschil"},
    "col_ci": {"en": "95% interval of the average", "nl": "95%-interval van het gemiddelde"},
    "col_range": {"en": "90 of 100 replications", "nl": "90 van de 100 replicaties"},
    "col_cheaper": {"en": "Alternative cheaper in", "nl": "Alternatief goedkoper in"},
    "col_n": {"en": "Replications", "nl": "Replicaties"},
    "total": {"en": "Region (total)", "nl": "Regio (totaal)"},
    "chart_persons": {"en": "Wsw employees per municipality", "nl": "Wsw-medewerkers per gemeente"},
    "chart_se": {"en": "Standard units (SE) per municipality", "nl": "Standaardeenheden (SE) per gemeente"},
    "chart_contribution": {
        "en": "Municipal contribution per year, by scenario (median and 90 of 100 replications)",
        "nl": "Gemeentelijke bijdrage per jaar, per scenario (mediaan en 90 van de 100 replicaties)",
    },
    "axis_persons_per_coach": {"en": "persons per coach FTE", "nl": "personen per fte coach"},
    "axis_overhead_eur_per_se": {"en": "EUR per SE (price year)", "nl": "euro per SE (prijsjaar)"},
    "axis_waiting_weeks": {"en": "weeks", "nl": "weken"},
    "threshold": {"en": "threshold", "nl": "grens"},
    "assumptions": {"en": "Assumptions", "nl": "Aannames"},
    "assumptions_intro": {
        "en": "Every parameter of the configuration. Where the configuration gives a range or a note, it is "
        "shown; 'assumption' marks a figure for which no source was found. Parameters with a distribution "
        "were drawn anew in every replication.",
        "nl": "Alle parameters van de configuratie. Waar de configuratie een bandbreedte of toelichting geeft, "
        "staat die erbij; 'assumption' markeert een getal waarvoor geen bron is gevonden. Parameters met een "
        "verdeling zijn in elke replicatie opnieuw getrokken.",
    },
    **EXPLORATION_TEXT,
}


def translate(key: str, lang: Lang) -> str:
    """The text of `key` in `lang`; an unknown key is returned as itself (municipality names, for example)."""
    entry = TEXT.get(key)
    return entry[lang] if entry is not None else key


def number(x: float, lang: Lang, decimals: int = 0) -> str:
    """1234567.8 as '1,234,568' (en) or '1.234.568' (nl); NaN as an en dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text.replace("-", "−")


def euros(x: float, lang: Lang) -> str:
    """An amount for a sentence, rounded to thousands of euros: 'EUR 1,234,000' / '€ 1.234.000'."""
    if x is None or math.isnan(x):
        return "–"
    rounded = round(x / 1000.0) * 1000.0
    return ("€ " if lang == "nl" else "EUR ") + number(rounded, lang)


def thousands(x: float, lang: Lang) -> str:
    """An amount for a table, in thousands of euros."""
    if x is None or math.isnan(x):
        return "–"
    return number(x / 1000.0, lang)


def percent(share: float, lang: Lang, decimals: int = 1) -> str:
    return number(share * 100.0, lang, decimals) + "%"
