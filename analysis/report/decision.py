"""The decision page: one table, a row per municipality and one for the region, a column group per scenario.

The baseline's group shows what happens to the people and the organisation; each alternative's group shows
first what it costs compared with the baseline under the one definition of cost (`CostDefinition`): the mean
paired difference of the discounted municipal contribution over the horizon, the 5th-95th percentile of
those differences over replications, and the share of replications in which the alternative is cheaper; with
an exploration (`analysis.report.decides`), next to them the band from the parameters (the same 5th-95th
percentile over the exploration's design points) and the share of points at which it is cheaper. Every number
carries its exact value in `data-value`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from analysis.compare import CostDefinition, paired_differences
from analysis.report import decides, measures
from analysis.report.format import Cell, Formatter, Num
from analysis.summary import TOTAL, Thresholds
from analysis.translations import number, percent


@dataclass
class Group:
    title: str
    description: str
    columns: list[str]


@dataclass
class Row:
    """A municipality's (or the region's) row; `keys` names each cell's (scenario, measure) for scripts."""

    label: str
    municipality: str
    cells: list[Cell]
    keys: list[tuple[str, str]]


@dataclass
class Decision:
    groups: list[Group]
    rows: list[Row]
    sentences: list[str]
    definition: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)


def _people_cells(
    scenario: str,
    muni: str,
    years: dict[tuple[str, str], float],
    placed: dict[tuple[str, str], float],
    waits: dict[tuple[str, str], float],
    last_year: int,
    fmt: Formatter,
) -> list[Cell]:
    wait = waits.get((scenario, muni), math.nan)
    return [
        [fmt.year(years.get((scenario, muni), math.nan), last_year)],
        [fmt.amount(placed.get((scenario, muni), math.nan))],
        [fmt.amount(wait, 1)],
    ]


def build_decision(
    finance: pd.DataFrame,
    flows: pd.DataFrame,
    organisations: pd.DataFrame,
    scenarios: list[str],
    municipalities: list[str],
    definition: CostDefinition,
    thresholds: Thresholds,
    last_year: int,
    parameters_drawn: int,
    has_experiments: bool,
    fmt: Formatter,
    explored: decides.Explored | None = None,
) -> Decision:
    """The decision table and the sentences under it (at most five)."""
    baseline, period = definition.baseline, definition.period
    alternatives = [s for s in scenarios if s != baseline]
    years = measures.first_years(organisations, thresholds) if len(organisations) else {}
    placed = measures.placements(flows, period) if len(flows) else {}
    waits = measures.mean_wait(flows, period) if len(flows) else {}
    people = [fmt.t("col_viability_from"), fmt.t("col_placements"), fmt.t("col_wait")]
    groups = [Group(baseline, fmt.t("group_baseline"), people)]
    diffs: dict[str, dict[str, pd.Series]] = {}
    for alt in alternatives:
        diff = paired_differences(finance, baseline, alt, period) if len(finance) else pd.DataFrame()
        diffs[alt] = {str(r["municipality"]): r for _, r in diff.iterrows()}
        money = [fmt.t("col_extra_cost"), fmt.t("col_band_chance"), fmt.t("col_cheaper_in")] if len(finance) else []
        if money and explored is not None:
            money += [fmt.t("col_band_parameters"), fmt.t("col_cheaper_parameters")]
        groups.append(Group(alt, fmt.t("group_against", baseline=baseline), [*money, *people]))

    rows = []
    people_keys = ["viability_from", "placements", "wait_weeks"]
    keys = [(baseline, k) for k in people_keys]
    for alt in alternatives:
        money_keys = ["extra_cost", "band_chance", "cheaper_share"] if len(finance) else []
        if money_keys and explored is not None:
            money_keys += ["band_parameters", "cheaper_share_parameters"]
        keys += [(alt, k) for k in [*money_keys, *people_keys]]
    for muni in [*municipalities, TOTAL]:
        cells = _people_cells(baseline, muni, years, placed, waits, last_year, fmt)
        for alt in alternatives:
            if len(finance):
                r = diffs[alt].get(muni)
                if r is None:
                    cells += [[Num("–")], [Num("–")], [Num("–")]]
                else:
                    # a no-break space before the dots: a narrow cell wraps after them, not before
                    band = [fmt.money(r["p5"], True), Num("\u00a0… "), fmt.money(r["p95"], True)]
                    cells += [[fmt.money(r["mean_difference"], True)], band, [fmt.share(r["p_alternative_cheaper"])]]
                if explored is not None:
                    cells += decides.band_cells(explored, alt, muni, fmt)
            cells += _people_cells(alt, muni, years, placed, waits, last_year, fmt)
        rows.append(Row(fmt.name(muni), muni, cells, keys))

    rate = percent(period.discount_rate, fmt.lang, 1)
    definition_rows = [
        (fmt.t("def_baseline"), baseline),
        (fmt.t("def_horizon"), period.label()),
        (fmt.t("def_discount"), fmt.t("def_discount_value", rate=rate, base=period.base)),
        (fmt.t("def_source"), fmt.t("def_from_config" if definition.from_config else "def_defaults")),
    ]
    sentences = [fmt.t("s_what", baseline=baseline, period=period.label(), rate=rate, base=period.base)]
    if explored is not None:
        sentences.append(decides.band_sentence(explored, fmt, parameters_drawn))
    elif parameters_drawn:
        sentences.append(fmt.t("s_band_drawn", k=parameters_drawn))
    else:
        sentences.append(fmt.t("s_band_chance"))
    notes = [fmt.t("note_experiments")] if has_experiments and explored is None else []
    region = {alt: diffs[alt].get(TOTAL) for alt in alternatives if diffs.get(alt)}
    if region:
        best = min(region, key=lambda a: float(region[a]["mean_difference"]))  # type: ignore[index]
        r = region[best]
        assert r is not None
        n, cheaper = int(r["n"]), round(float(r["p_alternative_cheaper"]) * int(r["n"]))
        amount = fmt.mln(abs(float(r["mean_difference"])))
        key = "s_region_cheaper" if r["mean_difference"] < 0 else "s_region_baseline"
        sentences.append(fmt.t(key, alternative=best, baseline=baseline, amount=amount, cheaper=cheaper, n=n))
    sentences.append(
        fmt.t(
            "s_viability",
            min_persons=number(thresholds.min_persons, fmt.lang),
            max_overhead=fmt.eur(thresholds.max_overhead_eur_per_se),
            period=period.label(),
        )
    )
    sentences.append(fmt.t("s_not_shown"))
    return Decision(groups, rows, sentences[:5], definition_rows, notes)
