"""Every word of the report, in English and Dutch: one small table, looked up by key.

Numbers are formatted here too, because Dutch writes 1.234.567,8 where English writes 1,234,567.8.
"""

from __future__ import annotations

import math
from typing import Final, Literal

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
    "findings": {"en": "Key findings", "nl": "Belangrijkste uitkomsten"},
    "how_to_read": {
        "en": "Each replication is one possible future: the same people, with chance deciding who retires, "
        "falls ill or leaves, and when. Within a replication every scenario sees the same people and the same "
        "chance events, so the scenarios are compared replication by replication. A range 'in 90 of 100 "
        "replications' shows how far the outcome can go either way; the '95% interval of the average' shows "
        "how precisely the {n} replications pin down the average. Amounts are in euros of the year paid "
        "(nominal), added up over {period}. Positive differences mean the alternative costs more.",
        "nl": "Elke replicatie is één mogelijke toekomst: dezelfde mensen, waarbij het toeval bepaalt wie met "
        "pensioen gaat, ziek wordt of vertrekt, en wanneer. Binnen een replicatie ziet elk scenario dezelfde "
        "mensen en dezelfde toevalsgebeurtenissen, dus de scenario's worden replicatie voor replicatie "
        "vergeleken. Een bandbreedte 'in 90 van de 100 replicaties' laat zien hoe ver de uitkomst kan "
        "uitvallen; het '95%-interval van het gemiddelde' laat zien hoe precies de {n} replicaties het "
        "gemiddelde vastleggen. Bedragen zijn euro's van het jaar van betaling (nominaal), opgeteld over "
        "{period}. Een positief verschil betekent dat het alternatief meer kost.",
    },
    "finding_workforce": {
        "en": "The Wsw workforce of the region shrinks from {start} persons at the start of {first_year} to "
        "{median} at the end of {year} (in 90 of 100 replications between {p5} and {p95}).",
        "nl": "Het aantal Wsw-medewerkers in de regio daalt van {start} personen begin {first_year} naar "
        "{median} eind {year} (in 90 van de 100 replicaties tussen {p5} en {p95}).",
    },
    "finding_cost_more": {
        "en": "{alternative} costs {who} between {low} and {high} more than {baseline} over {period}, in 90 of "
        "100 replications (average {mean} more; 95% interval of the average {ci_low} to {ci_high}).",
        "nl": "{alternative} kost {who} tussen {low} en {high} meer dan {baseline} over {period}, in 90 van de "
        "100 replicaties (gemiddeld {mean} meer; 95%-interval van het gemiddelde {ci_low} tot {ci_high}).",
    },
    "finding_cost_less": {
        "en": "{alternative} costs {who} between {low} and {high} less than {baseline} over {period}, in 90 of "
        "100 replications (average {mean} less; 95% interval of the average {ci_low} to {ci_high}).",
        "nl": "{alternative} kost {who} tussen {low} en {high} minder dan {baseline} over {period}, in 90 van "
        "de 100 replicaties (gemiddeld {mean} minder; 95%-interval van het gemiddelde {ci_low} tot {ci_high}).",
    },
    "finding_cost_mixed": {
        "en": "Whether {alternative} costs {who} more or less than {baseline} over {period} is uncertain: in 90 "
        "of 100 replications between {low} less and {high} more (average {mean}; 95% interval of the average "
        "{ci_low} to {ci_high}); it costs less in {cheaper} of {n} replications.",
        "nl": "Of {alternative} {who} meer of minder kost dan {baseline} over {period} is onzeker: in 90 van de "
        "100 replicaties tussen {low} minder en {high} meer (gemiddeld {mean}; 95%-interval van het gemiddelde "
        "{ci_low} tot {ci_high}); het is goedkoper in {cheaper} van de {n} replicaties.",
    },
    "finding_cheaper_share": {
        "en": "{alternative} is cheaper than {baseline} for {who} in {cheaper} of {n} replications.",
        "nl": "{alternative} is voor {who} goedkoper dan {baseline} in {cheaper} van de {n} replicaties.",
    },
    "the_region": {"en": "the region as a whole", "nl": "de regio als geheel"},
    "finding_placements_more": {
        "en": "Placements with regular employers over {period}: {alternative} starts on average {mean} placements "
        "more than {baseline} (difference in 90 of 100 replications between {p5} and {p95}).",
        "nl": "Plaatsingen bij reguliere werkgevers over {period}: {alternative} start gemiddeld {mean} "
        "plaatsingen meer dan {baseline} (verschil in 90 van de 100 replicaties tussen {p5} en {p95}).",
    },
    "finding_placements_fewer": {
        "en": "Placements with regular employers over {period}: {alternative} starts on average {mean} placements "
        "fewer than {baseline} (difference in 90 of 100 replications between {p5} and {p95}).",
        "nl": "Plaatsingen bij reguliere werkgevers over {period}: {alternative} start gemiddeld {mean} "
        "plaatsingen minder dan {baseline} (verschil in 90 van de 100 replicaties tussen {p5} en {p95}).",
    },
    "finding_viability_head": {
        "en": "Viability: {rule}",
        "nl": "Levensvatbaarheid: {rule}",
    },
    "timeline_from": {"en": "from {start}", "nl": "vanaf {start}"},
    "finding_viability": {
        "en": "{organisation} ({scenario}) falls below the viability thresholds in {failing} of {n} replications, "
        "typically from {p50} (in 90 of 100 replications from {p5} or later).",
        "nl": "{organisation} ({scenario}) zakt onder de grenzen voor levensvatbaarheid in {failing} van de {n} "
        "replicaties, meestal vanaf {p50} (in 90 van de 100 replicaties vanaf {p5} of later).",
    },
    "finding_viability_rare": {
        "en": "{organisation} ({scenario}) falls below the viability thresholds in {failing} of {n} replications.",
        "nl": "{organisation} ({scenario}) zakt onder de grenzen voor levensvatbaarheid in {failing} van de {n} "
        "replicaties.",
    },
    "finding_viability_none": {
        "en": "No organisation falls below the viability thresholds before the end of {year}.",
        "nl": "Geen enkele organisatie zakt voor eind {year} onder de grenzen voor levensvatbaarheid.",
    },
    "viability_rule": {
        "en": "an organisation counts as too small to stand when it has fewer than {min_persons} Wsw employees "
        "or more than {max_overhead} overhead per SE.",
        "nl": "een organisatie geldt als te klein om zelfstandig te bestaan bij minder dan {min_persons} "
        "Wsw-medewerkers of meer dan {max_overhead} overhead per SE.",
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
    "table_contribution": {
        "en": "Municipal contribution on top of the state subsidy, added up over {period} (thousand EUR): average "
        "and in 90 of 100 replications between",
        "nl": "Gemeentelijke bijdrage bovenop de rijksbijdrage, opgeteld over {period} (duizend euro): gemiddeld "
        "en in 90 van de 100 replicaties tussen",
    },
    "table_difference": {
        "en": "{alternative} minus {baseline}: municipal contribution over {period}, paired per replication "
        "(thousand EUR)",
        "nl": "{alternative} min {baseline}: gemeentelijke bijdrage over {period}, gepaard per replicatie "
        "(duizend euro)",
    },
    "table_npv": {
        "en": "The same, as net present value in {base_year} at {rate} a year (thousand EUR)",
        "nl": "Hetzelfde, als contante waarde in {base_year} tegen {rate} per jaar (duizend euro)",
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
    "never": {"en": "not before {year}", "nl": "niet voor {year}"},
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
        "en": "Overhead per SE, per organisation (dashed: the viability threshold)",
        "nl": "Overhead per SE, per organisatie (gestreept: de grens voor levensvatbaarheid)",
    },
    "fan_legend": {
        "en": "Lines: the median over replications; dark band: the middle 50 of 100 replications; light band: "
        "90 of 100.",
        "nl": "Lijnen: de mediaan over de replicaties; donkere band: de middelste 50 van de 100 replicaties; "
        "lichte band: 90 van de 100.",
    },
    "axis_persons": {"en": "persons", "nl": "personen"},
    "axis_se": {"en": "SE", "nl": "SE"},
    "axis_million_eur": {"en": "million EUR per year", "nl": "miljoen euro per jaar"},
    "axis_difference_million_eur": {
        "en": "difference, million EUR per year",
        "nl": "verschil, miljoen euro per jaar",
    },
    "axis_persons_per_coach": {"en": "persons per coach FTE", "nl": "personen per fte coach"},
    "axis_overhead_eur_per_se": {"en": "EUR per SE", "nl": "euro per SE"},
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
    "baseline_is": {"en": "Baseline scenario: {baseline}.", "nl": "Basisscenario: {baseline}."},
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
