"""Replications until precise (`run --target-se`): chunks are added until the largest paired SE is below the target."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.runs import folder
from sim.runs.outcomes import contribution_npv, cost_definition
from sim.runs.precision import largest_standard_error, next_total
from wsw_sim.cli import cli

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"


def _run(tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    args = [
        "run",
        str(SMOKE),
        "--reps",
        "4",
        "--seed",
        "1",
        "--out",
        str(tmp_path),
        "--run-id",
        "t",
        "--chunk-size",
        "4",
    ]
    done = CliRunner().invoke(cli, [*args, *extra])
    return done.exit_code, done.output, tmp_path / "t"


def test_chunks_are_added_until_the_standard_error_is_below_the_target(tmp_path: Path) -> None:
    code, output, run_dir = _run(tmp_path, "--target-se", "200000", "--max-reps", "40")
    assert code == 0, output
    manifest = folder.read_manifest(run_dir)
    rule = manifest.target_se
    assert rule is not None and rule["stopped"].startswith("reached") and "target-se: reached" in output
    checks = rule["checks"]
    assert len(checks) >= 2 and checks[0]["replications"] == 4
    assert checks[-1]["largest_se_eur"] <= 200000 < checks[-2]["largest_se_eur"]
    assert (
        manifest.replications
        == checks[-1]["replications"]
        == len(folder.read_frame(run_dir, "finance").replication.unique())
    )
    # the rule's standard error is the plain one of the paired differences, recomputed here
    config = folder.run_config(run_dir)
    n = int(manifest.replications)
    municipalities = sorted(config.municipalities)
    definition = cost_definition(config)
    npv = {
        s: contribution_npv(
            folder.read_table(run_dir, "finance", scenarios=[s]), definition, municipalities, list(range(n))
        )
        for s in ("shared", "per_municipality")
    }
    se = (npv["per_municipality"] - npv["shared"]).std(axis=0, ddof=1) / math.sqrt(n)
    assert largest_standard_error(run_dir)[0] == pytest.approx(float(np.max(se)), rel=1e-9)


def test_the_rule_stops_at_max_reps_and_says_so(tmp_path: Path) -> None:
    code, output, run_dir = _run(tmp_path, "--target-se", "1", "--max-reps", "8")
    assert code == 0, output
    rule = folder.read_manifest(run_dir).target_se
    assert rule["stopped"].startswith("max reps: 8 replications") and folder.read_manifest(run_dir).replications == 8


def test_a_round_adds_the_estimated_shortfall_at_most_doubling() -> None:
    assert next_total(10, se=2.0, target=1.0, chunk_size=5, max_reps=1000) == 20  # needs 40: at most doubles
    assert next_total(100, se=1.05, target=1.0, chunk_size=5, max_reps=1000) == 111  # needs 111
    assert next_total(100, se=1.001, target=1.0, chunk_size=5, max_reps=1000) == 105  # at least a chunk
    assert next_total(100, se=2.0, target=1.0, chunk_size=5, max_reps=150) == 150


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--target-se", "0"], "must be a positive amount"),
        (["--target-se", "-5"], "must be a positive amount"),
        (["--target-se", "100", "--max-reps", "2"], "is below --reps"),
        (["--max-reps", "20"], "goes with --target-se"),
        (["--target-se", "100", "--scenario", "per_municipality"], "compares with the baseline 'shared'"),
    ],
)
def test_bad_rules_are_exit_2_and_one_line(tmp_path: Path, extra: list[str], words: str) -> None:
    code, output, _ = _run(tmp_path, *extra)
    assert code == 2 and words in output and len(output.strip().splitlines()) == 1, output
    assert not list(tmp_path.iterdir())
