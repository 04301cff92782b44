"""Batches: the tables do not depend on workers, chunk size or executor; the command's contract."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pyarrow.compute as pc
import pytest
from batch_runs import SMOKE, data_files, tables
from click.testing import CliRunner, Result

from sim.errors import ConfigError
from sim.runs import batch, folder, plan, store
from wsw_sim.cli import cli as wsw_sim

REPS = 12
SEED = 11


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One worker, chunks of 3: the run every other way of cutting the batch must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    result = batch.start_run(SMOKE, REPS, SEED, out, run_id="ref", chunk_size=3, workers=1)
    assert result.status == "complete"
    return result.run_dir


def test_plan_chunks_covers_every_replication_once() -> None:
    chunks = plan.plan_chunks(10, 3)
    assert [(c.first, c.last) for c in chunks] == [(0, 2), (3, 5), (6, 8), (9, 9)]
    assert plan.plan_chunks(3, 50) == [plan.Chunk(0, 0, 2)]
    assert plan.default_chunk_size(10) == 1 and plan.default_chunk_size(1000) == 25
    assert plan.default_chunk_size(100_000) == plan.MAX_DEFAULT_CHUNK


def test_two_workers_write_the_same_bytes_as_one(reference: Path, tmp_path: Path) -> None:
    result = batch.start_run(SMOKE, REPS, SEED, tmp_path, run_id="two", chunk_size=3, workers=2)
    assert result.status == "complete" and result.chunks == 4
    assert data_files(result.run_dir) == data_files(reference)


@pytest.mark.parametrize(("chunk_size", "workers"), [(1, 1), (5, 2), (12, 1)])
def test_chunk_size_does_not_change_the_tables(reference: Path, tmp_path: Path, chunk_size: int, workers: int) -> None:
    result = batch.start_run(SMOKE, REPS, SEED, tmp_path, run_id="x", chunk_size=chunk_size, workers=workers)
    assert result.status == "complete"
    assert len(list((result.run_dir / "stocks" / "scenario=shared").glob("*.parquet"))) == -(-REPS // chunk_size)
    got, want = tables(result.run_dir), tables(reference)
    for name in want:
        assert got[name].equals(want[name]), name
    assert want["stocks"].num_rows > 0 and want["finance"].num_rows > 0


def test_another_seed_gives_other_numbers(reference: Path, tmp_path: Path) -> None:
    result = batch.start_run(SMOKE, REPS, SEED + 1, tmp_path, run_id="other", chunk_size=3)
    assert not tables(result.run_dir)["flows"].equals(tables(reference)["flows"])


def test_a_scenario_alone_gives_its_rows_of_the_full_run(reference: Path, tmp_path: Path) -> None:
    result = batch.start_run(SMOKE, REPS, SEED, tmp_path, run_id="one", scenarios=["per_municipality"], chunk_size=4)
    assert result.scenarios == ("per_municipality",)
    assert not (result.run_dir / "stocks" / "scenario=shared").exists()
    for name, table in tables(result.run_dir).items():
        full = tables(reference)[name]
        assert table.equals(full.filter(pc.equal(full["scenario"], "per_municipality"))), name


def test_parameters_drawn_per_replication_land_in_the_store(tmp_path: Path) -> None:
    text = SMOKE.read_text().replace(
        "excess_multiplier = 1.5",
        'excess_multiplier = { value = 1.5, low = 1.0, high = 2.5, dist = "uniform", note = "test" }',
    )
    assert text != SMOKE.read_text()
    config = tmp_path / "uncertain.toml"
    config.write_text(text)
    result = batch.start_run(config, 6, SEED, tmp_path / "runs", chunk_size=4, workers=1)
    params = folder.read_table(result.run_dir, "parameters").to_pylist()
    assert {p["parameter"] for p in params} == {"demography.mortality.excess_multiplier"}
    by_rep: dict[int, set[float]] = {}
    for p in params:
        by_rep.setdefault(p["replication"], set()).add(p["value"])
    assert sorted(by_rep) == list(range(6))
    assert all(len(values) == 1 for values in by_rep.values())  # every scenario of a replication: one draw
    draws = [next(iter(v)) for v in by_rep.values()]
    assert len(set(draws)) == 6 and all(1.0 <= d <= 2.5 for d in draws)
    assert len(params) == 6 * 2


def test_manifest_describes_the_run(reference: Path) -> None:
    manifest = folder.read_manifest(reference).as_dict()
    for key in ("run_id", "created", "package_version", "git_commit", "config_path", "config_toml", "config_sha256",
                "population_sha256", "root_seed", "replications", "scenarios", "chunk_size", "executor", "workers",
                "status", "chunks", "timings", "schema_version"):  # fmt: skip
        assert key in manifest, key
    assert manifest["config_toml"] == SMOKE.read_text()
    assert manifest["status"] == "complete"
    assert [(c["first"], c["last"], c["status"]) for c in manifest["chunks"]] == [
        (0, 2, "done"),
        (3, 5, "done"),
        (6, 8, "done"),
        (9, 11, "done"),
    ]
    assert manifest["scenarios"] == ["shared", "per_municipality"]
    config = folder.run_config(reference)
    assert config.name == "smoke" and config.scenario_names == ("shared", "per_municipality")


# ------------------------------------------------------------------------------------------ the command


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(wsw_sim, [str(a) for a in args])


def test_command_prints_the_run_folder_last_and_a_summary(tmp_path: Path) -> None:
    done = cli("run", SMOKE, "--reps", "3", "--seed", "1", "--workers", "1", "--out", tmp_path, "--run-id", "a")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "a")
    assert "complete: 3 replications x 2 scenarios" in done.stderr
    quiet = cli("run", SMOKE, "--reps", "3", "--seed", "1", "--out", tmp_path, "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    run_dir = Path(quiet.stdout.strip().splitlines()[-1])
    assert run_dir.parent == tmp_path and run_dir.name != "a"
    assert data_files(run_dir) == data_files(tmp_path / "a")


def test_command_refuses_bad_input_with_exit_2(tmp_path: Path) -> None:
    unknown = cli("run", SMOKE, "--reps", "2", "--seed", "1", "--out", tmp_path, "--scenario", "nope")
    assert unknown.exit_code == 2 and "unknown scenario 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr and not any(tmp_path.iterdir())
    first = cli("run", SMOKE, "--reps", "2", "--seed", "1", "--out", tmp_path, "--run-id", "r", "--quiet")
    assert first.exit_code == 0
    again = cli("run", SMOKE, "--reps", "2", "--seed", "1", "--out", tmp_path, "--run-id", "r")
    assert again.exit_code == 2 and "already exists" in again.stderr
    mixed = cli("run", "--resume", tmp_path / "r", "--reps", "5")
    assert mixed.exit_code == 2 and "--reps" in mixed.stderr
    missing = cli("run", SMOKE, "--reps", "2")
    assert missing.exit_code == 2 and "--seed" in missing.stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    under_a_file = cli("run", SMOKE, "--reps", "2", "--seed", "1", "--out", a_file / "runs")
    assert under_a_file.exit_code == 2 and f"{a_file / 'runs'}: cannot be written" in under_a_file.stderr
    with pytest.raises(ConfigError, match="cannot be written"):
        batch.start_run(SMOKE, 2, 1, a_file)
    nowhere = cli("run", "--resume", tmp_path / "nothing-here")
    assert nowhere.exit_code == 2 and "not a run folder" in nowhere.stderr
    for bad in (["--reps", "0"], ["--chunk-size", "0"], ["--workers", "0"]):
        args = {"--reps": "2", "--chunk-size": "1", "--workers": "1"} | {bad[0]: bad[1]}
        flat = [x for kv in args.items() for x in kv]
        done = cli("run", SMOKE, "--seed", "1", "--out", tmp_path, *flat)
        assert done.exit_code == 2 and bad[0] in done.stderr, done.stderr


def test_resuming_a_complete_run_runs_nothing(reference: Path) -> None:
    before = json.loads((reference / folder.MANIFEST).read_text())
    done = cli("run", "--resume", reference)
    assert done.exit_code == 0, done.stderr
    assert "0 replications" in done.stderr and done.stdout.strip().splitlines()[-1] == str(reference)
    after = json.loads((reference / folder.MANIFEST).read_text())
    assert after["chunks"] == before["chunks"] and len(after["sessions"]) == len(before["sessions"]) + 1


def test_dask_executor_writes_the_same_bytes_as_local(reference: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = batch.start_run(
            SMOKE,
            REPS,
            SEED,
            tmp_path,
            run_id="dask",
            chunk_size=3,
            executor="dask",
            scheduler=cluster.scheduler_address,
        )
    assert result.status == "complete", result.failed
    manifest = folder.read_manifest(result.run_dir)
    assert manifest.executor == "dask" and manifest.sessions[0]["workers"] == 2
    assert data_files(result.run_dir) == data_files(reference)


def test_dask_without_a_scheduler_is_bad_input(tmp_path: Path) -> None:
    done = cli("run", SMOKE, "--reps", "2", "--seed", "1", "--out", tmp_path, "--executor", "dask")
    assert done.exit_code == 2 and "--scheduler" in done.stderr


def test_config_text_in_the_manifest_rebuilds_the_config(reference: Path) -> None:
    manifest = folder.read_manifest(reference)
    assert tomllib.loads(manifest.config_toml)["name"] == "smoke"
    assert store.sha256_bytes(manifest.config_toml.encode()) == manifest.config_sha256
