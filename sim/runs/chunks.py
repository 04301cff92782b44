"""One chunk: run its replications and write its files, anywhere; and check, on resume, that a done one is intact.

A replication's numbers depend only on (config, root seed, replication number), so the tables read back are
the same for any number of workers, chunk size, executor and completion order; with the same chunk size the
files are byte for byte the same. Every worker process prepares the model (config, population, derived laws)
once and keeps it for the chunks it runs.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.model import replication
from sim.model.replication import Model
from sim.runs import folder, schema, store
from sim.runs.plan import Chunk


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk, anywhere: the config travels as its text."""

    run_dir: str
    config_toml: str
    config_path: str
    root_seed: int
    scenarios: tuple[str, ...]
    chunk: Chunk
    overrides: tuple[str, ...] = ()
    design: dict[str, Any] | None = None
    """An exploration's design record: the chunk is then design points `first` to `last` (`sim.runs.explore`)."""
    reps_per_point: int = 0


@dataclass(frozen=True)
class ChunkDone:
    """A chunk written: how long it took and how many rows its files hold together."""

    chunk: int
    seconds: float
    rows: int


@functools.lru_cache(maxsize=4)
def prepared_model(config_toml: str, config_path: str, overrides: tuple[str, ...] = ()) -> Model:
    """One model per worker process and config: the population is built once, not once per chunk."""
    return Model.prepare(folder.config_from_toml(config_toml, config_path, config_path, overrides))


def run_chunk(task: ChunkTask, model: Model | None = None) -> ChunkDone:
    """Run a chunk's replications and write its files (one per table and scenario).

    If anything goes wrong (SIGTERM included, which a pool worker turns into SystemExit), none of the chunk's
    files is left behind, so a run folder holds whole chunks (after a kill -9 a chunk may be partly written:
    the manifest does not count it, and a resume rewrites it).
    """
    model = model or prepared_model(task.config_toml, task.config_path, task.overrides)
    started = time.perf_counter()
    run_dir = Path(task.run_dir)
    if task.design is not None:  # an exploration's chunk: design points
        from sim.runs import points

        rows = points.run_points(
            run_dir, task.design, task.reps_per_point, task.root_seed, task.scenarios, task.chunk, model
        )
        return ChunkDone(task.chunk.id, time.perf_counter() - started, rows)
    try:
        # looked up on the module so that a test can stand in for it
        runs = [
            replication.simulate_replication(model, r, task.root_seed, task.scenarios)
            for r in range(task.chunk.first, task.chunk.last + 1)
        ]
        rows = 0
        for scenario in task.scenarios:
            tables = replication.collect(runs, scenario)  # replications in order: rows in key order
            for table in schema.TABLES:
                data = tables.get(table)
                pieces = [data] if data is not None and data.num_rows else []
                store.write_chunk_table(run_dir, table, scenario, task.chunk.id, pieces, in_key_order=True)
                rows += data.num_rows if data is not None else 0
    except BaseException:
        for path in folder.chunk_paths(run_dir, task.chunk.id, task.scenarios):
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return ChunkDone(task.chunk.id, time.perf_counter() - started, rows)


def damage(
    run_dir: Path, entry: folder.ChunkEntry, scenarios: Sequence[str], manifest: folder.Manifest | None = None
) -> str | None:
    """Why a chunk the manifest marks done cannot be trusted as it is on disk, or None when it is intact.

    Every file must be there, its Parquet footer readable, its schema the table's, and (where the manifest
    recorded it) the rows of all its files together what was written. A file replaced or cut short fails one
    of these; damage inside a data page with an intact footer would only show when read.
    """
    rows = 0
    tables = folder.run_tables(manifest)
    for path in folder.chunk_paths(run_dir, entry.id, scenarios, tables):
        table = path.parent.name if path.parent.name in tables else path.parent.parent.name
        if not path.is_file():
            return f"{path} is missing"
        try:
            meta = pq.read_metadata(path)
            written = meta.schema.to_arrow_schema()
        except (OSError, pa.ArrowException) as exc:
            return f"{path} cannot be read ({exc})"
        if not written.equals(folder.file_schema(table, manifest)):
            return f"{path} does not have the {table} schema"
        rows += meta.num_rows
    if entry.rows is not None and rows != entry.rows:
        return f"chunk {entry.id}'s files hold {rows} rows, the manifest recorded {entry.rows}"
    return None


def describe(exc: BaseException) -> str:
    """An exception in one line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
