"""The run store: Parquet round trip with metadata, the readers analysts use, manifest, lock, atomic writes."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from batch_runs import SMOKE
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ConfigError
from sim.inputs.config import load_config
from sim.runs import batch, folder, schema, store


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("store")
    return batch.start_run(SMOKE, 5, 3, out, run_id="r", chunk_size=2).run_dir


def test_files_keep_schema_and_metadata(run_dir: Path) -> None:
    files = sorted(run_dir.rglob("*.parquet"))
    assert len(files) == len(schema.TABLES) * 2 * 3  # tables x scenarios x chunks
    for path in files:
        table = path.parent.parent.name
        written = pq.read_schema(path)
        assert written.equals(folder.file_schema(table), check_metadata=True), path
        assert written.metadata[b"wsw_sim.table"] == table.encode()
        assert written.metadata[b"wsw_sim.schema_version"] == str(schema.SCHEMA_VERSION).encode()
        assert "scenario" not in written.names  # it is the folder name
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in [*files, run_dir / folder.MANIFEST])  # others may read
    unit = pq.read_schema(run_dir / "stocks" / "scenario=shared" / "part-00000.parquet").field("se").metadata
    assert unit == {b"unit": b"SE", b"description": b"standaardeenheden: contract size summed over persons"}


def test_read_table_gives_the_full_schema_back(run_dir: Path) -> None:
    for name, full in schema.TABLES.items():
        table = folder.read_table(run_dir, name)
        assert table.schema.equals(full, check_metadata=True), name
        assert set(table.column("scenario").to_pylist()) <= {"shared", "per_municipality"}
        keys = table.select(list(schema.KEYS[name])).to_pylist()
        assert keys == sorted(keys, key=lambda row: tuple(row.values()))
        assert len({tuple(k.values()) for k in keys}) == len(keys), f"{name}: keys identify rows"
    stocks = folder.read_table(run_dir, "stocks")
    assert sorted(set(stocks.column("replication").to_pylist())) == [0, 1, 2, 3, 4]


def _rows(table: pa.Table, name: str) -> list[tuple[Any, ...]]:
    columns = [f.name for f in schema.TABLES[name]]
    return sorted(tuple(r[c] for c in columns) for r in table.select(columns).to_pylist())


def _duckdb(sql: str) -> pa.Table:
    with duckdb.connect() as con:
        return con.sql(sql).to_arrow_table()


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_pyarrow_pandas_and_duckdb_read_every_table(run_dir: Path, name: str) -> None:
    want = _rows(folder.read_table(run_dir, name), name)
    table_dir = run_dir / name
    by_pyarrow = ds.dataset(table_dir, partitioning="hive").to_table()
    assert by_pyarrow.schema.field("scenario").type == pa.string()
    by_pandas = pa.Table.from_pandas(pd.read_parquet(table_dir).astype({"scenario": str}), preserve_index=False)
    glob = f"{table_dir}/**/*.parquet"
    by_duckdb_hive = _duckdb(f"select * from read_parquet('{glob}', hive_partitioning = true)")
    by_duckdb_plain = _duckdb(f"select * from read_parquet('{glob}')")
    for got in (by_pyarrow, by_pandas, by_duckdb_hive, by_duckdb_plain):
        assert _rows(got, name) == want
    if name == "stocks":
        assert len(want) > 0
        scenarios = _duckdb(f"select distinct scenario from read_parquet('{glob}') order by 1")
        assert scenarios.column("scenario").to_pylist() == ["per_municipality", "shared"]


def test_manifest_and_run_config(run_dir: Path) -> None:
    manifest = folder.read_manifest(run_dir)
    assert manifest.status == "complete" and manifest.root_seed == 3 and manifest.replications == 5
    assert manifest.config_sha256 == store.sha256_bytes(SMOKE.read_bytes())
    assert manifest.population_sha256 is None
    assert manifest.schema_version == schema.SCHEMA_VERSION
    rebuilt = folder.run_config(run_dir).model_dump(exclude={"source"})
    assert rebuilt == load_config(SMOKE).model_dump(exclude={"source"})


def test_manifest_hashes_a_population_file_without_its_content(tmp_path: Path) -> None:
    from sim.model.population import write_population
    from sim.model.replication import Model

    population = tmp_path / "people.parquet"
    write_population(Model.prepare(load_config(SMOKE)).population, population)
    text = SMOKE.read_text().replace("[population]\n", '[population]\nfile = "people.parquet"\n')
    config = tmp_path / "imported.toml"
    config.write_text(text)
    result = batch.start_run(config, 2, 1, tmp_path / "runs", chunk_size=2)
    manifest = folder.read_manifest(result.run_dir)
    assert manifest.population_sha256 == store.sha256_file(population)
    assert manifest.population_file == str(population.resolve())
    raw = (result.run_dir / folder.MANIFEST).read_text()
    some_id = pq.read_table(population).column("person_id")[0].as_py()
    assert some_id not in raw  # the manifest names and hashes the file; it never copies people
    population.write_bytes(population.read_bytes() + b"changed")
    with pytest.raises(ConfigError, match="has changed since the run started"):
        batch.resume_run(result.run_dir)


def test_a_manifest_missing_or_broken_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a run folder"):
        folder.read_manifest(tmp_path)
    (tmp_path / folder.MANIFEST).write_text("{not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        folder.read_manifest(tmp_path)


def test_default_run_id_is_a_time_stamp_and_a_hash() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    run_id = store.default_run_id("config", 1, 100, now)
    assert run_id.startswith("20260102T030405Z-") and len(run_id.split("-")[1]) == 8
    assert run_id == store.default_run_id("config", 1, 100, now)
    assert run_id != store.default_run_id("config", 2, 100, now) != store.default_run_id("config", 1, 101, now)


def test_a_run_folder_in_use_is_refused(run_dir: Path) -> None:
    # The lock's owner is another process (an flock is per open file, so this process would not conflict
    # with itself in every case): a child that holds the lock until told to stop.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from sim.runs.store import RunLock; "
            f"lock = RunLock(Path({str(run_dir)!r})); lock.acquire(); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert store.is_locked(run_dir)
        with pytest.raises(ConfigError, match=rf"in use by another run \(pid {holder.pid}\)"):
            batch.resume_run(run_dir)
    finally:
        holder.communicate("", timeout=30)
    assert not store.is_locked(run_dir)
    assert batch.resume_run(run_dir).status == "complete"  # a lock left by a finished process is no obstacle


def test_a_stale_lock_file_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / folder.LOCK).write_text(dead.stdout)
    (tmp_path / store.OWNER).write_text(dead.stdout)
    lock = store.RunLock(tmp_path)
    lock.acquire()
    assert (tmp_path / store.OWNER).read_text().strip() == str(os.getpid())
    assert store.is_locked(tmp_path)
    lock.release()
    assert not store.is_locked(tmp_path) and not (tmp_path / store.OWNER).exists()


def test_a_failed_write_leaves_neither_file_nor_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(table: pa.Table, where: Any, **kwargs: Any) -> None:
        where.write(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pq, "write_table", disk_full)
    target = tmp_path / "t" / "part-00000.parquet"
    with pytest.raises(OSError, match="No space left"):
        store.atomic_write_parquet(schema.empty("stocks"), target)
    assert list(target.parent.iterdir()) == []


def test_remove_temp_files_clears_what_a_killed_writer_left(tmp_path: Path) -> None:
    partition = tmp_path / "stocks" / "scenario=a"
    partition.mkdir(parents=True)
    (partition / ".part-00000.parquet.abc.tmp").write_bytes(b"half")
    (partition / "part-00001.parquet").write_bytes(b"whole")
    assert [p.name for p in store.remove_temp_files(tmp_path)] == [".part-00000.parquet.abc.tmp"]
    assert [p.name for p in partition.iterdir()] == ["part-00001.parquet"]


NAMES = ["Almelo", "almelo", "Ålmelo", "Wierden", "Hof van Twente", "Ommen-Dalfsen", "Ö"]


@settings(max_examples=60, deadline=None)
@given(
    st.sets(st.tuples(st.integers(0, 2), st.integers(2019, 2022), st.sampled_from(NAMES)), max_size=40),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_chunk_rows_are_in_key_order_however_they_come(keys: set[Any], rand: Any, presorted: bool) -> None:
    """A chunk file's rows are sorted by the keys as Arrow sorts them (strings by code point, including
    names outside ASCII), whether the pieces come sorted (collect's case: no sort needed) or not."""
    rows = sorted(keys) if presorted else rand.sample(sorted(keys), len(keys))
    n = len(rows)
    piece = schema.conform(
        "organisations",
        pa.table(
            {
                "scenario": ["s"] * n,
                "replication": [r[0] for r in rows],
                "year": [r[1] for r in rows],
                "organisation": [r[2] for r in rows],
                "members": [rand.choice(NAMES) for _ in rows],
                "persons": list(range(n)),
                "se": [0.5] * n,
                "coaches_fte": [1.0] * n,
                "persons_per_coach": pa.array([None] * n, pa.float64()),
                "overhead_eur_per_se": pa.array([None] * n, pa.float64()),
                "other_persons": [0.0] * n,
                "other_groups_result_eur": [0.0] * n,
                "viable_wsw": [False] * n,
                "viable_company": [True] * n,
            }
        ),
    )
    key_names = [k for k in schema.KEYS["organisations"] if k != "scenario"]
    expected = piece.sort_by([(k, "ascending") for k in key_names])
    written = store.chunk_table("organisations", [piece] if n else [])
    assert written.equals(expected.drop_columns(["scenario"]).cast(folder.file_schema("organisations")))
    assert (store.key_order(piece, key_names) is None) == piece.equals(expected)


def test_every_chunk_file_is_in_key_order(run_dir: Path) -> None:
    """The chunk writer trusts collect's row order (it does not sort): the files must show it held."""
    for path in sorted(run_dir.rglob("*.parquet")):
        table = path.parent.parent.name
        data = pq.ParquetFile(path).read()
        keys = [k for k in schema.KEYS[table] if k != "scenario"]
        assert store.key_order(data, keys) is None, path
