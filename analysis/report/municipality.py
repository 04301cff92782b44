"""A page per municipality: its people, its money by component, its organisation's viability, one chart.

A wethouder reads only their own page, so each page stands alone: the definitions of the decision page apply
(baseline, horizon, discount rate), and every amount carries its exact value in `data-value`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import charts
from analysis.compare import CostDefinition
from analysis.report import measures
from analysis.report.format import Formatter, ShownChart, Table, chart_table
from analysis.summary import Thresholds, summarise

WORK_FORMS = ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken")

# the money columns of `finance`, with the sign they enter the contribution with (costs +, income -)
COMPONENTS = (
    ("wage_cost_eur", 1),
    ("wage_subsidy_eur", 1),
    ("coach_cost_eur", 1),
    ("overhead_eur", 1),
    ("site_cost_eur", 1),
    ("transition_cost_eur", 1),
    ("subsidy_eur", -1),
    ("added_value_eur", -1),
)


@dataclass
class Page:
    name: str
    tables: list[Table]
    charts: list[ShownChart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decides: list[Any] = field(default_factory=list)
    """With an exploration: what decides, per alternative (`analysis.report.decides.Decides`)."""
    breakeven: Table | None = None


def _people(stocks: pd.DataFrame, muni: str, baseline: str, years: list[int], fmt: Formatter) -> Table:
    data = stocks[(stocks["scenario"] == baseline) & (stocks["municipality"] == muni)]
    summary = summarise(data, ["year"], ["persons", "se"])
    rows: list[list[Any]] = []
    for variable in ("persons", "se"):
        part = summary[summary["variable"] == variable].set_index("year")
        row: list[Any] = [fmt.t(f"row_{variable}")]
        for y in years:
            if y not in part.index:
                row.append("–")
                continue
            p50, p5, p95 = (float(part.at[y, k]) for k in ("p50", "p5", "p95"))  # type: ignore[arg-type]
            shown = fmt.count if variable == "persons" else (lambda x: fmt.amount(x).text)
            row.append([fmt.text(shown(p50)), fmt.text(f" ({shown(p5)}–{shown(p95)})")])
        rows.append(row)
    header = [fmt.t("col_at_end_of"), *map(str, years)]
    return Table(fmt.t("table_people", scenario=baseline), header, rows)


def _forms(stocks: pd.DataFrame, muni: str, scenarios: list[str], start: int, end: int, fmt: Formatter) -> Table:
    data = stocks[stocks["municipality"] == muni]
    per_rep = data.groupby(["scenario", "year", "work_form", "replication"], observed=True)["persons"].sum()
    medians = per_rep.groupby(level=["scenario", "year", "work_form"], observed=True).median()
    header = [fmt.t("col_work_form"), f"{start}", *(f"{end}: {s}" for s in scenarios)]
    rows: list[list[Any]] = []
    for form in WORK_FORMS:
        row: list[Any] = [form, fmt.count(float(medians.get((scenarios[0], start, form), 0.0)))]
        row += [fmt.count(float(medians.get((s, end, form), 0.0))) for s in scenarios]
        rows.append(row)
    return Table(fmt.t("table_forms"), header, rows)


def _money(totals: pd.DataFrame, muni: str, scenarios: list[str], definition: CostDefinition, fmt: Formatter) -> Table:
    part = totals[totals["municipality"] == muni].set_index("scenario")
    rows: list[list[Any]] = []
    for column, sign in (*COMPONENTS, ("municipal_contribution_eur", 1)):
        row: list[Any] = [fmt.t(f"money_{column}")]
        for s in scenarios:
            amount = float(part.at[s, column]) if s in part.index else math.nan  # type: ignore[arg-type]
            row.append([fmt.money(sign * amount)] if s in part.index else "–")
        rows.append(row)
    period = definition.period
    caption = fmt.t("table_money", period=period.label(), base=period.base)
    return Table(caption, [fmt.t("col_component"), *scenarios], rows)


def _viability(
    organisations: pd.DataFrame,
    per_rep: pd.DataFrame,
    muni: str,
    scenarios: list[str],
    year: int,
    last_year: int,
    fmt: Formatter,
) -> Table:
    rows: list[list[Any]] = []
    for s in scenarios:
        orgs = organisations[(organisations["scenario"] == s) & (organisations["year"] == year)]
        mine = orgs[orgs["members"].str.split(",").apply(lambda m: muni in [x.strip() for x in m])]
        name = ", ".join(dict.fromkeys(mine["organisation"])) or "–"
        persons = float(mine.groupby("replication")["persons"].sum().median()) if len(mine) else math.nan
        years = per_rep[(per_rep["scenario"] == s) & (per_rep["municipality"] == muni)]["first_year"]
        p5, p50, _ = measures.year_quantiles(years) if len(years) else (math.nan,) * 3
        failing = int(years.notna().sum())
        rows.append(
            [
                s,
                name,
                fmt.count(persons),
                [fmt.year(p50, last_year)],
                [fmt.year(p5, last_year)],
                f"{failing} / {len(years)}",
            ]
        )
    header = [
        fmt.t("col_scenario"),
        fmt.t("col_organisation_in", year=year),
        fmt.t("col_its_persons", year=year),
        fmt.t("col_below_median"),
        fmt.t("col_below_early"),
        fmt.t("col_failing"),
    ]
    return Table(fmt.t("table_muni_viability"), header, rows, textual=True)


def _ages(ages: pd.DataFrame, muni: str, baseline: str, years: list[int], fmt: Formatter) -> Table:
    """Mean age and share over 45 at 31 December of `years` (baseline scenario; mean over replications)."""
    data = ages[(ages["scenario"] == baseline) & (ages["municipality"] == muni) & ages["year"].isin(years)]
    weighted = data.assign(
        age_persons=data["age_years"] * data["persons"], over_45=(data["age_years"] > 45) * data["persons"]
    )
    per_rep = weighted.groupby(["year", "replication"])[["persons", "age_persons", "over_45"]].sum()
    per_rep = per_rep[per_rep["persons"] > 0]
    mean_age = (per_rep["age_persons"] / per_rep["persons"]).groupby("year").mean()
    over_45 = (per_rep["over_45"] / per_rep["persons"]).groupby("year").mean()
    rows: list[list[Any]] = [
        [fmt.t("row_mean_age"), *[[fmt.amount(float(mean_age[y]), 1)] if y in mean_age.index else "–" for y in years]],
        [fmt.t("row_over_45"), *[[fmt.share(float(over_45[y]))] if y in over_45.index else "–" for y in years]],
    ]
    return Table(fmt.t("table_ages", scenario=baseline), [fmt.t("col_at_end_of"), *map(str, years)], rows)


def pages(
    stocks: pd.DataFrame,
    finance: pd.DataFrame,
    organisations: pd.DataFrame,
    municipalities: list[str],
    scenarios: list[str],
    definition: CostDefinition,
    thresholds: Thresholds,
    last_year: int,
    min_persons: float,
    ages: pd.DataFrame | None,
    fmt: Formatter,
    with_charts: bool,
) -> list[Page]:
    """One page per municipality, in the order of the config."""
    period = definition.period
    columns = [c for c, _ in COMPONENTS] + ["municipal_contribution_eur"]
    totals = measures.component_totals(finance, period, columns) if len(finance) else pd.DataFrame()
    per_rep = measures.below_viability(organisations, thresholds) if len(organisations) else pd.DataFrame()
    out = []
    for muni in municipalities:
        page = Page(muni, [])
        if len(stocks):
            start = int(stocks["year"].min())
            years = sorted({start, period.from_year, period.to_year})
            page.tables.append(_people(stocks, muni, definition.baseline, years, fmt))
            page.tables.append(_forms(stocks, muni, scenarios, start, period.to_year, fmt))
        if ages is None:
            page.notes.append(fmt.t("no_ages"))
        elif len(stocks):
            page.tables.append(_ages(ages, muni, definition.baseline, years, fmt))
        if len(totals):
            page.tables.append(_money(totals, muni, scenarios, definition, fmt))
        if len(organisations):
            page.tables.append(_viability(organisations, per_rep, muni, scenarios, period.from_year, last_year, fmt))
        if with_charts and len(finance):
            chart = charts.contribution_by_scenario(
                finance, scenarios, fmt.t, period.to_year, [muni], fmt.lang, key=f"contribution_{muni}"
            )
            if chart is not None:
                page.charts.append(chart_table(chart, fmt))
        out.append(page)
    return out
