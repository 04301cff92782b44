"""The run store: one folder per batch, holding a manifest and one hive-partitioned Parquet dataset per table.

Layout of `DIR/<run-id>/`::

    manifest.json                                    what was run, how far it got (rewritten after each chunk)
    .lock                                            present while a process runs the batch (holds its pid)
    <table>/scenario=<name>/part-<chunk:05d>.parquet one zstd file per table, scenario and chunk

The scenario lives in the folder name only (hive partitioning), not as a column inside the files: that way
pyarrow.dataset (partitioning="hive"), pandas.read_parquet and DuckDB (with or without hive_partitioning)
all read the same `scenario` column, whereas a column stored twice makes pandas refuse to merge a string
column with its dictionary-typed partition. `read_table` gives a table back in its full schema
(`sim.runs.schema`), scenario first, with field and file metadata.

Every file is written under a hidden temporary name, fsynced and renamed: a reader, or a resumed run, never
sees a half-written file under a final name. Readers skip the hidden names (pyarrow and pandas ignore names
starting with '.', DuckDB's `*.parquet` glob does not match the '.tmp' suffix).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.runs import schema
from sim.inputs.config import Config, config_from_dict
from sim.errors import ConfigError

COMPRESSION = "zstd"
MANIFEST = "manifest.json"
LOCK = ".lock"
TEMP_SUFFIX = ".tmp"
PARTITION = "scenario"


# ------------------------------------------------------------------------------------------ atomic files


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a crash after it cannot bring back the old name)."""
    with contextlib.suppress(OSError):  # some filesystems cannot open or fsync a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@functools.cache
def _file_mode() -> int:
    # mkstemp creates files readable by the owner only; a run folder is read by others (analysts, Dask
    # workers under another account), so files get the mode an ordinary open() would give them.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A temporary file next to `path`, fsynced and renamed onto it when the block ends without error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_parquet(table: pa.Table, path: Path) -> None:
    # Dictionary encoding pays for the label columns (few distinct strings); for measured numbers, nearly all
    # distinct, it costs time and makes the file larger (a chunk's finance file: 348 kB with, 282 kB without).
    labels = [f.name for f in table.schema if pa.types.is_string(f.type)]
    with _atomic_file(path) as fh:
        pq.write_table(table, fh, compression=COMPRESSION, use_dictionary=labels)


def atomic_write_text(text: str, path: Path) -> None:
    with _atomic_file(path) as fh:
        fh.write(text.encode("utf-8"))


def remove_temp_files(run_dir: Path) -> list[Path]:
    """Delete the temporary files a killed process left behind; returns what was removed."""
    removed = []
    for tmp in run_dir.rglob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed


# ----------------------------------------------------------------------------------------- chunk files


def file_schema(table: str) -> pa.Schema:
    """The schema of a table's files: the table's schema without the scenario, which is the folder name."""
    full = schema.TABLES[table]
    return full.remove(full.get_field_index(PARTITION))


def chunk_path(run_dir: Path, table: str, scenario: str, chunk: int) -> Path:
    return run_dir / table / f"{PARTITION}={scenario}" / f"part-{chunk:05d}.parquet"


def chunk_paths(run_dir: Path, chunk: int, scenarios: Sequence[str]) -> list[Path]:
    return [chunk_path(run_dir, t, s, chunk) for t in schema.TABLES for s in scenarios]


def chunk_table(table: str, pieces: Sequence[pa.Table], in_key_order: bool = False) -> pa.Table:
    """One scenario's pieces of a table as one file's content: rows in key order, scenario column dropped.

    Sorting by the keys makes a file's bytes depend only on which replications it holds, never on the order
    in which they were computed. `in_key_order`: the caller vouches that the rows are in key order already
    (`sim.model.replication.collect` makes them so, and a test holds it to that), and they are not checked.
    """
    data = pa.concat_tables([schema.conform(table, p) for p in pieces]) if pieces else schema.empty(table)
    order = None if in_key_order else key_order(data, [k for k in schema.KEYS[table] if k != PARTITION])
    if order is not None:
        data = data.take(order)
    return data.drop_columns([PARTITION]).cast(file_schema(table))


