"""Paired differences between two scenarios: what an alternative costs a municipality compared with a baseline.

Every scenario of a replication sees the same people, the same demographic draws and the same parameter
draws (common random numbers), so the scenarios are compared replication by replication: for each shared
replication r, d_r = total_B(r) - total_A(r), where a total adds up a finance value over the years of a
period, optionally discounted to a base year (net present value). The paired 95% interval of the mean
difference is the textbook t-interval of the d_r:

    mean(d) +/- t(0.975, n - 1) * sd(d) / sqrt(n)

and "B costs M less than A" is estimated by the share of replications with d_r < 0. Positive differences mean
the alternative costs more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.load import RunError, load, manifest
from analysis.load import config as run_config
from analysis.summary import TOTAL, t_quantile, with_total
from sim.inputs.config.analysis import AnalysisConfig

DEFAULT_VALUE = "municipal_contribution_eur"

DIFFERENCE_COLUMNS = (
    "n",
    "baseline_mean",
    "alternative_mean",
    "mean_difference",
    "sd",
    "ci_low",
    "ci_high",
    "p5",
    "p50",
    "p95",
    "p_alternative_cheaper",
)


@dataclass(frozen=True)
class Period:
    """Calendar years `from_year` to `to_year` inclusive, discounted to `base_year` at `discount_rate` a year."""

    from_year: int
    to_year: int
    discount_rate: float = 0.0
    base_year: int | None = None

    @property
    def base(self) -> int:
        return self.from_year if self.base_year is None else self.base_year

    def label(self) -> str:
        return f"{self.from_year}-{self.to_year}"


def discount_factors(years: np.ndarray | pd.Series, rate: float, base_year: int) -> np.ndarray:
    """1 / (1 + rate)^(year - base_year): the value in `base_year` of one euro paid in `year`."""
    return np.power(1.0 + rate, -(np.asarray(years, dtype=float) - base_year))


def npv(values_by_year: Mapping[int, float] | pd.Series, rate: float, base_year: int) -> float:
    """Net present value in `base_year` of yearly amounts (end-of-year timing is not assumed: year - base)."""
    series = pd.Series(values_by_year, dtype=float)
    return float((series.to_numpy() * discount_factors(series.index.to_numpy(), rate, base_year)).sum())


def paired_interval(differences: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of paired differences and its t-interval: mean -/+ t((1+level)/2, n-1) * sd / sqrt(n)."""
    d = np.asarray(differences, dtype=float)
    n = len(d)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n == 1:
        return mean, math.nan, math.nan
    half = t_quantile((1.0 + level) / 2.0, n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def period_totals(
    finance: pd.DataFrame,
    period: Period,
    value: str = DEFAULT_VALUE,
    by: Sequence[str] = ("municipality",),
) -> pd.DataFrame:
    """Per scenario, replication and `by`: the (discounted) sum of `value` over the period's years."""
    by = list(by)
    rows = finance[(finance["year"] >= period.from_year) & (finance["year"] <= period.to_year)]
    weighted = rows[value].to_numpy(float) * discount_factors(rows["year"], period.discount_rate, period.base)
    rows = rows.assign(_weighted=weighted)
    out = rows.groupby(["scenario", "replication", *by], observed=True, sort=True)["_weighted"].sum()
    return out.rename("total").reset_index()


def paired_differences(
    finance: pd.DataFrame,
    baseline: str,
    alternative: str,
    period: Period,
    value: str = DEFAULT_VALUE,
    by: Sequence[str] = ("municipality",),
    total: bool = True,
) -> pd.DataFrame:
    """The paired difference alternative - baseline per group of `by`, over their shared replications.

    Columns: `by`, n (shared replications), baseline_mean, alternative_mean, mean_difference, sd of the
    differences, ci_low/ci_high (paired 95% t-interval of the mean), p5/p50/p95 of the differences, and
    p_alternative_cheaper (share of replications in which the alternative costs less). With `total` a row
    labelled `TOTAL` adds up the groups (the whole region).
    """
    by = list(by)
    data = with_total(finance, by[0]) if total and by else finance
    totals = period_totals(data, period, value, by)
    a = totals[totals["scenario"] == baseline].drop(columns="scenario")
    b = totals[totals["scenario"] == alternative].drop(columns="scenario")
    paired = a.merge(b, on=["replication", *by], suffixes=("_a", "_b"))
    rows = []
    for key, group in paired.groupby(by, observed=True, sort=False):
        d = (group["total_b"] - group["total_a"]).to_numpy(float)
        mean, low, high = paired_interval(d)
        p5, p50, p95 = np.percentile(d, [5, 50, 95])
        keys = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(by, keys, strict=True)),
                "n": len(d),
                "baseline_mean": float(group["total_a"].mean()),
                "alternative_mean": float(group["total_b"].mean()),
                "mean_difference": mean,
                "sd": float(d.std(ddof=1)) if len(d) > 1 else math.nan,
                "ci_low": low,
                "ci_high": high,
                "p5": float(p5),
                "p50": float(p50),
                "p95": float(p95),
                "p_alternative_cheaper": float((d < 0).mean()),
            }
        )
    out = pd.DataFrame(rows, columns=[*by, *DIFFERENCE_COLUMNS])
    if by and len(out):  # the canonical order of the data, with the total last
        order = [k for k in dict.fromkeys(finance[by[0]]) if k in set(out[by[0]])]
        if TOTAL in set(out[by[0]]):
            order.append(TOTAL)
        out = out.set_index(by[0]).loc[order].reset_index()
    return out


