"""Which assumptions decide: sensitivity indices and scenario discovery over an exploration's design points.

- `morris_indices`: Morris elementary effects (mu*, the mean absolute effect of moving one parameter, in the
  outcome's unit, and sigma, its spread: interactions or non-linearity), with a bootstrap confidence interval
  on mu*; the design must be SALib's Morris design, points in its order.
- `sobol_indices`: Sobol' first-order (S1: the share of the outcome's variance a parameter explains alone) and
  total (ST: alone and through interactions) indices with confidence intervals, from a Saltelli design.
- `discover`: PRIM (ema-workbench's) finds the box of parameter space where a yes/no question holds ("is the
  alternative cheaper for Hellendoorn?"), with its coverage (the share of all yes cases inside the box) and
  density (the share of yes inside the box); `describe_box` says it in plain words.

All take the design's parameter values as a DataFrame (one column per config path, a row per design point)
and the outcome per point (a mean over the point's replications), so they are plain functions of tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MORRIS_LEVELS = 4
"""Must equal the levels the design was drawn with (`sim.runs.design.MORRIS_LEVELS`)."""
CONFIDENCE = 0.95
RESAMPLES = 200
INDEX_COLUMNS = ["parameter", "method", "index", "value", "ci_low", "ci_high"]


def _problem(experiments: pd.DataFrame, bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    names = [str(c) for c in experiments.columns]
    missing = [n for n in names if n not in bounds]
    if missing:
        raise ValueError(f"no range for {missing[0]}")
    return {"num_vars": len(names), "names": names, "bounds": [list(bounds[n]) for n in names]}


def morris_indices(
    experiments: pd.DataFrame, outcome: Sequence[float], bounds: Mapping[str, tuple[float, float]], seed: int = 0
) -> pd.DataFrame:
    """Morris mu* (with its confidence interval) and sigma per parameter, most influential first."""
    from SALib.analyze import morris

    problem = _problem(experiments, bounds)
    y = np.asarray(outcome, dtype=float)
    result = morris.analyze(
        problem,
        experiments.to_numpy(dtype=float),
        y,
        num_resamples=RESAMPLES,
        conf_level=CONFIDENCE,
        num_levels=MORRIS_LEVELS,
        seed=seed,
    )
    rows = []
    for j, name in enumerate(problem["names"]):
        mu_star, conf = float(result["mu_star"][j]), float(result["mu_star_conf"][j])
        rows.append((name, "morris", "mu_star", mu_star, mu_star - conf, mu_star + conf))
        sigma = float(result["sigma"][j])
        rows.append((name, "morris", "sigma", sigma, np.nan, np.nan))
    return _ranked(pd.DataFrame(rows, columns=INDEX_COLUMNS), "mu_star")


def sobol_indices(
    experiments: pd.DataFrame, outcome: Sequence[float], bounds: Mapping[str, tuple[float, float]], seed: int = 0
) -> pd.DataFrame:
    """Sobol' S1 and ST (with confidence intervals) per parameter, most influential (by ST) first."""
    from SALib.analyze import sobol

    problem = _problem(experiments, bounds)
    y = np.asarray(outcome, dtype=float)
    result = sobol.analyze(
        problem, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=seed
    )
    rows = []
    for j, name in enumerate(problem["names"]):
        for index in ("S1", "ST"):
            value, conf = float(result[index][j]), float(result[f"{index}_conf"][j])
            rows.append((name, "sobol", index, value, value - conf, value + conf))
    return _ranked(pd.DataFrame(rows, columns=INDEX_COLUMNS), "ST")


