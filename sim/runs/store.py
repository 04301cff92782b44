"""Writing a run folder (layout and reading: `sim.runs.folder`): atomic files, chunk tables, manifest, lock.

Every file is written under a hidden temporary name, fsynced and renamed: a reader, or a resumed run, never
sees a half-written file under a final name. Readers skip the hidden names (pyarrow and pandas ignore names
starting with '.', DuckDB's `*.parquet` glob does not match the '.tmp' suffix). A process killed while
writing leaves at most such a temporary file, which the next session removes (`remove_temp_files`).

Portable (Linux, macOS, Windows): the lock is `filelock`'s (flock where there is one, the OS file lock on
Windows, else a marker file whose dead owner is detected); nothing here imports `fcntl` or uses `os.pread`,
and `os.fchmod` only where it exists.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import filelock
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.runs import schema
from sim.runs.folder import LOCK, MANIFEST, PARTITION, TEMP_SUFFIX, Manifest, chunk_path, file_schema

COMPRESSION = "zstd"
OWNER = ".lock.owner"
"""Beside the lock: the pid of the process that holds it, for the message that refuses a second one."""


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
        if hasattr(os, "fchmod"):  # not on Windows, where a new file is readable by whoever may read the folder
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


def write_manifest(run_dir: Path, manifest: Manifest) -> None:
    atomic_write_text(manifest.to_json(), run_dir / MANIFEST)


# ------------------------------------------------------------------------------------------------- lock


class RunLock:
    """Refuses a second process in a run folder: `filelock`'s lock on `.lock`, the owner's pid beside it.

    Where there is `flock` (Linux, macOS) the kernel drops the lock when the owner dies, however it dies
    (kill -9 included); on Windows the OS does the same for its file lock; elsewhere filelock's marker file
    names its owner, and a marker whose owner is dead is taken over. A stale lock never blocks a resume.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK
        self._lock = filelock.FileLock(self.path, timeout=0, thread_local=False)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise ConfigError(self.path.parent, "", f"is in use by another run (pid {self._owner()})") from None
        atomic_write_text(f"{os.getpid()}\n", self.path.parent / OWNER)

    def _owner(self) -> str:
        try:
            return (self.path.parent / OWNER).read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        with contextlib.suppress(OSError):
            (self.path.parent / OWNER).unlink()
        self._lock.release()

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(run_dir: Path) -> bool:
    """Whether a live process holds the run folder's lock."""
    if not (run_dir / LOCK).exists():
        return False
    probe = filelock.FileLock(run_dir / LOCK, timeout=0, thread_local=False)
    try:
        probe.acquire()
    except filelock.Timeout:
        return True
    probe.release()
    return False
