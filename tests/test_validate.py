"""The checks the commands run, worded: a config checked, a run against the oracle, a backcast against figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from batch_runs import SMOKE
from click.testing import CliRunner
from run_folders import write_run_folder

from sim.checks.validate import backcast_lines, backcast_run, check_config, validate_run
from sim.errors import ConfigError
from wsw_sim.cli import cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run_folder(SMOKE, tmp_path_factory.mktemp("validate") / "run", 20, 3)


def test_check_config_says_what_the_config_holds() -> None:
    line = check_config(SMOKE)
    assert line.startswith(f"{SMOKE}: ok (") and "scenarios shared, per_municipality" in line
    with pytest.raises(ConfigError, match="file not found"):
        check_config(SMOKE.with_name("nothing.toml"))


def _backcast_table(errors: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2016 + i for i in range(len(errors))],
            "quantity": ["persons"] * len(errors),
            "observed": [1000.0] * len(errors),
            "simulated_mean": [1000.0 * (1 + e) for e in errors],
            "simulated_p5": [900.0] * len(errors),
            "simulated_p95": [1100.0] * len(errors),
            "relative_error": errors,
        }
    )


def test_the_backcast_fails_only_beyond_its_tolerance() -> None:
    within = backcast_lines(_backcast_table([0.01, -0.019]), 0.02)
    assert within.ok and within.lines[-1] == "backcast: largest relative error 1.90% (within 2%)"
    assert within.lines[1].split() == ["2016", "persons", "1,000", "1,010", "900", "1,100", "+1.00%"]
    outside = backcast_lines(_backcast_table([0.01, -0.03]), 0.02)
    assert not outside.ok and outside.failure == "backcast: FAILED, a relative error of 3.00% is outside 2%"


def test_a_share_of_a_form_of_work_fails_only_beyond_its_points() -> None:
    share = pd.DataFrame(
        {
            "year": [2017],
            "quantity": ["seconded_share"],
            "observed": [0.37],
            "simulated_mean": [0.385],
            "simulated_p5": [0.37],
            "simulated_p95": [0.40],
            "relative_error": [0.015],
        }
    )
    within = backcast_lines(pd.concat([_backcast_table([0.01]), share], ignore_index=True), 0.02, 0.02)
    assert within.ok and within.lines[-1] == "backcast: largest share difference 1.50 points (within 2)"
    assert within.lines[2].split() == ["2017", "seconded_share", "37.0%", "38.5%", "37.0%", "40.0%", "+1.50pt"]
    off = share.assign(simulated_mean=0.395, relative_error=0.025)
    outside = backcast_lines(pd.concat([_backcast_table([0.01]), off], ignore_index=True), 0.02, 0.02)
    assert not outside.ok and "2.50 points off" in str(outside.failure)


def test_a_run_without_observed_figures_has_no_backcast(run_dir: Path) -> None:
    with pytest.raises(ConfigError, match="calibration: missing table"):
        backcast_run(run_dir)


def test_validate_run_shows_the_worst_cells_and_fails_beyond_the_limit(run_dir: Path) -> None:
    report = validate_run(run_dir, top=5, z_limit=1e9)
    assert report.ok
    header, *rows, summary = report.lines
    assert header.split() == ["scenario", "municipality", "year", "quantity", "mean", "expected", "z"]
    assert len(rows) == 5
    z = [abs(float(r.split()[-1])) for r in rows]
    assert z == sorted(z, reverse=True)  # worst first
    assert summary.startswith("validate: ") and "2 scenario(s), 20 replications" in summary
    strict = validate_run(run_dir, top=5, z_limit=0.0)
    assert strict.failure is not None and strict.failure.startswith("validate: FAILED, |z| > 0 in ")
    worst = rows[0].split()
    assert f"the worst {worst[0]} / {worst[1]} / {worst[2]} / {worst[3]}" in strict.failure


def test_the_validate_command_exits_1_on_failure_and_2_on_a_folder_that_is_no_run(run_dir: Path) -> None:
    failed = CliRunner().invoke(cli, ["validate", str(run_dir), "--z-limit", "0"])
    assert failed.exit_code == 1 and "validate: FAILED" in failed.stderr and "Traceback" not in failed.output
    passed = CliRunner().invoke(cli, ["validate", str(run_dir), "--z-limit", "1e9", "--top", "3"])
    assert passed.exit_code == 0 and passed.stderr == "" and len(passed.stdout.splitlines()) == 5
    nothing = CliRunner().invoke(cli, ["validate", str(run_dir / "stocks")])
    assert nothing.exit_code == 2 and "not a run folder (no manifest.json)" in nothing.stderr