def _ranked(indices: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows grouped by parameter, parameters in decreasing order of index `by` (ties by name)."""
    key = indices[indices["index"] == by].set_index("parameter")["value"]
    order = sorted(key.index, key=lambda name: (-np.nan_to_num(key[name], nan=-np.inf), name))
    rank = {name: i for i, name in enumerate(order)}
    out = indices.assign(_rank=indices["parameter"].map(rank)).sort_values(["_rank", "index"], kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)


def ranking(indices: pd.DataFrame) -> list[str]:
    """The parameters of an index table (`morris_indices`, `sobol_indices`), most influential first."""
    return list(dict.fromkeys(indices["parameter"]))


# ------------------------------------------------------------------------------------ scenario discovery


@dataclass(frozen=True)
class Box:
    """A box of parameter space: `limits[name] = (low, high)` for each restricted parameter."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    cases: int
    """Design points inside the box."""


def number(value: float, lang: str = "en") -> str:
    """A number as a reader takes it: whole with thousands separators from 1,000 on, else three digits; Dutch
    swaps the marks (1.000, 0,25)."""
    if not np.isfinite(value):
        return str(value)
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "nl" else text


def discover(experiments: pd.DataFrame, yes: Sequence[bool], threshold: float = 0.8) -> Box | None:
    """PRIM's box where `yes` holds: on its peeling trajectory, the box of greatest coverage whose density is at
    least `threshold` (else the densest). None when `yes` never or always holds (nothing to discover)."""
    import warnings

    with warnings.catch_warnings():  # its import warns about optional parallel back ends PRIM does not use
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    y = np.asarray(yes, dtype=bool)
    if y.all() or not y.any():
        return None
    x = experiments.reset_index(drop=True).astype(float)
    box = prim.Prim(x, y, threshold=threshold).find_box()
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory["density"] >= threshold]
    best = int(dense["coverage"].idxmax()) if len(dense) else int(trajectory["density"].idxmax())
    lims = box.box_lims[best]
    limits = {}
    for name in x.columns:
        low, high = float(lims.at[0, name]), float(lims.at[1, name])
        if low > float(x[name].min()) or high < float(x[name].max()):
            limits[name] = (low, high)
    row = trajectory.loc[best]
    return Box(limits=limits, coverage=float(row["coverage"]), density=float(row["density"]), cases=int(row["n"]))


def describe_box(
    box: Box | None,
    statement: str,
    experiments: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
) -> str:
    """The box in plain words: "<statement> when A is below x and B is above y: 83% of such cases; these cover 61%
    of all cases where it holds." `labels` may give readable names for config paths."""
    labels = labels or {}
    if box is None:
        return {
            "en": f"No region of the explored ranges was found where {statement}.",
            "nl": f"Er is geen gebied in de onderzochte bandbreedtes gevonden waar {statement}.",
        }[lang]
    if not box.limits:  # PRIM could not narrow the ranges: it holds here and there, with no pattern
        share = round(100 * box.density)
        return {
            "en": f"{statement[0].upper()}{statement[1:]} in {share}% of the explored cases, with no region of the "
            "ranges where it holds more often.",
            "nl": f"{statement[0].upper()}{statement[1:]} in {share}% van de onderzochte gevallen, zonder gebied in "
            "de bandbreedtes waar het vaker zo is.",
        }[lang]
    parts = []
    for name, (low, high) in box.limits.items():
        label = labels.get(name, name)
        at_min, at_max = low <= float(experiments[name].min()), high >= float(experiments[name].max())
        if at_min:
            parts.append(
                {"en": f"{label} is below {number(high)}", "nl": f"{label} lager is dan {number(high, lang)}"}[lang]
            )
        elif at_max:
            parts.append(
                {"en": f"{label} is above {number(low)}", "nl": f"{label} hoger is dan {number(low, lang)}"}[lang]
            )
        else:
            parts.append(
                {
                    "en": f"{label} is between {number(low)} and {number(high)}",
                    "nl": f"{label} tussen {number(low, lang)} en {number(high, lang)} ligt",
                }[lang]
            )
    joined = {"en": " and ", "nl": " en "}[lang].join(parts)
    density, coverage = round(100 * box.density), round(100 * box.coverage)
    if lang == "nl":
        return (
            f"{statement[0].upper()}{statement[1:]} als {joined}: in {density}% van zulke gevallen; "
            f"dat is {coverage}% van alle gevallen waarin het zo is."
        )
    return (
        f"{statement[0].upper()}{statement[1:]} when {joined}: {density}% of such cases; "
        f"these cover {coverage}% of all cases where it holds."
    )
