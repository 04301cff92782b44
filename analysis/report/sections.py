"""The region's tables and charts, after the municipalities' pages: the detail behind the decision page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis import charts
from analysis.compare import Period, paired_differences, period_totals
from analysis.report.format import Formatter, Table
from analysis.summary import TOTAL, Thresholds, summarise, viability, with_total
from analysis.translations import percent


def workforce_table(stocks: pd.DataFrame, baseline: str, period: Period, fmt: Formatter) -> Table | None:
    """Wsw employees at 31 December of some years: median and the band of 90 of 100 replications."""
    data = stocks[stocks["scenario"] == baseline]
    if data.empty:
        return None
    summary = summarise(with_total(data, "municipality"), ["year", "municipality"], ["persons"])
    first, last = int(summary["year"].min()), int(summary["year"].max())
    years = sorted({first, period.from_year, period.to_year, *range(period.to_year + 10, last + 1, 10), last})
    years = [y for y in years if first <= y <= last]
    rows: list[list[Any]] = []
    for muni in [*dict.fromkeys(data["municipality"]), TOTAL]:
        cells = summary[summary["municipality"] == muni].set_index("year")
        rows.append(
            [fmt.name(muni)]
            + [
                f"{fmt.count(cells.loc[y, 'p50'])} ({fmt.count(cells.loc[y, 'p5'])}–{fmt.count(cells.loc[y, 'p95'])})"
                for y in years
            ]
        )
    return Table(fmt.t("table_workforce", scenario=baseline), [fmt.t("col_municipality"), *map(str, years)], rows)


def difference_table(diff: pd.DataFrame, caption: str, fmt: Formatter) -> Table:
    """A paired difference table: mean, 95% interval of the mean, 90 of 100 replications, share cheaper."""
    header = [fmt.t(k) for k in ("col_municipality", "col_mean_difference", "col_ci", "col_range", "col_cheaper")]
    header.append(fmt.t("col_n"))
    rows: list[list[Any]] = [
        [
            fmt.name(r["municipality"]),
            [fmt.money(r["mean_difference"], True)],
            [fmt.money(r["ci_low"], True), fmt.text(" … "), fmt.money(r["ci_high"], True)],
            [fmt.money(r["p5"], True), fmt.text(" … "), fmt.money(r["p95"], True)],
            [fmt.share(r["p_alternative_cheaper"])],
            str(int(r["n"])),
        ]
        for _, r in diff.iterrows()
    ]
    return Table(caption, header, rows)


def contribution_table(finance: pd.DataFrame, scenarios: Sequence[str], period: Period, fmt: Formatter) -> Table:
    """The discounted contribution over the period per scenario: mean and 90 of 100 replications."""
    totals = period_totals(with_total(finance, "municipality"), period)
    rows: list[list[Any]] = []
    for muni in dict.fromkeys(totals["municipality"]):
        row: list[Any] = [fmt.name(muni)]
        for scenario in scenarios:
            values = totals[(totals["municipality"] == muni) & (totals["scenario"] == scenario)]["total"]
            if values.empty:
                row.append("–")
                continue
            q5, q95 = values.quantile([0.05, 0.95])
            row.append(
                [
                    fmt.money(values.mean()),
                    fmt.text(" ("),
                    fmt.money(q5),
                    fmt.text(" … "),
                    fmt.money(q95),
                    fmt.text(")"),
                ]
            )
        rows.append(row)
    total_label = fmt.name(TOTAL)
    order = [r for r in rows if r[0] != total_label] + [r for r in rows if r[0] == total_label]
    rate = percent(period.discount_rate, fmt.lang, 1)
    caption = fmt.t("table_contribution", period=period.label(), rate=rate, base=period.base)
    return Table(caption, [fmt.t("col_municipality"), *scenarios], order)


def money_tables(
    finance: pd.DataFrame, scenarios: list[str], baseline: str, period: Period, fmt: Formatter
) -> list[Table]:
    tables = [contribution_table(finance, scenarios, period, fmt)]
    for alternative in (s for s in scenarios if s != baseline):
        diff = paired_differences(finance, baseline, alternative, period)
        if diff.empty:
            continue
        caption = fmt.t("table_difference", alternative=alternative, baseline=baseline, period=period.label())
        tables.append(difference_table(diff, caption, fmt))
    return tables


def viability_table(organisations: pd.DataFrame, thresholds: Thresholds, last_year: int, fmt: Formatter) -> Table:
    """Per scenario and organisation: how often and from when it falls below a threshold."""
    table = viability(organisations, thresholds)
    rows: list[list[Any]] = []
    never = fmt.t("after_year", year=last_year)

    def year(x: float) -> str:
        return never if math.isnan(x) else str(int(x))

    for _, r in table.iterrows():
        rows.append(
            [
                r["scenario"],
                r["organisation"],
                f"{r['first_year_exists']}–{r['last_year_exists']}",
                f"{int(r['failing'])} / {int(r['replications'])}",
                never if math.isnan(r["p5"]) else f"{year(r['p50'])} ({year(r['p5'])} – {year(r['p95'])})",
                fmt.t(f"reason_{r['reason']}") if r["reason"] else "",
            ]
        )
    header = [fmt.t(k) for k in ("col_scenario", "col_organisation", "col_exists", "col_failing", "col_first_year")]
    header.append(fmt.t("col_reason"))
    return Table(fmt.t("table_viability"), header, rows, textual=True)


def region_charts(
    stocks: pd.DataFrame,
    finance: pd.DataFrame,
    organisations: pd.DataFrame,
    flows: pd.DataFrame,
    scenarios: list[str],
    baseline: str,
    thresholds: Thresholds,
    period: Period,
    min_persons: float,
    fmt: Formatter,
    notes: list[str],
) -> list[charts.Chart]:
    """Every chart of the region the run's tables allow, in reading order; a note when waits are absent."""
    tr, lang = fmt.t, fmt.lang
    alternatives = [s for s in scenarios if s != baseline]
    maybe: list[charts.Chart | None] = []
    if len(stocks):
        maybe += [charts.workforce_fan(stocks, baseline, v, tr, fmt.suppress, lang) for v in ("persons", "se")]
    if len(finance):
        maybe.append(charts.contribution_by_scenario(finance, scenarios, tr, period.to_year, lang=lang))
        maybe += [charts.difference_fan(finance, baseline, alt, tr, period.to_year, lang) for alt in alternatives]
    if len(organisations):
        maybe.append(charts.caseload(organisations, scenarios, tr, min_persons, lang))
    if len(flows):
        waiting = charts.waiting_time(flows, scenarios, tr, lang)
        if waiting is None:
            notes.append(fmt.t("missing_waits"))
        maybe.append(waiting)
    if len(organisations):
        maybe.append(
            charts.overhead_per_se(organisations, scenarios, thresholds.max_overhead_eur_per_se, tr, min_persons, lang)
        )
    return [c for c in maybe if c is not None]
