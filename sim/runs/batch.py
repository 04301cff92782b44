"""Monte Carlo batches: the coordinator that plans a batch, hands its chunks to an executor and keeps the manifest.

A batch is cut into chunks (`sim.runs.plan`); each chunk is run and written by a worker
(`sim.runs.chunks`) on an executor (`sim.runs.executors`); the coordinator records a chunk in the manifest
once all its files are in place. `start_run` begins a batch in a new run folder; `resume_run` finishes one,
running again every chunk that is not done, and every chunk marked done whose files are missing or damaged
(checked on disk, not taken from the manifest). The tables of a resumed run equal those of an uninterrupted
one.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import sim
from sim.errors import ConfigError
from sim.inputs.config import load_config
from sim.model.replication import Model
from sim.runs import chunks, executors, folder, schema, store
from sim.runs.chunks import ChunkDone, ChunkTask
from sim.runs.design import Design
from sim.runs.folder import ChunkEntry, Manifest
from sim.runs.plan import (
    Chunk,
    Executor,
    check_counts,
    check_executor,
    check_run_id,
    default_chunk_size,
    plan_chunks,
    select_scenarios,
)

Progress = Callable[[int], None]
"""Called with the number of replications a finished chunk held."""


class Interrupted(BaseException):
    """SIGTERM asked the batch to stop (a BaseException, like Ctrl-C's KeyboardInterrupt, so that no
    `except Exception` around a chunk mistakes it for the chunk's failure)."""


@dataclass(frozen=True)
class ChunkFailure:
    chunk: Chunk
    error: str


@dataclass
class RunResult:
    """What a batch (or a resumed batch) did. `redone`: chunks marked done whose files were not intact."""

    run_dir: Path
    status: str
    replications: int
    scenarios: tuple[str, ...]
    chunks: int
    chunks_done: int = 0
    chunks_run: int = 0
    replications_run: int = 0
    seconds: float = 0.0
    failed: list[ChunkFailure] = field(default_factory=list)
    redone: list[str] = field(default_factory=list)
    reps_per_point: int = 0
    """An exploration's replications per design point (its `replications` then count design points)."""


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the batch the way Ctrl-C does (only in the main thread, where handlers can be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _pending(run_dir: Path, manifest: Manifest) -> tuple[list[ChunkEntry], list[str]]:
    """The chunks to run: those not done, and those done whose files on disk are not intact (with why)."""
    todo, redone = [], []
    for entry in manifest.chunks:
        if entry.status == "done":
            why = chunks.damage(run_dir, entry, manifest.scenarios, manifest)
            if why is None:
                continue
            redone.append(f"chunk {entry.id} runs again: {why}")
        todo.append(entry)
    return todo, redone


def _execute(
    run_dir: Path,
    manifest: Manifest,
    executor: Executor,
    workers: int,
    scheduler: str | None,
    progress: Progress | None,
    model: Model | None,
    client: Any = None,
) -> RunResult:
    """Run the chunks of `manifest` that are not complete on disk, recording each in the manifest as it finishes.

    `client` is the Dask client when the executor is `dask` (connected by the caller, before anything is
    written, so that an unreachable scheduler is bad input that leaves no trace).
    """
    scenarios = tuple(manifest.scenarios)
    store.remove_temp_files(run_dir)
    todo, redone = _pending(run_dir, manifest)
    tasks = [
        ChunkTask(
            run_dir=str(run_dir),
            config_toml=manifest.config_toml,
            config_path=str(manifest.config_path),
            root_seed=int(manifest.root_seed or 0),
            scenarios=scenarios,
            chunk=Chunk(e.id, e.first, e.last),
            overrides=tuple(manifest.overrides),
            design=manifest.design,
            reps_per_point=int(manifest.reps_per_point or 0),
        )
        for e in todo
    ]
    entries = {e.id: e for e in manifest.chunks}
    for entry in todo:
        entry.status, entry.error, entry.rows = "pending", None, None
    if client is not None:
        workers = len(client.scheduler_info().get("workers", {}))
    session: dict[str, Any] = {
        "started": store.utc_now(),
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "chunks": len(tasks),
    }
    if redone:
        session["redone"] = redone
    manifest.sessions.append(session)
    manifest.status = "running"
    store.write_manifest(run_dir, manifest)
    result = RunResult(
        run_dir=run_dir,
        status="running",
        replications=int(manifest.replications or 0),
        scenarios=scenarios,
        chunks=len(manifest.chunks),
        redone=redone,
        reps_per_point=int(manifest.reps_per_point or 0),
    )
    started = time.perf_counter()

    def report(task: ChunkTask, done: ChunkDone | None, error: str | None, tb: str) -> None:
        entry = entries[task.chunk.id]
        extra = entry.__pydantic_extra__ if entry.__pydantic_extra__ is not None else {}
        if done is not None:
            entry.status, entry.error, entry.seconds, entry.rows = "done", None, round(done.seconds, 3), done.rows
            extra.pop("traceback", None)
            result.chunks_run += 1
            result.replications_run += task.chunk.replications
        else:
            entry.status, entry.error, entry.seconds = "failed", error, None
            if tb:
                extra["traceback"] = tb[-4000:]
        store.write_manifest(run_dir, manifest)
        if done is not None and progress is not None:
            progress(task.chunk.replications)

    interrupted = False
    try:
        with _sigterm_interrupts():
            if client is not None:
                executors.run_dask(tasks, client, report)
            elif workers <= 1 or len(tasks) <= 1:
                model = model or chunks.prepared_model(
                    manifest.config_toml, str(manifest.config_path), tuple(manifest.overrides)
                )
                executors.run_in_process(tasks, model, report)
            else:
                executors.run_pool(tasks, workers, report)
    except (KeyboardInterrupt, Interrupted):
        interrupted = True
    finally:
        store.remove_temp_files(run_dir)
    seconds = time.perf_counter() - started
    failed = [e for e in manifest.chunks if e.status == "failed"]
    if interrupted:
        status = "interrupted"
    elif failed or any(e.status != "done" for e in manifest.chunks):
        status = "failed"
    else:
        status = "complete"
    session.update(seconds=round(seconds, 3), status=status)
    manifest.timings["seconds"] = round(float(manifest.timings.get("seconds", 0.0)) + seconds, 3)
    manifest.timings["finished"] = store.utc_now()
    manifest.status = status
    store.write_manifest(run_dir, manifest)
    result.status = status
    result.seconds = seconds
    result.chunks_done = sum(e.status == "done" for e in manifest.chunks)
    result.failed = [ChunkFailure(Chunk(e.id, e.first, e.last), str(e.error)) for e in failed]
    return result


def _unwritable(folder: Path, exc: OSError) -> ConfigError:
    return ConfigError(folder, "", f"cannot be written ({exc.strerror or exc})")


def start_run(
    config_path: str | Path,
    replications: int,
    root_seed: int,
    out: str | Path,
    *,
    run_id: str | None = None,
    scenarios: Sequence[str] | None = None,
    chunk_size: int | None = None,
    executor: Executor = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    overrides: Sequence[str] = (),
    design: Design | None = None,
    reps_per_point: int | None = None,
) -> RunResult:
    """Run a new batch into `out/<run-id>/`. Bad input (config, arguments, an unusable folder) is a ConfigError.

    Chunk failures do not raise: they are in the result (and the manifest), and `resume_run` retries them.
    `overrides`: `PATH=VALUE` settings applied to the config (and recorded in the manifest). With a `design`
    (`sim.runs.explore.start_explore`), `replications` counts its points and every point runs `reps_per_point`
    replications.
    """
    check_counts(replications, chunk_size, workers, root_seed)
    check_executor(executor)
    path = Path(config_path)
    load_config(path, overrides)  # every read or validation problem, named as the user wrote the path
    text = path.read_text(encoding="utf-8")
    absolute = str(path.resolve())
    config = folder.config_from_toml(text, absolute, absolute, overrides)
    selected = select_scenarios(config, scenarios)
    prepare_started = time.perf_counter()
    model = Model.prepare(config)
    prepare_seconds = time.perf_counter() - prepare_started
    population_sha = store.sha256_file(config.population.file) if config.population.file is not None else None
    size = chunk_size or default_chunk_size(replications)
    run_id = run_id or store.default_run_id(text, root_seed, replications)
    check_run_id(run_id)

    client = executors.dask_client(scheduler) if executor == "dask" else None
    out = Path(out)
    missing = [p for p in (out, *out.parents) if not p.exists()]
    run_dir = out / run_id
    try:
        out.mkdir(parents=True, exist_ok=True)
        run_dir.mkdir()
    except OSError as exc:
        _close(client)
        if isinstance(exc, FileExistsError) and out.is_dir():
            raise ConfigError(
                run_dir, "", "already exists: resume it with --resume, or choose another --run-id"
            ) from None
        _remove_created(missing)
        raise _unwritable(out, exc) from None
    lock = store.RunLock(run_dir)
    manifest = Manifest(
        run_id=run_id,
        created=store.utc_now(),
        package_version=sim.__version__,
        git_commit=store.git_commit(),
        schema_version=schema.SCHEMA_VERSION,
        config_path=absolute,
        config_sha256=store.sha256_bytes(text.encode("utf-8")),
        config_toml=text,
        population_file=str(config.population.file) if config.population.file is not None else None,
        population_sha256=population_sha,
        root_seed=root_seed,
        replications=replications,
        scenarios=list(selected),
        tables=list(schema.EXPLORE_TABLES if design is not None else schema.TABLES),
        chunk_size=size,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        status="running",
        timings={"started": store.utc_now(), "prepare_seconds": round(prepare_seconds, 3), "seconds": 0.0},
        chunks=[
            ChunkEntry(id=c.id, first=c.first, last=c.last, status="pending", error=None, seconds=None, rows=None)
            for c in plan_chunks(replications, size)
        ],
        overrides=list(overrides),
    )
    if design is not None:
        manifest.design, manifest.reps_per_point = design.to_record(), reps_per_point
    try:
        lock.acquire()
        store.write_manifest(run_dir, manifest)
    except OSError as exc:
        lock.release()
        _close(client)
        _remove_created([run_dir, *missing])
        raise _unwritable(out, exc) from None
    try:
        return _execute(run_dir, manifest, executor, workers, scheduler, progress, model, client)
    finally:
        lock.release()
        _close(client)


def _close(client: Any) -> None:
    if client is not None:
        with contextlib.suppress(Exception):
            client.close()


def _remove_created(folders: Sequence[Path]) -> None:
    """Undo what a failed start created (deepest first), so an unusable --out is left as it was."""
    for path in folders:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)


def resume_run(
    run_dir: str | Path,
    *,
    executor: Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run the chunks of an interrupted or failed batch that are missing; the result equals an uninterrupted run.

    Executor, workers and scheduler default to the run's own; any may change (the tables do not).
    """
    run_dir = Path(run_dir)
    manifest = folder.read_manifest(run_dir)
    where = run_dir / folder.MANIFEST
    for key in ("config_path", "root_seed", "replications", "chunk_size"):
        if getattr(manifest, key) is None:
            raise ConfigError(where, key, "missing: this folder was not written by `wsw-sim run`")
    text = manifest.config_toml
    if store.sha256_bytes(text.encode("utf-8")) != manifest.config_sha256:
        raise ConfigError(where, "config_toml", "does not match its config_sha256")
    config = folder.config_from_toml(text, str(manifest.config_path), where, manifest.overrides)
    if config.population.file is not None:
        try:
            now = store.sha256_file(config.population.file)
        except OSError as exc:
            raise ConfigError(config.population.file, "", f"cannot be read ({exc.strerror or exc})") from None
        if now != manifest.population_sha256:
            raise ConfigError(config.population.file, "", "has changed since the run started; it cannot be resumed")
    chosen: Executor = executor or ("dask" if manifest.executor == "dask" else "local")
    workers = int(manifest.workers or 1) if workers is None else workers
    scheduler = scheduler or manifest.scheduler
    check_counts(int(manifest.replications or 0), manifest.chunk_size, workers, int(manifest.root_seed or 0))
    lock = store.RunLock(run_dir)
    try:
        lock.acquire()
    except OSError as exc:
        raise _unwritable(run_dir, exc) from None
    try:
        client = executors.dask_client(scheduler) if chosen == "dask" else None
    except ConfigError:
        lock.release()
        raise
    try:
        return _execute(run_dir, manifest, chosen, workers, scheduler, progress, None, client)
    finally:
        lock.release()
        _close(client)
