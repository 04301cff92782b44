"""The measures of the decision page, per scenario and municipality (and the region, `TOTAL`), from a run's tables.

Each is computed within a replication first and then over replications:
- the first year a municipality's organisation falls below viability (the region: the first year any
  organisation does), as the median over replications, where "never" counts as later than any year;
- placements started over the period (sum of the `placements_started_*` columns), the mean over replications;
- the mean wait for a job coach over the period, weighted by the placements started, the mean over replications.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.compare import Period
from analysis.summary import NEVER, TOTAL, Thresholds

STARTED = "placements_started_"


def below_viability(organisations: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Per scenario, replication and municipality (and `TOTAL`): the first year its organisation is below a
    threshold (NaN when never). Only the years an organisation exists count, as in `summary.first_failures`."""
    cols = ["scenario", "replication", "municipality", "first_year"]
    if organisations.empty:
        return pd.DataFrame(columns=cols)
    org = organisations.assign(
        failing=(organisations["persons"] < thresholds.min_persons)
        | (organisations["overhead_eur_per_se"].fillna(-math.inf) > thresholds.max_overhead_eur_per_se),
        municipality=organisations["members"].str.split(","),
    ).explode("municipality")
    org["municipality"] = org["municipality"].str.strip()
    every = pd.concat([org, org.assign(municipality=TOTAL)], ignore_index=True)
    keys = ["scenario", "replication", "municipality"]
    first = every[every["failing"]].groupby(keys, observed=True)["year"].min().rename("first_year")
    out = every[keys].drop_duplicates().merge(first.reset_index(), on=keys, how="left")
    out["first_year"] = out["first_year"].astype(float)
    return out[cols]


def median_year(years: pd.Series) -> float:
    """The median first year over replications (an order statistic); NaN when in half or more it never comes."""
    q = float(np.percentile(years.fillna(NEVER).to_numpy(float), 50, method="inverted_cdf"))
    return math.nan if q >= NEVER else q


def year_quantiles(years: pd.Series) -> tuple[float, float, float]:
    """The 5th, 50th and 95th percentile of first years (NaN: not within the run in that share)."""
    qs = np.percentile(years.fillna(NEVER).to_numpy(float), [5, 50, 95], method="inverted_cdf")
    p5, p50, p95 = (math.nan if q >= NEVER else float(q) for q in qs)
    return p5, p50, p95


def first_years(organisations: pd.DataFrame, thresholds: Thresholds) -> dict[tuple[str, str], float]:
    """(scenario, municipality) -> the median first year below viability (NaN: not within the run)."""
    per_rep = below_viability(organisations, thresholds)
    return {
        (str(s), str(m)): median_year(g["first_year"])
        for (s, m), g in per_rep.groupby(["scenario", "municipality"], observed=True)
    }


def _in_period(flows: pd.DataFrame, period: Period) -> pd.DataFrame:
    rows = flows[(flows["year"] >= period.from_year) & (flows["year"] <= period.to_year)]
    started = [c for c in flows.columns if c.startswith(STARTED)]
    return rows.assign(_n=rows[started].sum(axis=1).astype(float))


def placements(flows: pd.DataFrame, period: Period) -> dict[tuple[str, str], float]:
    """(scenario, municipality or TOTAL) -> mean over replications of the placements started in the period."""
    rows = _in_period(flows, period)
    rows = pd.concat([rows, rows.assign(municipality=TOTAL)], ignore_index=True)
    per_rep = rows.groupby(["scenario", "municipality", "replication"], observed=True)["_n"].sum().rename("placed")
    means = per_rep.reset_index().groupby(["scenario", "municipality"], observed=True)["placed"].mean().reset_index()
    return {(str(r.scenario), str(r.municipality)): float(r.placed) for r in means.itertuples()}  # type: ignore[arg-type]


def mean_wait(flows: pd.DataFrame, period: Period) -> dict[tuple[str, str], float]:
    """(scenario, municipality or TOTAL) -> mean over replications of the placement-weighted mean coach wait
    (weeks) over the period; replications without any placement are left out."""
    rows = _in_period(flows, period)
    rows = rows[rows["waiting_weeks_mean"].notna() & (rows["_n"] > 0)]
    rows = rows.assign(_w=rows["waiting_weeks_mean"] * rows["_n"])
    rows = pd.concat([rows, rows.assign(municipality=TOTAL)], ignore_index=True)
    sums = rows.groupby(["scenario", "municipality", "replication"], observed=True)[["_w", "_n"]].sum()
    waits = (sums["_w"] / sums["_n"]).rename("wait").reset_index()
    means = waits.groupby(["scenario", "municipality"], observed=True)["wait"].mean().reset_index()
    return {(str(r.scenario), str(r.municipality)): float(r.wait) for r in means.itertuples()}  # type: ignore[arg-type]


def component_totals(finance: pd.DataFrame, period: Period, columns: list[str]) -> pd.DataFrame:
    """Per scenario and municipality: the mean over replications of each money column, added up over the
    period and discounted as the definition of cost says (so the components add up to the contribution)."""
    from analysis.compare import discount_factors

    rows = finance[(finance["year"] >= period.from_year) & (finance["year"] <= period.to_year)]
    factors = discount_factors(rows["year"], period.discount_rate, period.base)
    weighted = rows[columns].mul(factors, axis=0)
    weighted[["scenario", "replication", "municipality"]] = rows[["scenario", "replication", "municipality"]]
    per_rep = weighted.groupby(["scenario", "municipality", "replication"], observed=True)[columns].sum()
    return per_rep.groupby(level=["scenario", "municipality"], observed=True).mean().reset_index()
