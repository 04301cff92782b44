"""The run store: Parquet round trip with metadata, the readers analysts use, manifest, lock, atomic writes."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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


# ------------------------------------------------------------------- known answers for the store's helpers


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time 14 hours ahead of UTC, so that a local time stamp cannot pass for a UTC one."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_git_commit_is_the_head_of_the_source_tree_and_dirty_when_it_has_changes() -> None:
    here = Path(store.__file__).resolve().parent
    try:
        head = _git("rev-parse", "HEAD", cwd=here)
        dirty = _git("status", "--porcelain", "--untracked-files=no", cwd=here)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the package does not run from a git checkout")
    assert len(head) == 40
    assert store.git_commit() == (f"{head}+dirty" if dirty else head)


def test_git_commit_asks_git_in_the_package_folder_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = store.git_commit()
    monkeypatch.chdir(tmp_path)  # not a git checkout
    assert store.git_commit() == expected


FAKE_HEAD = "a" * 40


def _fake_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: str, head_exit: int = 0, status_exit: int = 0
) -> None:
    """A `git` first on PATH that answers only the two exact questions, only in the package folder."""
    if sys.platform == "win32":
        pytest.skip("a shell script as git")
    here = Path(store.__file__).resolve().parent
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "git"
    script.write_text(
        "#!/bin/sh\n"
        f'[ "$(pwd -P)" = "{here}" ] || exit 2\n'
        f'if [ "$*" = "rev-parse HEAD" ]; then echo " {FAKE_HEAD} "; exit {head_exit}; fi\n'
        f'if [ "$*" = "status --porcelain --untracked-files=no" ]; then printf "{status}"; exit {status_exit}; fi\n'
        "exit 3\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def test_git_commit_with_local_changes_is_marked_dirty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_git(tmp_path, monkeypatch, r" M sim/x.py\n")
    assert store.git_commit() == FAKE_HEAD + "+dirty"


def test_git_commit_of_a_clean_tree_is_the_bare_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_git(tmp_path, monkeypatch, "")
    assert store.git_commit() == FAKE_HEAD


@pytest.mark.parametrize("failing", ["rev-parse", "status"])
def test_git_commit_is_none_when_git_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    codes = {"head_exit": 128} if failing == "rev-parse" else {"status_exit": 128}
    _fake_git(tmp_path, monkeypatch, r" M sim/x.py\n", **codes)  # output, but a failure
    assert store.git_commit() is None


def test_git_commit_is_none_without_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no git there
    assert store.git_commit() is None


def test_git_commit_waits_at_most_five_seconds_for_git(monkeypatch: pytest.MonkeyPatch) -> None:
    real = subprocess.run
    timeouts = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        timeouts.append(kwargs.get("timeout"))
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    store.git_commit()
    assert timeouts and all(t is not None and 0 < t <= 5 for t in timeouts)


def test_utc_now_is_an_iso_time_stamp_with_microseconds(far_from_utc: None) -> None:
    before = datetime.now(UTC)
    stamp = store.utc_now()
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert len(stamp) == len("2026-01-02T03:04:05.123456Z")
    assert abs((parsed - before).total_seconds()) < 1


def test_sha256_file_of_a_file_larger_than_a_block(tmp_path: Path) -> None:
    data = bytes(range(256)) * (3 * 4096 + 7)  # about 3 MiB: several 1 MiB blocks, a short last one
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert store.sha256_file(path) == hashlib.sha256(data).hexdigest()
    opened: list[int] = []
    real_open = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        fh = real_open(self, *args, **kwargs)
        real_read = fh.read

        def read(n: int = -1) -> bytes:
            opened.append(n)
            return real_read(n)

        fh.read = read
        return fh

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "open", counting_open)
        assert store.sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert set(opened) == {1 << 20}  # read in 1 MiB blocks, never the whole file at once


def test_default_run_id_hash_is_of_config_seed_and_replications(far_from_utc: None) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    digest = hashlib.sha256(b"config\x001\x00100").hexdigest()[:8]
    assert store.default_run_id("config", 1, 100, now) == f"20260102T030405Z-{digest}"
    stamp, _ = store.default_run_id("config", 1, 100).split("-")
    parsed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((parsed - datetime.now(UTC)).total_seconds()) < 2


def test_is_locked_of_a_folder_without_lock_file(tmp_path: Path) -> None:
    assert not store.is_locked(tmp_path)
    assert not (tmp_path / folder.LOCK).exists()


def test_the_lock_names_its_owner_and_refuses_at_once(tmp_path: Path) -> None:
    with store.RunLock(tmp_path) as lock:
        assert (tmp_path / store.OWNER).read_text(encoding="utf-8") == f"{os.getpid()}\n"
        assert lock._owner() == str(os.getpid())
        start = time.monotonic()
        assert store.is_locked(tmp_path)
        with pytest.raises(ConfigError) as refused:
            store.RunLock(tmp_path).acquire()
        assert time.monotonic() - start < 0.5  # no waiting for the lock
        assert str(refused.value) == f"{tmp_path}: is in use by another run (pid {os.getpid()})"
    assert not store.is_locked(tmp_path)


def test_the_lock_owner_is_unknown_without_an_owner_file(tmp_path: Path) -> None:
    lock = store.RunLock(tmp_path)
    assert lock._owner() == "unknown"
    (tmp_path / store.OWNER).write_text("\n")
    assert lock._owner() == "unknown"


def test_a_lock_taken_in_one_thread_is_released_in_another(tmp_path: Path) -> None:
    lock = store.RunLock(tmp_path)
    lock.acquire()
    worker = threading.Thread(target=lock.release)
    worker.start()
    worker.join()
    assert not store.is_locked(tmp_path)
    assert not (tmp_path / store.OWNER).exists()


def test_remove_temp_files_removes_only_hidden_temporaries(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "scenario=b"
    deep.mkdir(parents=True)
    temps = [tmp_path / ".manifest.json.x.tmp", deep / ".part-00001.parquet.y.tmp"]
    kept = [tmp_path / "visible.tmp", deep / "part-00001.parquet", deep / ".hidden.parquet"]
    for p in [*temps, *kept]:
        p.write_bytes(b"x")
    assert sorted(store.remove_temp_files(tmp_path)) == sorted(temps)
    assert all(p.exists() for p in kept) and not any(p.exists() for p in temps)
    assert store.remove_temp_files(tmp_path) == []


def _organisation_rows(names: list[str]) -> pa.Table:
    n = len(names)
    return schema.conform(
        "organisations",
        pa.table(
            {
                "scenario": ["s"] * n,
                "replication": [0] * n,
                "year": [2020] * n,
                "organisation": names,
                "members": names,
                "persons": list(range(n)),
                "se": [0.5 + i for i in range(n)],
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


def test_key_order_sorts_strings_by_code_point() -> None:
    names = ["Ö", "almelo", "Almelo", "Ålmelo", "Wierden"]
    piece = _organisation_rows(names)
    keys = ["replication", "year", "organisation"]
    order = store.key_order(piece, keys)
    assert order is not None
    assert [names[i] for i in order] == sorted(names)  # Python sorts str by code point
    assert store.key_order(piece.take(order), keys) is None


def test_write_chunk_table_sorts_unless_the_caller_vouches(tmp_path: Path) -> None:
    piece = _organisation_rows(["b", "a", "c"])
    path = store.write_chunk_table(tmp_path, "organisations", "s", 7, [piece])
    assert path == tmp_path / "organisations" / "scenario=s" / "part-00007.parquet"
    assert pq.read_table(path).column("organisation").to_pylist() == ["a", "b", "c"]
    trusted = store.chunk_table("organisations", [piece], in_key_order=True)
    assert trusted.column("organisation").to_pylist() == ["b", "a", "c"]  # not checked, not sorted


def test_parquet_files_dictionary_encode_labels_only(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    store.atomic_write_parquet(_organisation_rows(["b", "a", "c"]), path)
    meta = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    assert any("DICTIONARY" in e for e in encodings["organisation"])
    assert not any("DICTIONARY" in e for e in encodings["se"])
