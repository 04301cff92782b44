"""Explorations: a run folder of design points, common random numbers across points, resumable like a batch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.runs import batch, folder
from sim.runs.explore import start_explore
from sim.runs.outcomes import contribution_npv, cost_definition
from wsw_sim.cli import cli

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"
PARAMS = ("organisations.defaults.fixed_overhead_eur_per_year", "money.wage_index_per_year")


def _explore(out: Path, **options) -> Path:
    result = start_explore(SMOKE, "lhs", 4, 2, 7, out, params=PARAMS, run_id="x", chunk_size=2, **options)
    assert result.status == "complete", result.failed
    return result.run_dir


def test_an_exploration_writes_its_design_and_one_outcome_row_per_point_replication_scenario_and_municipality(
    tmp_path: Path,
) -> None:
    run_dir = _explore(tmp_path)
    manifest = folder.read_manifest(run_dir)
    assert manifest.design is not None and manifest.design["names"] == sorted(PARAMS)
    assert manifest.tables == ["experiments", "outcomes"] and manifest.reps_per_point == 2
    experiments = folder.read_frame(run_dir, "experiments")
    assert list(experiments.columns) == ["point", *sorted(PARAMS)] and experiments["point"].tolist() == [0, 1, 2, 3]
    assert folder.read_table(run_dir, "experiments").schema.field(PARAMS[0]).metadata[b"unit"] == b"EUR/year"
    outcomes = folder.read_frame(run_dir, "outcomes")
    municipalities = sorted(folder.run_config(run_dir).municipalities)
    assert len(outcomes) == 4 * 2 * len(manifest.scenarios) * (len(municipalities) + 1)
    assert set(outcomes["municipality"]) == {*municipalities, "total"}
    baseline = outcomes[outcomes["scenario"] == manifest.scenarios[0]]
    assert (baseline["contribution_npv_diff_eur"] == 0).all()
    six = outcomes[outcomes["municipality"] != "total"].groupby(["scenario", "point", "replication"])
    total = outcomes[outcomes["municipality"] == "total"].set_index(["scenario", "point", "replication"])
    np.testing.assert_allclose(six["contribution_npv_eur"].sum(), total["contribution_npv_eur"], rtol=1e-12)
    # the overhead parameter moves the cost: the points do differ
    assert outcomes.groupby("point")["contribution_npv_eur"].mean().nunique() == 4


def test_replication_r_of_a_point_is_replication_r_of_a_run_with_the_point_set(tmp_path: Path) -> None:
    """Common random numbers: a point's replication draws from (seed, r), exactly as `run --set` at that point."""
    run_dir = _explore(tmp_path / "explore")
    point = folder.read_frame(run_dir, "experiments").iloc[2]
    sets = [f"{name}={float(point[name])!r}" for name in sorted(PARAMS)]
    single = batch.start_run(SMOKE, 2, 7, tmp_path / "runs", run_id="p2", overrides=sets)
    assert folder.read_manifest(single.run_dir).overrides == sets
    config = folder.run_config(single.run_dir)
    assert config.organisations.defaults.fixed_overhead_eur_per_year == pytest.approx(point[PARAMS[0]])
    definition = cost_definition(config)
    municipalities = sorted(config.municipalities)
    outcomes = folder.read_frame(run_dir, "outcomes", filters={"point": 2, "scenario": "per_municipality"})
    finance = folder.read_table(single.run_dir, "finance", scenarios=["per_municipality"])
    expected = contribution_npv(finance, definition, municipalities, [0, 1])
    np.testing.assert_allclose(outcomes["contribution_npv_eur"].to_numpy(), expected.ravel(), rtol=1e-12)


def test_an_interrupted_exploration_resumes_to_the_same_tables(tmp_path: Path) -> None:
    run_dir = _explore(tmp_path)
    whole = folder.read_table(run_dir, "outcomes")
    manifest_path = run_dir / folder.MANIFEST
    data = json.loads(manifest_path.read_text())
    data["chunks"][1]["status"] = "pending"
    data["status"] = "interrupted"
    manifest_path.write_text(json.dumps(data))
    for path in folder.chunk_paths(run_dir, 1, data["scenarios"], ("experiments", "outcomes")):
        path.unlink()
    result = batch.resume_run(run_dir)
    assert result.status == "complete" and result.chunks_run == 1
    assert folder.read_table(run_dir, "outcomes").equals(whole)
    assert len(folder.read_frame(run_dir, "experiments")) == 4


def test_the_same_seed_gives_the_same_files_for_any_number_of_workers(tmp_path: Path) -> None:
    one = _explore(tmp_path / "one")
    two = _explore(tmp_path / "two", workers=2)
    for table in ("experiments", "outcomes"):
        for a, b in zip(folder.table_files(one, table), folder.table_files(two, table), strict=True):
            assert a.read_bytes() == b.read_bytes(), a


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--param", "organisations.defaults.nope"], "is not a parameter"),
        (["--param", "viability.min_persons"], "has no range"),
        (["--design", "sobol", "--samples", "6"], "power of two"),
        (["--design", "grid"], "unknown design"),
        (["--reps-per-point", "0"], "at least 1"),
        (["--set", "money.nope=1"], "no such parameter"),
    ],
)
def test_bad_exploration_input_is_exit_2_and_one_line(tmp_path: Path, extra: list[str], words: str) -> None:
    args = ["explore", str(SMOKE), "--design", "lhs", "--samples", "4", "--seed", "1", "--out", str(tmp_path)]
    done = CliRunner().invoke(cli, [*args, *extra])
    assert done.exit_code == 2, done.output
    assert words in done.output and len(done.output.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_explore_prints_the_run_folder_last(tmp_path: Path) -> None:
    args = ["explore", str(SMOKE), "--design", "morris", "--samples", "2", "--seed", "1", "--out", str(tmp_path)]
    done = CliRunner().invoke(cli, [*args, "--param", PARAMS[0], "--run-id", "m"])
    assert done.exit_code == 0, done.output
    assert done.output.strip().splitlines()[-1] == str(tmp_path / "m")
    assert len(folder.read_frame(tmp_path / "m", "experiments")) == 2 * 2


def test_an_exploration_runs_on_dask_with_the_same_files(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    local = _explore(tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = _explore(tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)
    assert folder.read_manifest(remote).executor == "dask"
    for table in ("experiments", "outcomes"):
        for a, b in zip(folder.table_files(local, table), folder.table_files(remote, table), strict=True):
            assert a.read_bytes() == b.read_bytes(), a
