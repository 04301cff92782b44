"""Monte Carlo summaries over replications, and when an organisation becomes too small to stand.

Every summary first adds up a value within each replication (for example persons over the forms of work of a
municipality), then describes the spread of those per-replication values: the number of replications `n`,
`mean`, standard deviation `sd` (n - 1 in the denominator), the Monte Carlo standard error of the mean
`mcse = sd / sqrt(n)` and the 5th, 50th and 95th percentiles (linear interpolation between order statistics,
numpy's default). The percentiles describe where single replications fall; the standard error says how
precisely the batch pins down the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.inputs.config import Config, ViabilityConfig

TOTAL = "total"
"""The label of the row that adds up all municipalities (or organisations)."""

STATS = ("n", "mean", "sd", "mcse", "p5", "p50", "p95")


# ------------------------------------------------------------------------------------ Student's t


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes 6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """Cumulative distribution function of Student's t with `df` degrees of freedom."""
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with `df` degrees of freedom (df = inf gives the normal quantile)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, got {p}")
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):  # bisection: t_cdf is monotone, and 200 halvings reach double precision
        mid = 0.5 * (low + high)
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * max(1.0, high):
            break
    return 0.5 * (low + high)


# ------------------------------------------------------------------------------------- summaries


def describe(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """n, mean, sd, mcse, p5, p50, p95 of per-replication values (missing values are left out)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return dict.fromkeys(STATS, math.nan) | {"n": 0}
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return {
        "n": n,
        "mean": float(x.mean()),
        "sd": sd,
        "mcse": sd / math.sqrt(n) if n > 1 else math.nan,
        "p5": float(p5),
        "p50": float(p50),
        "p95": float(p95),
    }


def with_total(frame: pd.DataFrame, column: str, label: str = TOTAL) -> pd.DataFrame:
    """`frame` plus a copy whose `column` reads `label`, so that summing within a replication adds them up."""
    return pd.concat([frame, frame.assign(**{column: label})], ignore_index=True)


def summarise(
    frame: pd.DataFrame,
    by: Sequence[str],
    values: Sequence[str],
    within: Literal["sum", "mean"] = "sum",
) -> pd.DataFrame:
    """Describe `values` over replications, per group of `by`.

    Rows are first combined within each (group, replication) by `within` ("sum": persons over forms of
    work; "mean": for example waiting weeks over municipalities), then described over replications.
    The result is long: the `by` columns, `variable`, and the columns of `STATS`.
    """
    by = list(by)
    if frame.empty:
        return pd.DataFrame(columns=[*by, "variable", *STATS])
    grouped = frame.groupby([*by, "replication"], observed=True, sort=True)[list(values)]
    per_rep = grouped.sum(min_count=1) if within == "sum" else grouped.mean()
    per_rep = per_rep.reset_index()
    parts = []
    for value in values:
        g = per_rep.groupby(by, observed=True, sort=True)[value]
        part = pd.DataFrame(
            {
                "n": g.count(),
                "mean": g.mean(),
                "sd": g.std(ddof=1),
                "p5": g.quantile(0.05),
                "p50": g.quantile(0.50),
                "p95": g.quantile(0.95),
            }
        )
        part["mcse"] = part["sd"] / np.sqrt(part["n"])
        part.insert(0, "variable", value)
        parts.append(part.reset_index())
    out = pd.concat(parts, ignore_index=True)
    return out[[*by, "variable", *STATS]]


def quantiles_by(
    frame: pd.DataFrame, by: Sequence[str], value: str, qs: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)
) -> pd.DataFrame:
    """Quantiles of `value` over replications (after summing within each replication), wide: q05, q25, ..."""
    by = list(by)
    per_rep = frame.groupby([*by, "replication"], observed=True)[value].sum(min_count=1).reset_index()
    g = per_rep.groupby(by, observed=True, sort=True)[value]
    return pd.DataFrame({f"q{round(q * 100):02d}": g.quantile(q) for q in qs}).reset_index()


# ------------------------------------------------------------------------------------- viability


_VIABILITY_DEFAULTS = ViabilityConfig()


@dataclass(frozen=True)
class Thresholds:
    """When an organisation is judged too small to stand.

    `min_persons`: fewer Wsw employees than this at 31 December; `max_overhead_eur_per_se`: more overhead
    per average SE than this over the year. They come from the config's `[viability]` table
    (`sim.inputs.config.ViabilityConfig`, which holds the defaults too); `from_config` says whether the run's
    config set them.
    """

    min_persons: float = _VIABILITY_DEFAULTS.min_persons
    max_overhead_eur_per_se: float = _VIABILITY_DEFAULTS.max_overhead_eur_per_se
    from_config: bool = False

    @classmethod
    def of(cls, config: Config | None) -> Thresholds:
        """The thresholds of a run's typed config (`analysis.config(run_dir)`); the defaults when it has none."""
        if config is None:
            return cls()
        viability = config.viability
        return cls(
            min_persons=float(viability.min_persons),
            max_overhead_eur_per_se=float(viability.max_overhead_eur_per_se),
            from_config="viability" in config.model_fields_set,
        )


NEVER = 9999
"""Sentinel year for "not within the horizon" while taking quantiles."""


def first_failures(organisations: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Per scenario, organisation and replication: the first year the organisation is below a threshold.

    Only the years in which the organisation exists count (an organisation dissolved by the scenario has not
    failed). `first_year` is NaN when it never falls below; `reason` is "persons", "overhead" or "both".
    """
    keys = ["scenario", "organisation", "replication"]
    if organisations.empty:
        return pd.DataFrame(columns=[*keys, "first_year", "reason"])
    org = organisations.sort_values([*keys, "year"])
    low_persons = org["persons"] < thresholds.min_persons
    high_overhead = org["overhead_eur_per_se"].fillna(-math.inf) > thresholds.max_overhead_eur_per_se
    failing = org.assign(low_persons=low_persons, high_overhead=high_overhead)[low_persons | high_overhead]
    first = failing.groupby(keys, observed=True).head(1)
    reason = np.where(
        first["low_persons"] & first["high_overhead"], "both", np.where(first["low_persons"], "persons", "overhead")
    )
    first = first.assign(first_year=first["year"].astype(float), reason=reason)[[*keys, "first_year", "reason"]]
    every = org[keys].drop_duplicates()
    return every.merge(first, on=keys, how="left").reset_index(drop=True)


def viability(organisations: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Per scenario and organisation: how often, and from when, it falls below a threshold.

    Columns: first and last year it exists, replications, `failing` (replications in which it falls below
    within the horizon), `share_failing`, and the 5th/50th/95th percentile of the first year below over all
    replications, where "never" counts as later than any year (NaN: in more than that share of replications
    it never falls below). Percentiles are order statistics (years that occurred), not interpolations.
    """
    cols = ["scenario", "organisation", "first_year_exists", "last_year_exists", "replications", "failing"]
    cols += ["share_failing", "p5", "p50", "p95", "reason"]
    if organisations.empty:
        return pd.DataFrame(columns=cols)
    fails = first_failures(organisations, thresholds)
    by_org = organisations.groupby(["scenario", "organisation"], observed=True)["year"]
    born: dict[Any, Any] = by_org.min().to_dict()
    ended: dict[Any, Any] = by_org.max().to_dict()
    rows = []
    for (scenario, org), group in fails.groupby(["scenario", "organisation"], observed=True, sort=True):
        years = group["first_year"].fillna(NEVER).to_numpy(float)
        qs = np.percentile(years, [5, 50, 95], method="inverted_cdf")
        failing = int(group["first_year"].notna().sum())
        reasons = group["reason"].dropna()
        rows.append(
            {
                "scenario": scenario,
                "organisation": org,
                "first_year_exists": int(born[(scenario, org)]),
                "last_year_exists": int(ended[(scenario, org)]),
                "replications": len(group),
                "failing": failing,
                "share_failing": failing / len(group),
                **{k: (math.nan if q >= NEVER else float(q)) for k, q in zip(("p5", "p50", "p95"), qs, strict=True)},
                "reason": reasons.mode().iloc[0] if len(reasons) else "",
            }
        )
    return pd.DataFrame(rows, columns=cols)
