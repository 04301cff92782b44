"""An exploration's run folder (`wsw-sim explore`) read for "which assumptions decide": indices and boxes.

`exploration(run_dir)` gathers what every question needs: the design (kind, parameter ranges), the experiments
(one row per design point) and the cost definition's baseline. `indices` computes, per municipality and
`total`, the design's indices (Morris mu* and sigma, Sobol S1 and ST; `analysis.sensitivity`) of one outcome,
a mean over each point's replications; `write_indices` keeps them as the run's `sensitivity` table; `boxes`
asks PRIM where the alternative is cheaper than the baseline (mean paired difference below zero).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from analysis.load import RunError, load
from analysis.sensitivity import INDEX_COLUMNS, Box, describe_box, discover, morris_indices, number, sobol_indices
from sim.runs import folder, schema
from sim.runs.outcomes import TOTAL, cost_definition

OUTCOMES = (
    "contribution_npv_diff_eur",
    "contribution_npv_eur",
    "placements",
    "waiting_weeks_mean",
    "first_year_below_viability",
)
SENSITIVITY_COLUMNS = ["outcome", "scenario", "municipality", *INDEX_COLUMNS]


@dataclass(frozen=True)
class Exploration:
    """What a run folder written by `wsw-sim explore` holds for an analysis of its design."""

    run_dir: Path
    kind: str
    bounds: dict[str, tuple[float, float]]
    experiments: pd.DataFrame
    """One row per design point (index `point`), one column per drawn parameter."""
    scenarios: list[str]
    baseline: str
    municipalities: list[str]
    last_year: int


def exploration(run_dir: str | Path) -> Exploration:
    """The design and experiments of an exploration; a run folder that is not one, or not complete, is bad input."""
    manifest = folder.read_manifest(run_dir)
    if not manifest.design:
        raise RunError(f"{run_dir}: not an exploration (its manifest has no design); run wsw-sim explore")
    design = manifest.design
    names = [str(n) for n in design["names"]]
    experiments = load(run_dir, "experiments").set_index("point")[names]
    if manifest.status != "complete" or len(experiments) != manifest.replications:
        raise RunError(
            f"{run_dir}: the exploration is incomplete ({len(experiments)} of {manifest.replications} design points); "
            f"finish it with wsw-sim run --resume {run_dir}"
        )
    config = folder.run_config(run_dir)
    definition = cost_definition(config)
    return Exploration(
        run_dir=Path(run_dir),
        kind=str(design["kind"]),
        bounds={n: (float(lo), float(hi)) for n, lo, hi in zip(names, design["low"], design["high"], strict=True)},
        experiments=experiments,
        scenarios=list(manifest.scenarios),
        baseline=definition.baseline,
        municipalities=[*sorted(config.municipalities), TOTAL],
        last_year=definition.last_year,
    )


def default_scenario(run: Exploration, scenario: str | None) -> str:
    """The scenario asked for (it must be in the run), else the first that is not the baseline."""
    if scenario is not None:
        if scenario not in run.scenarios:
            raise RunError(f"scenario {scenario!r} is not in the run; it has {', '.join(run.scenarios)}")
        return scenario
    others = [s for s in run.scenarios if s != run.baseline]
    return others[0] if others else run.scenarios[0]


def point_means(run: Exploration, outcome: str, scenario: str) -> pd.DataFrame:
    """The outcome per design point (rows, in point order) and municipality (columns): the mean over replications.

    `first_year_below_viability` is null when an organisation never falls below: it counts as the year after
    the horizon, so that "later" stays "larger".
    """
    if outcome not in OUTCOMES:
        raise RunError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
    rows = load(run.run_dir, "outcomes", columns=["point", "municipality", outcome], filters={"scenario": scenario})
    if outcome == "first_year_below_viability":
        rows[outcome] = rows[outcome].astype(float).fillna(run.last_year + 1)
    means = rows.groupby(["point", "municipality"])[outcome].mean().unstack("municipality")
    return means.reindex(index=run.experiments.index, columns=run.municipalities)


def indices(run: Exploration, outcome: str, scenario: str) -> pd.DataFrame:
    """The design's sensitivity indices of `outcome` for `scenario`, per municipality and total (the `sensitivity`
    table's columns), each municipality's parameters most influential first. Municipalities whose outcome is
    missing at some point (a mean wait where nobody was placed) are left out."""
    if run.kind not in ("morris", "sobol"):
        raise RunError(
            f"an {run.kind} design gives no sensitivity indices: explore with --design morris or sobol "
            "(--discover works on any design)"
        )
    means = point_means(run, outcome, scenario)
    method = morris_indices if run.kind == "morris" else sobol_indices
    parts = []
    for municipality in run.municipalities:
        y = means[municipality]
        if y.isna().any():
            continue
        table = method(run.experiments, y.tolist(), run.bounds)
        parts.append(table.assign(outcome=outcome, scenario=scenario, municipality=municipality))
    if not parts:
        raise RunError(f"{outcome} has no value at some design point for every municipality")
    return pd.concat(parts, ignore_index=True)[SENSITIVITY_COLUMNS]


def write_indices(run_dir: str | Path, table: pd.DataFrame) -> Path:
    """Keep the indices as the run's `sensitivity` table: one file per outcome and scenario (rewritten when
    computed again)."""
    from sim.runs import store

    outcome, scenario = str(table["outcome"].iloc[0]), str(table["scenario"].iloc[0])
    name = re.sub(r"[^A-Za-z0-9_-]", "_", f"{outcome}--{scenario}")
    path = Path(run_dir) / "sensitivity" / f"part-{name}.parquet"
    data = pa.Table.from_pandas(table, schema=schema.SENSITIVITY, preserve_index=False)
    store.atomic_write_parquet(data, path)
    return path


def boxes(
    run: Exploration, scenario: str, lang: str = "en", labels: Mapping[str, str] | None = None
) -> list[tuple[str, Box | None, str]]:
    """Per municipality and total: PRIM's box where `scenario` is cheaper than the baseline (its mean paired
    difference of the discounted contribution below zero), and the box in plain words (`labels`: readable names
    of the config paths)."""
    means = point_means(run, "contribution_npv_diff_eur", scenario)
    out = []
    for municipality in run.municipalities:
        cheaper = (means[municipality] < 0).to_numpy()
        who = {"en": "the region" if municipality == TOTAL else municipality}
        who["nl"] = "de regio" if municipality == TOTAL else municipality
        statement = {
            "en": f"for {who['en']}, {scenario} is cheaper than {run.baseline}",
            "nl": f"voor {who['nl']} is {scenario} goedkoper dan {run.baseline}",
        }[lang]
        box = discover(run.experiments, cheaper.tolist())
        text = describe_box(box, statement, run.experiments, labels, lang)
        k, n = int(cheaper.sum()), len(cheaper)
        if box is None:
            text = {
                "en": f"{statement[0].upper()}{statement[1:]} at {k} of {n} design points: no box to find.",
                "nl": f"{statement[0].upper()}{statement[1:]} in {k} van {n} punten: geen gebied te vinden.",
            }[lang]
        out.append((municipality, box, text))
    return out


def ranking_lines(table: pd.DataFrame, kind: str, top: int) -> list[str]:
    """The indices of `indices` as printed: per municipality, its `top` parameters most influential first."""
    lead = "mu_star" if kind == "morris" else "ST"
    lines = []
    for municipality, rows in table.groupby("municipality", sort=False):
        lines.append(f"{municipality}:")
        ranked = rows[rows["index"] == lead].head(top)
        for rank, (name, value, low, high) in enumerate(
            ranked[["parameter", "value", "ci_low", "ci_high"]].itertuples(index=False), start=1
        ):
            ci = f"95% CI {number(float(low))} to {number(float(high))}"
            lines.append(f"  {rank}. {name}  {lead} = {number(float(value))} ({ci})")
    return lines


def sensitivity_report(
    run_dir: str | Path, outcome: str, scenario: str | None, top: int = 5, discover: bool = False, lang: str = "en"
) -> list[str]:
    """`wsw-sim sensitivity`: the indices (written to the run's `sensitivity` table) and ranking, and with
    `discover` the PRIM boxes, as lines to print. An lhs design gives boxes only (indices are bad input)."""
    run = exploration(run_dir)
    chosen = default_scenario(run, scenario)
    lines = []
    if run.kind != "lhs" or not discover:
        table = indices(run, outcome, chosen)  # an lhs design: says to use morris or sobol, or --discover
        write_indices(run_dir, table)
        lines.append(f"{run.kind} indices of {outcome}, {chosen} (baseline {run.baseline}); most influential first")
        lines += ranking_lines(table, run.kind, top)
    if discover:
        lines += [text for _municipality, _box, text in boxes(run, chosen, lang)]
    return lines