def yearly_differences(
    finance: pd.DataFrame,
    baseline: str,
    alternative: str,
    value: str = DEFAULT_VALUE,
    by: Sequence[str] = ("municipality",),
) -> pd.DataFrame:
    """Per replication, year and `by`: the difference alternative - baseline of `value` (undiscounted)."""
    by = list(by)
    keys = ["replication", "year", *by]
    per = finance.groupby(["scenario", *keys], observed=True)[value].sum().reset_index()
    a = per[per["scenario"] == baseline].drop(columns="scenario")
    b = per[per["scenario"] == alternative].drop(columns="scenario")
    paired = a.merge(b, on=keys, suffixes=("_a", "_b"))
    paired["difference"] = paired[f"{value}_b"] - paired[f"{value}_a"]
    return paired[[*keys, "difference"]]


@dataclass(frozen=True)
class CostDefinition:
    """The one definition of cost of a run: the baseline, the years added up and the discount rate.

    Taken from the `[analysis]` table of the run's config (`from_config`), with any explicit choice of the
    caller on top; where neither says, the first scenario, every year of the run and no discounting.
    """

    baseline: str
    period: Period
    from_config: bool

    def describe(self) -> str:
        """One line for a header: 'baseline shared; 2021-2040; discounted at 3.00% a year to 2021'."""
        return (
            f"baseline {self.baseline}; {self.period.label()}; discounted at {self.period.discount_rate:.2%} a year "
            f"to {self.period.base}; nominal EUR; {'from the config' if self.from_config else 'defaults'}"
        )


def analysis_table(run_dir: str | Path) -> tuple[AnalysisConfig, bool]:
    """The `[analysis]` table of a run's config (typed, as `wsw-sim run` validated it), and whether the config
    states one (else the defaults hold)."""
    config = run_config(run_dir)
    return config.analysis, "analysis" in config.model_fields_set


def cost_definition(
    run_dir: str | Path,
    scenarios: Sequence[str],
    years: tuple[int, int],
    baseline: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float | None = None,
    base_year: int | None = None,
    where: str | Path = "manifest.json",
) -> CostDefinition:
    """Resolve the definition of cost for a run whose money covers `years` (first, last) of `scenarios`.

    Explicit arguments win over the config's `[analysis]` table, which wins over the defaults. Raises
    `RunError` when the baseline is not a scenario of the run or the period is empty or outside `years`.
    """
    table, from_config = analysis_table(run_dir)
    chosen = baseline or table.baseline or (scenarios[0] if scenarios else "")
    if chosen not in scenarios:
        raise RunError(f"{where}: unknown scenario {chosen!r}; the run has: {', '.join(scenarios) or 'none'}")
    first, last = table.horizon if table.horizon is not None else years
    period = Period(
        first if from_year is None else from_year,
        last if to_year is None else to_year,
        table.discount_rate if discount_rate is None else discount_rate,
        base_year,
    )
    if period.from_year > period.to_year:
        raise RunError(f"the period {period.label()} is empty")
    if period.to_year < years[0] or period.from_year > years[1]:
        raise RunError(f"the period {period.label()} lies outside the run's years {years[0]}-{years[1]}")
    return CostDefinition(chosen, period, from_config)


def compare(
    run_dir: str | Path,
    baseline: str | None,
    alternative: str,
    from_year: int | None = None,
    to_year: int | None = None,
    discount_rate: float | None = None,
    base_year: int | None = None,
    value: str = DEFAULT_VALUE,
) -> tuple[pd.DataFrame, CostDefinition]:
    """The paired difference table per municipality (and the region) of a run, and the definition used.

    Every choice left at None comes from the run's `[analysis]` table (see `cost_definition`). Raises
    `RunError` naming the run folder or the scenario when either cannot be used.
    """
    man = manifest(run_dir)
    scenarios = man.get("scenarios")
    finance = load(run_dir, "finance")
    known = list(dict.fromkeys(finance["scenario"])) if len(finance) else []
    if isinstance(scenarios, list) and scenarios:
        known = list(dict.fromkeys([*(str(s) for s in scenarios), *known]))
    for name in (baseline, alternative):
        if name is not None and name not in known:
            raise RunError(f"{run_dir}: unknown scenario {name!r}; the run has: {', '.join(known) or 'none'}")
    if finance.empty:
        raise RunError(f"{run_dir}: the run has no finance table, so there is nothing to compare")
    years = (int(finance["year"].min()), int(finance["year"].max()))
    definition = cost_definition(
        run_dir, known, years, baseline, from_year, to_year, discount_rate, base_year, Path(run_dir) / "manifest.json"
    )
    for name in (definition.baseline, alternative):
        if name not in set(finance["scenario"]):
            raise RunError(f"{run_dir}: scenario {name!r} has no finance rows")
    if value not in finance.columns or value in ("scenario", "organisation", "municipality"):
        raise RunError(f"finance has no value column {value!r}")
    table = paired_differences(finance, definition.baseline, alternative, definition.period, value)
    if table.empty:
        raise RunError(f"{run_dir}: scenarios {definition.baseline!r} and {alternative!r} share no replications")
    return table, definition
