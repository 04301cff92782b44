"""The words of the report's exploration parts (band from the parameters, what decides, break-even), English and
Dutch; `analysis.translations.TEXT` includes them."""

from __future__ import annotations

from typing import Final

EXPLORATION_TEXT: Final[dict[str, dict[str, str]]] = {
    "col_band_parameters": {"en": "90 of 100 parameter sets", "nl": "90 van 100 sets aannames"},
    "col_cheaper_parameters": {"en": "Cheaper for parameter sets", "nl": "Goedkoper bij sets aannames"},
    "s_band_parameters": {
        "en": "Two bands: '90 of 100 futures' is {futures}; '90 of 100 parameter sets' is where the average extra "
        "cost falls for 90 of 100 of the {n} combinations of {k} assumptions of exploration {run_id} ({kind} "
        "design), each in the same {reps} simulated future(s): the uncertainty about the assumptions.",
        "nl": "Twee banden: '90 van 100 toekomsten' is {futures}; '90 van 100 sets aannames' is waar de gemiddelde "
        "meerkosten uitkomen bij 90 van de 100 van de {n} combinaties van {k} aannames van verkenning {run_id} "
        "({kind}-ontwerp), elk in dezelfde {reps} gesimuleerde toekomst(en): de onzekerheid over de aannames.",
    },
    "band_futures_chance": {
        "en": "chance alone (who retires, falls ill or leaves)",
        "nl": "alleen toeval (wie met pensioen gaat, ziek wordt of vertrekt)",
    },
    "band_futures_drawn": {
        "en": "chance and {k} assumptions drawn anew for each future",
        "nl": "toeval en {k} aannames die per toekomst opnieuw gekozen zijn",
    },
    "s_band_grid": {
        "en": "A Morris design puts half of each assumption's values at the ends of its range, so this band is "
        "wider than the ranges themselves would give; an lhs exploration gives a fairer one.",
        "nl": "Een Morris-ontwerp legt de helft van de waarden van elke aanname op de uiteinden van haar "
        "bandbreedte, dus deze band is breder dan de bandbreedtes zelf geven; een lhs-verkenning geeft een "
        "eerlijker band.",
    },
    "s_band_few_reps": {
        "en": "With only {reps} simulated future(s) per combination, the luck of those futures can also shift this "
        "whole band; explore with 10 or more replications per point for a firmer one.",
        "nl": "Met maar {reps} gesimuleerde toekomst(en) per combinatie kan het geluk van die toekomsten deze hele "
        "band ook verschuiven; verken met 10 of meer replicaties per punt voor een steviger band.",
    },
    "note_other_config": {
        "en": "The exploration {run_id} ran another config (or other overrides) than this batch: its bands and "
        "rankings are about that config's assumptions.",
        "nl": "De verkenning {run_id} draaide een andere configuratie (of andere aanpassingen) dan deze run: haar "
        "banden en rangordes gaan over de aannames van die configuratie.",
    },
    "decides_title": {"en": "What decides", "nl": "Wat de doorslag geeft"},
    "decides_for": {"en": "{alternative} against {baseline}", "nl": "{alternative} tegenover {baseline}"},
    "decides_intro_morris": {
        "en": "Which assumptions move the extra cost most: μ* is the average size of the change in the extra cost "
        "(either way) when one assumption moves across its whole range, over the {n} points of exploration "
        "{run_id}; the line is its 95% interval. A σ as large as μ* means the effect depends on the other "
        "assumptions.",
        "nl": "Welke aannames de meerkosten het meest bewegen: μ* is hoeveel de meerkosten gemiddeld veranderen "
        "(omhoog of omlaag) als één aanname over haar hele bandbreedte schuift, over de {n} punten van verkenning "
        "{run_id}; de lijn is het 95%-interval. Een σ zo groot als μ* betekent dat het effect afhangt van de "
        "andere aannames.",
    },
    "decides_intro_sobol": {
        "en": "Which assumptions move the extra cost most: ST is the share of the variation of the extra cost over "
        "the {n} points of exploration {run_id} that would remain if every other assumption were known (this "
        "one's effect alone and with others); S1 is its effect alone. The line is the 95% interval of ST.",
        "nl": "Welke aannames de meerkosten het meest bewegen: ST is het deel van de spreiding van de meerkosten "
        "over de {n} punten van verkenning {run_id} dat overblijft als alle andere aannames bekend zijn (het "
        "effect van deze alleen en samen met andere); S1 is haar effect alleen. De lijn is het 95%-interval "
        "van ST.",
    },
    "decides_no_indices": {
        "en": "An {kind} exploration ranks no assumptions (explore with --design morris or sobol); where the "
        "alternative is cheaper follows.",
        "nl": "Een {kind}-verkenning rangschikt geen aannames (verken met --design morris of sobol); waar het "
        "alternatief goedkoper is, volgt hieronder.",
    },
    "decides_no_values": {
        "en": "The exploration holds no extra cost at every point for this alternative here, so it ranks no "
        "assumptions; where the alternative is cheaper follows.",
        "nl": "De verkenning heeft hier niet bij elk punt meerkosten voor dit alternatief, dus rangschikt ze geen "
        "aannames; waar het alternatief goedkoper is, volgt hieronder.",
    },
    "decides_unit_million": {"en": "million EUR", "nl": "mln euro"},
    "decides_unit_thousand": {"en": "thousand EUR", "nl": "duizend euro"},
    "decides_unit_share": {"en": "share", "nl": "aandeel"},
    "decides_table": {
        "en": "{who}: the {n} most influential of {k} assumptions, most influential first",
        "nl": "{who}: de {n} invloedrijkste van {k} aannames, de invloedrijkste eerst",
    },
    "decides_alt": {
        "en": "Bar chart of the assumptions that move the extra cost of {alternative} against {baseline} for {who} "
        "most, largest on top: ",
        "nl": "Staafdiagram van de aannames die de meerkosten van {alternative} tegenover {baseline} voor {who} "
        "het meest bewegen, de grootste bovenaan: ",
    },
    "decides_box": {"en": "Where it is cheaper (PRIM)", "nl": "Waar het goedkoper is (PRIM)"},
    "col_assumption": {"en": "Assumption (config path)", "nl": "Aanname (pad in de configuratie)"},
    "col_mu_star": {"en": "μ* ({unit})", "nl": "μ* ({unit})"},
    "col_sigma": {"en": "σ ({unit})", "nl": "σ ({unit})"},
    "col_ST": {"en": "ST ({unit})", "nl": "ST ({unit})"},
    "col_S1": {"en": "S1 ({unit})", "nl": "S1 ({unit})"},
    "col_ci95": {"en": "95% interval", "nl": "95%-interval"},
    "breakeven_title": {"en": "Break-even", "nl": "Omslagpunt"},
    "breakeven_table": {
        "en": "The value of one assumption at which the alternative costs what {baseline} does (wsw-sim breakeven)",
        "nl": "De waarde van één aanname waarbij het alternatief evenveel kost als {baseline} (wsw-sim breakeven)",
    },
    "col_breakeven": {"en": "Break-even value", "nl": "Omslagwaarde"},
    "col_settings": {"en": "Other settings", "nl": "Andere instellingen"},
    "breakeven_none": {"en": "none in the range", "nl": "geen binnen de bandbreedte"},
    "below": {"en": "below {value}", "nl": "onder {value}"},
    "above": {"en": "above {value}", "nl": "boven {value}"},
    "prov_exploration": {"en": "Exploration", "nl": "Verkenning"},
    "prov_exploration_value": {
        "en": "{run_id}: {kind} design, {n} points over {k} assumptions, {reps} replications each",
        "nl": "{run_id}: {kind}-ontwerp, {n} punten over {k} aannames, {reps} replicaties elk",
    },
}
