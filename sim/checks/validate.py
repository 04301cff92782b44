"""Checking a config and a finished run: the checks `wsw-sim check`, `validate` and `backcast` run, worded.

`validate_run` compares a run's batch means with the exact oracle (`sim.checks.oracle`) and, for a national
run with a `[calibration]` table, its stocks with the observed figures (`sim.checks.backcast`). Each returns
the lines to show and whether the check passed; the command line prints them and sets the exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pandas as pd

from sim.checks.oracle import Z_LIMIT
from sim.errors import ConfigError


@dataclass
class CheckReport:
    """Lines for stdout, a failure message for stderr (None when the check passed)."""

    lines: list[str] = field(default_factory=list)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def check_config(config_path: Path) -> str:
    """Validate a config and build its population; returns one line saying what it holds."""
    from sim.inputs.config import load_config
    from sim.model.replication import Model

    config = load_config(config_path)
    model = Model.prepare(config)
    return (
        f"{config_path}: ok ({len(model.population)} persons, {len(config.municipalities)} municipalities, "
        f"scenarios {', '.join(config.scenario_names)}, {config.horizon.start_year}-{config.horizon.end_year})"
    )


def backcast_lines(table: pd.DataFrame, tolerance: float, share_tolerance: float = 0.02) -> CheckReport:
    """The backcast table as text; it fails when an observed stock is missed by more than the (relative)
    tolerance, or an observed share of a form of work by more than `share_tolerance` (absolute)."""
    from sim.checks.backcast import SHARES

    report = CheckReport()
    report.lines.append(
        f"{'year':>4}  {'quantity':<15} {'observed':>10} {'mean':>10} {'p5':>10} {'p95':>10} {'error':>7}"
    )
    for row in table.itertuples():
        if row.quantity in SHARES:  # shares as percentages, the error in points
            report.lines.append(
                f"{row.year:>4}  {row.quantity!s:<15} {row.observed:>10.1%} {row.simulated_mean:>10.1%} "
                f"{row.simulated_p5:>10.1%} {row.simulated_p95:>10.1%} {100 * cast(float, row.relative_error):>+6.2f}pt"
            )
            continue
        report.lines.append(
            f"{row.year:>4}  {row.quantity:<15} {row.observed:>10,.0f} {row.simulated_mean:>10,.0f} "
            f"{row.simulated_p5:>10,.0f} {row.simulated_p95:>10,.0f} {row.relative_error:>+7.2%}"
        )
    is_share = table["quantity"].isin(list(SHARES))
    worst = float(table.loc[~is_share, "relative_error"].abs().max())
    ok = bool(worst <= tolerance)
    report.lines.append(
        f"backcast: largest relative error {worst:.2%} ({'within' if ok else 'OUTSIDE'} {tolerance:.0%})"
    )
    if not ok:
        report.failure = f"backcast: FAILED, a relative error of {worst:.2%} is outside {tolerance:.0%}"
    if is_share.any():
        points = float(table.loc[is_share, "relative_error"].abs().max())
        shares_ok = bool(points <= share_tolerance)
        report.lines.append(
            f"backcast: largest share difference {100 * points:.2f} points "
            f"({'within' if shares_ok else 'OUTSIDE'} {100 * share_tolerance:.0f})"
        )
        if not shares_ok and report.failure is None:
            report.failure = (
                f"backcast: FAILED, a share of a form of work is {100 * points:.2f} points off "
                f"(more than {100 * share_tolerance:.0f})"
            )
    return report


def backcast_run(run_dir: Path, scenario: str | None = None) -> CheckReport:
    """The backcast of a national run (its config must have a [calibration] table)."""
    from sim.checks.backcast import backcast_run as table_of
    from sim.runs.folder import run_config

    config = run_config(run_dir)
    if config.calibration is None:
        raise ConfigError(config.source, "calibration", "missing table: the run's config has nothing observed")
    cal = config.calibration
    return backcast_lines(table_of(run_dir, scenario), cal.tolerance, cal.share_tolerance)


def validate_run(run_dir: Path, top: int = 15, z_limit: float = Z_LIMIT) -> CheckReport:
    """Batch means of the run against the exact oracle (the `top` worst cells shown), and the backcast if any.

    Fails when any |z| exceeds `z_limit`, when the oracle applies to nothing in the run, or when the
    backcast misses an observed figure.
    """
    from sim.checks.oracle import validate
    from sim.model.replication import Model
    from sim.runs.folder import read_frame, run_config

    config = run_config(run_dir)
    stocks = read_frame(run_dir, "stocks")
    flows = read_frame(run_dir, "flows")
    result = validate(Model.prepare(config), stocks, flows, z_limit=z_limit)
    table = result.table
    report = CheckReport()
    report.lines.append(
        f"{'scenario':<18} {'municipality':<15} {'year':>4} {'quantity':<17} {'mean':>11} {'expected':>11} {'z':>7}"
    )
    for row in table.head(top).itertuples():
        report.lines.append(
            f"{row.scenario:<18} {row.municipality:<15} {row.year:>4} {row.quantity:<17} "
            f"{row.mean:>11.4f} {row.expected:>11.4f} {row.z:>+7.2f}"
        )
    for scenario, reason in result.skipped.items():
        report.lines.append(f"not checked: scenario {scenario} ({reason}); only its inflow count is compared")
    n_reps = int(table["n_reps"].max()) if len(table) else 0
    failures = result.failures
    worst = table.iloc[0] if len(table) else None
    where = ""
    if worst is not None:
        where = f" at {worst.scenario} / {worst.municipality} / {worst.year} / {worst.quantity}"
    report.lines.append(
        f"validate: {len(table)} comparisons, {table['scenario'].nunique()} scenario(s), {n_reps} replications; "
        f"largest |z| {abs(worst.z) if worst is not None else float('nan'):.2f}{where}; "
        f"{len(failures)} above {z_limit:g}"
    )
    backcast_failure = None
    if config.calibration is not None:
        from sim.checks.backcast import backcast

        cal = config.calibration
        checked = backcast_lines(backcast(config, stocks), cal.tolerance, cal.share_tolerance)
        report.lines += ["", *checked.lines]
        backcast_failure = checked.failure
    if len(table) == 0:
        report.failure = "validate: FAILED, nothing the oracle applies to"
    elif len(failures):
        first = failures.iloc[0]
        report.failure = (
            f"validate: FAILED, |z| > {z_limit:g} in {len(failures)} cells, the worst {first.scenario} / "
            f"{first.municipality} / {first.year} / {first.quantity} (z = {first.z:+.2f})"
        )
    else:
        report.failure = backcast_failure
    return report