def key_order(data: pa.Table, keys: Sequence[str]) -> np.ndarray | None:
    """The row order that sorts `data` by `keys` (strings by code point, as Arrow sorts them), or None when
    the rows are in that order already (as `sim.model.replication.collect` makes them: checking costs one pass)."""
    if data.num_rows < 2:
        return None
    columns = []
    for key in reversed(keys):  # np.lexsort: the last key is the primary one
        column = data.column(key).combine_chunks()
        if pa.types.is_string(column.type):
            encoded = column.dictionary_encode()
            names = encoded.dictionary.to_pylist()
            rank = np.empty(len(names), np.int64)
            rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
            columns.append(rank[encoded.indices.to_numpy()])
        else:
            columns.append(column.to_numpy(zero_copy_only=False).astype(np.int64))
    before = np.zeros(data.num_rows - 1, bool)  # row i + 1 belongs before row i
    tied = np.ones(data.num_rows - 1, bool)
    for column in reversed(columns):
        step = np.diff(column)
        before |= tied & (step < 0)
        tied &= step == 0
    return np.lexsort(columns) if before.any() else None


def write_chunk_table(
    run_dir: Path, table: str, scenario: str, chunk: int, pieces: Sequence[pa.Table], in_key_order: bool = False
) -> Path:
    path = chunk_path(run_dir, table, scenario, chunk)
    atomic_write_parquet(chunk_table(table, pieces, in_key_order), path)
    return path


def read_table(run_dir: str | Path, table: str, scenarios: Sequence[str] | None = None) -> pa.Table:
    """A table of a run in its full schema (scenario first, metadata kept), rows sorted by its keys.

    Reads whatever complete files there are: check `read_manifest(run_dir)["status"]` to know whether the
    run finished.
    """
    import pyarrow.compute as pc
    import pyarrow.dataset as ds  # here, not at the top: it imports pandas, which writing a run never needs

    partitioning = ds.partitioning(pa.schema([pa.field(PARTITION, pa.string())]), flavor="hive")
    dataset = ds.dataset(Path(run_dir) / table, format="parquet", partitioning=partitioning)
    data = dataset.to_table(filter=pc.field(PARTITION).isin(list(scenarios)) if scenarios is not None else None)
    data = schema.conform(table, data)
    return data.sort_by([(k, "ascending") for k in schema.KEYS[table]])


# --------------------------------------------------------------------------------------------- manifest


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit() -> str | None:
    """The commit of the source tree the package runs from, with '+dirty' when it has local changes."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head or None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_run_id(config_text: str, root_seed: int, replications: int, now: datetime | None = None) -> str:
    """UTC time stamp plus a short hash of what was asked (config text, seed, replications)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    digest = sha256_bytes(f"{config_text}\0{root_seed}\0{replications}".encode())[:8]
    return f"{stamp}-{digest}"


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> None:
    atomic_write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", run_dir / MANIFEST)


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a run folder; a missing or unreadable one is a `ConfigError` (bad input)."""
    path = Path(run_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(run_dir, "", f"not a run folder (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(path, "", f"cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or "config_toml" not in manifest:
        raise ConfigError(path, "", "is not a wsw-sim manifest")
    return manifest


def run_config(run_dir: str | Path) -> Config:
    """The config of a run, rebuilt from the text kept in its manifest (the file itself is not needed).

    Relative paths in it (a population file) are taken from the folder the config file was in.
    """
    manifest = read_manifest(run_dir)
    config_path = str(manifest.get("config_path") or Path(run_dir) / MANIFEST)
    try:
        raw = tomllib.loads(manifest["config_toml"])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(Path(run_dir) / MANIFEST, "config_toml", f"is not valid TOML ({exc})") from None
    return config_from_dict(raw, source=config_path, base_dir=Path(config_path).parent)


# ------------------------------------------------------------------------------------------------- lock


class RunLock:
    """Refuses a second process in a run folder: an exclusive `flock` on `.lock`, which holds the owner's pid.

    The kernel drops the lock when the owner dies, however it dies (kill -9 included), so a stale lock file
    never blocks a resume. Where `flock` is not supported, a lock file whose pid is dead counts as stale.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            owner = self._owner(fd)
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise ConfigError(self.path.parent, "", f"is in use by another run (pid {owner})") from None
            if owner is not None and _alive(owner):  # no flock here: fall back to the pid
                raise ConfigError(self.path.parent, "", f"is in use by another run (pid {owner})") from None
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    @staticmethod
    def _owner(fd: int) -> int | None:
        try:
            return int(os.pread(fd, 64, 0).decode().strip() or "x")
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        # The file stays (emptied): unlinking it would let a process that opened the old file lock it while
        # another locks a new one.
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_locked(run_dir: Path) -> bool:
    """Whether a live process holds the run folder's lock."""
    path = run_dir / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
