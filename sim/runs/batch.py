"""Monte Carlo batches: replications cut into chunks, run by an executor, streamed into the run store.

A chunk is a contiguous range of replications, run for every selected scenario (a replication's demography
is drawn once and shared by its scenarios, so a replication is never split across chunks). A chunk is the
unit of work, of writing and of resuming: the worker that runs it writes its files
(`sim.runs.store.chunk_path`), and the coordinator records it in the manifest once they are all in place.

A replication's numbers depend only on (config, root seed, replication number), so the tables read back are
the same for any number of workers, chunk size, executor and completion order; with the same chunk size the
files are byte for byte the same.

Executors:
- `local`: a pool of worker processes (forked from a clean fork server, `sim.runs.workers`, so they inherit nothing
  but what they are sent); with one worker the chunks run in this process.
- `dask`: chunks are tasks on an existing Dask cluster (`distributed.Client(scheduler)`); the workers write
  their chunk files into the run folder, which must be a path every worker sees.

Every worker process prepares the model (config, population, derived laws) once and keeps it for the chunks
it runs. Memory stays bounded by one chunk per worker: results go to disk, never back to the coordinator.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import multiprocessing as mp
import os
import signal
import threading
import time
import tomllib
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Literal

import sim
from sim.model import replication
from sim.runs import schema
from sim.runs import store
from sim.inputs.config import Config, config_from_dict, load_config
from sim.errors import ConfigError
from sim.model.replication import Model
from sim.runs.workers import context as workers_context

Executor = Literal["local", "dask"]
EXECUTORS: tuple[Executor, ...] = ("local", "dask")
MAX_DEFAULT_CHUNK = 25
"""The default chunk size: at most 25 replications, fewer for small batches so there are 20 chunks to share."""
DEFAULT_CHUNKS = 20
WORKER_DIED = "a worker process died while this chunk was in flight (killed, or out of memory)"

Progress = Callable[[int], None]
"""Called with the number of replications a finished chunk held."""


class Interrupted(Exception):
    """SIGTERM (or Ctrl-C) asked the batch to stop."""


@dataclass(frozen=True)
class Chunk:
    """Replications `first` to `last` (inclusive)."""

    id: int
    first: int
    last: int

    @property
    def replications(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk, anywhere: the config travels as its text."""

    run_dir: str
    config_toml: str
    config_path: str
    root_seed: int
    scenarios: tuple[str, ...]
    chunk: Chunk


@dataclass(frozen=True)
class ChunkDone:
    chunk: int
    seconds: float
    rows: int


@dataclass(frozen=True)
class ChunkFailure:
    chunk: Chunk
    error: str


@dataclass
class RunResult:
    """What a batch (or a resumed batch) did."""

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


# -------------------------------------------------------------------------------------------- planning


def default_chunk_size(replications: int) -> int:
    return max(1, min(MAX_DEFAULT_CHUNK, math.ceil(replications / DEFAULT_CHUNKS)))


def plan_chunks(replications: int, chunk_size: int) -> list[Chunk]:
    return [
        Chunk(i, first, min(first + chunk_size, replications) - 1)
        for i, first in enumerate(range(0, replications, chunk_size))
    ]


def select_scenarios(config: Config, names: Sequence[str] | None) -> tuple[str, ...]:
    """The named scenarios in config order (all when none are named); an unknown name is bad input."""
    if not names:
        return config.scenario_names
    unknown = [n for n in names if n not in config.scenarios]
    if unknown:
        raise ConfigError(
            config.source, "scenarios", f"unknown scenario {unknown[0]!r}; known: {', '.join(config.scenario_names)}"
        )
    return tuple(n for n in config.scenario_names if n in set(names))


def config_from_text(text: str, config_path: str) -> Config:
    """The config as every process of a batch sees it: parsed from the text kept in the manifest."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(config_path, "", f"is not valid TOML ({exc})") from None
    return config_from_dict(raw, source=config_path, base_dir=Path(config_path).parent)


# ------------------------------------------------------------------------------------------ one chunk


@functools.lru_cache(maxsize=4)
def _prepared_model(config_toml: str, config_path: str) -> Model:
    # One model per worker process and config: the population is built once, not once per chunk.
    return Model.prepare(config_from_text(config_toml, config_path))


def run_chunk(task: ChunkTask, model: Model | None = None) -> ChunkDone:
    """Run a chunk's replications and write its files (one per table and scenario).

    If anything goes wrong, none of the chunk's files is left behind, so a run folder holds whole chunks
    (after a kill -9 a chunk may be partly written; the manifest does not count it and a resume rewrites it).
    """
    started = time.perf_counter()
    run_dir = Path(task.run_dir)
    model = model or _prepared_model(task.config_toml, task.config_path)
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
        for path in store.chunk_paths(run_dir, task.chunk.id, task.scenarios):
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return ChunkDone(task.chunk.id, time.perf_counter() - started, rows)


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# ------------------------------------------------------------------------------------------ executors

Report = Callable[[ChunkTask, ChunkDone | None, str | None, str], None]
"""The coordinator's callback: (task, result or None, error or None, traceback text)."""


def _run_in_process(tasks: Sequence[ChunkTask], model: Model, report: Report) -> None:
    for task in tasks:
        try:
            done = run_chunk(task, model)
        except Exception as exc:
            report(task, None, describe(exc), traceback.format_exc())
        else:
            report(task, done, None, "")


_busy = False  # in a pool worker: whether a chunk is running (SIGTERM then unwinds it to clean up)


def _worker_terminated(signum: int, frame: FrameType | None) -> None:
    if _busy:
        raise SystemExit(128 + signum)
    os._exit(128 + signum)


def _watch_parent(sentinel: int) -> None:
    # A worker whose coordinator was killed would otherwise wait for work forever.
    from multiprocessing.connection import wait as wait_for

    wait_for([sentinel])
    os._exit(1)


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; the coordinator alone decides, and stops workers with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)
    parent = mp.parent_process()
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent.sentinel,), daemon=True).start()
    # A replication allocates many short-lived objects (events, heap entries) and no reference cycles worth
    # hunting often: young collections every 10,000 allocations rather than 700, and what was imported frozen
    # out of the collector's way (2-3% of a chunk's instructions).
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _pool_task(task: ChunkTask) -> ChunkDone:
    global _busy
    _busy = True
    try:
        return run_chunk(task)
    except SystemExit as exc:  # SIGTERM: the chunk's files are already removed
        os._exit(int(exc.code) if isinstance(exc.code, int) else 1)
    finally:
        _busy = False


def _stop_pool(executor: ProcessPoolExecutor) -> None:
    """Stop the workers now (SIGTERM: a running chunk removes its files) and wait until they are gone."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:
        p.join(10)
        if p.is_alive():
            p.kill()
            p.join()


def _run_pool(tasks: Sequence[ChunkTask], workers: int, report: Report) -> None:
    """A bounded pool: never more chunks in flight than workers, so a dead worker fails only those."""
    context = workers_context()
    pending = list(reversed(tasks))
    executor: ProcessPoolExecutor | None = None
    in_flight: dict[Future[ChunkDone], ChunkTask] = {}
    try:
        while pending or in_flight:
            if executor is None:
                size = min(workers, len(pending))
                executor = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_worker_init)
            broken = False
            while pending and len(in_flight) < workers:
                task = pending.pop()
                try:
                    future = executor.submit(_pool_task, task)
                except BrokenProcessPool:  # a worker died after the last chunk finished: this one never ran
                    pending.append(task)
                    broken = True
                    break
                in_flight[future] = task
            finished: set[Future[ChunkDone]] = set()
            if in_flight:
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = broken or any(isinstance(f.exception(), BrokenProcessPool) for f in finished)
            if broken:  # every chunk in flight is lost with the pool
                finished, _ = wait(in_flight)
            for future in sorted(finished, key=lambda f: in_flight[f].chunk.id):
                task = in_flight.pop(future)
                exc = future.exception()
                if exc is None:
                    report(task, future.result(), None, "")
                elif isinstance(exc, BrokenProcessPool):
                    report(task, None, WORKER_DIED, "")
                else:
                    cause = exc.__cause__
                    report(task, None, describe(exc), str(cause) if cause else "")
            if broken:
                executor.shutdown(wait=True)
                executor = None
    finally:
        if executor is not None:
            _stop_pool(executor)


def _dask_client(scheduler: str | None) -> Any:
    if not scheduler:
        raise ConfigError("--scheduler", "", "the dask executor needs the scheduler address (tcp://HOST:PORT)")
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--executor", "", "dask is not installed: pip install -e '.[dask]'") from None
    try:
        return Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError("--scheduler", "", f"cannot reach {scheduler} ({exc})") from None


def _run_dask(tasks: Sequence[ChunkTask], client: Any, report: Report) -> None:
    from distributed import as_completed

    session = uuid.uuid4().hex[:8]  # keys must not meet a finished task of an earlier session
    futures = {
        client.submit(run_chunk, task, key=f"wsw-sim-{session}-chunk-{task.chunk.id:05d}", retries=0): task
        for task in tasks
    }
    try:
        for future in as_completed(futures):
            task = futures[future]
            if future.status == "finished":
                report(task, future.result(), None, "")
            else:
                exc = future.exception()
                tb = "".join(traceback.format_tb(future.traceback())) if future.traceback() else ""
                report(task, None, describe(exc), tb)
    finally:
        client.cancel(list(futures))


# ---------------------------------------------------------------------------------------- coordinator


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


def _chunk_complete(run_dir: Path, entry: dict[str, Any], scenarios: Sequence[str]) -> bool:
    return entry["status"] == "done" and all(p.exists() for p in store.chunk_paths(run_dir, entry["id"], scenarios))


def _execute(
    run_dir: Path,
    manifest: dict[str, Any],
    executor: Executor,
    workers: int,
    scheduler: str | None,
    progress: Progress | None,
    model: Model | None,
    client: Any = None,
) -> RunResult:
    """Run the chunks of `manifest` that are not complete, recording each in the manifest as it finishes.

    `client` is the Dask client when the executor is `dask` (connected by the caller, before anything is
    written, so that an unreachable scheduler is bad input that leaves no trace).
    """
    scenarios = tuple(manifest["scenarios"])
    store.remove_temp_files(run_dir)
    tasks = [
        ChunkTask(
            run_dir=str(run_dir),
            config_toml=manifest["config_toml"],
            config_path=manifest["config_path"],
            root_seed=int(manifest["root_seed"]),
            scenarios=scenarios,
            chunk=Chunk(e["id"], e["first"], e["last"]),
        )
        for e in manifest["chunks"]
        if not _chunk_complete(run_dir, e, scenarios)
    ]
    entries = {e["id"]: e for e in manifest["chunks"]}
    for task in tasks:
        entries[task.chunk.id].update(status="pending", error=None)
    if client is not None:
        workers = len(client.scheduler_info().get("workers", {}))
    session: dict[str, Any] = {
        "started": store.utc_now(),
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "chunks": len(tasks),
    }
    manifest.setdefault("sessions", []).append(session)
    manifest["status"] = "running"
    store.write_manifest(run_dir, manifest)
    result = RunResult(
        run_dir=run_dir,
        status="running",
        replications=int(manifest["replications"]),
        scenarios=scenarios,
        chunks=len(manifest["chunks"]),
    )
    started = time.perf_counter()

    def report(task: ChunkTask, done: ChunkDone | None, error: str | None, tb: str) -> None:
        entry = entries[task.chunk.id]
        if done is not None:
            entry.update(status="done", error=None, seconds=round(done.seconds, 3))
            entry.pop("traceback", None)
            result.chunks_run += 1
            result.replications_run += task.chunk.replications
        else:
            entry.update(status="failed", error=error, seconds=None)
            if tb:
                entry["traceback"] = tb[-4000:]
        store.write_manifest(run_dir, manifest)
        if done is not None and progress is not None:
            progress(task.chunk.replications)

    interrupted = False
    try:
        with _sigterm_interrupts():
            if client is not None:
                _run_dask(tasks, client, report)
            elif workers <= 1 or len(tasks) <= 1:
                _run_in_process(
                    tasks, model or _prepared_model(manifest["config_toml"], manifest["config_path"]), report
                )
            else:
                _run_pool(tasks, workers, report)
    except (KeyboardInterrupt, Interrupted):
        interrupted = True
    finally:
        store.remove_temp_files(run_dir)
    seconds = time.perf_counter() - started
    failed = [e for e in manifest["chunks"] if e["status"] == "failed"]
    if interrupted:
        status = "interrupted"
    elif failed or any(e["status"] != "done" for e in manifest["chunks"]):
        status = "failed"
    else:
        status = "complete"
    session.update(seconds=round(seconds, 3), status=status)
    timings = manifest.setdefault("timings", {})
    timings["seconds"] = round(float(timings.get("seconds", 0.0)) + seconds, 3)
    timings["finished"] = store.utc_now()
    manifest["status"] = status
    store.write_manifest(run_dir, manifest)
    result.status = status
    result.seconds = seconds
    result.chunks_done = sum(e["status"] == "done" for e in manifest["chunks"])
    result.failed = [ChunkFailure(Chunk(e["id"], e["first"], e["last"]), str(e["error"])) for e in failed]
    return result


def _check_counts(replications: int, chunk_size: int | None, workers: int, root_seed: int) -> None:
    if replications < 1:
        raise ConfigError("--reps", "", "must be at least 1")
    if chunk_size is not None and chunk_size < 1:
        raise ConfigError("--chunk-size", "", "must be at least 1")
    if workers < 1:
        raise ConfigError("--workers", "", "must be at least 1")
    if root_seed < 0:
        raise ConfigError("--seed", "", "must be a non-negative integer")


def _check_run_id(run_id: str) -> None:
    if not run_id or run_id.startswith(".") or "/" in run_id or "\\" in run_id or run_id != run_id.strip():
        raise ConfigError("--run-id", "", f"{run_id!r} is not a folder name (no '/', no leading '.')")


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
) -> RunResult:
    """Run a new batch into `out/<run-id>/`. Bad input (config, arguments, an unusable folder) is a ConfigError.

    Chunk failures do not raise: they are in the result (and the manifest), and `resume_run` retries them.
    """
    _check_counts(replications, chunk_size, workers, root_seed)
    if executor not in EXECUTORS:
        raise ConfigError("--executor", "", f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)}")
    path = Path(config_path)
    load_config(path)  # every read or validation problem, named as the user wrote the path
    text = path.read_text(encoding="utf-8")
    absolute = str(path.resolve())
    config = config_from_text(text, absolute)
    selected = select_scenarios(config, scenarios)
    prepare_started = time.perf_counter()
    model = Model.prepare(config)
    prepare_seconds = time.perf_counter() - prepare_started
    population_sha = store.sha256_file(config.population.file) if config.population.file is not None else None
    size = chunk_size or default_chunk_size(replications)
    run_id = run_id or store.default_run_id(text, root_seed, replications)
    _check_run_id(run_id)

    client = _dask_client(scheduler) if executor == "dask" else None
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
    manifest = {
        "run_id": run_id,
        "created": store.utc_now(),
        "package_version": sim.__version__,
        "git_commit": store.git_commit(),
        "schema_version": schema.SCHEMA_VERSION,
        "config_path": absolute,
        "config_sha256": store.sha256_bytes(text.encode("utf-8")),
        "config_toml": text,
        "population_file": str(config.population.file) if config.population.file is not None else None,
        "population_sha256": population_sha,
        "root_seed": root_seed,
        "replications": replications,
        "scenarios": list(selected),
        "tables": list(schema.TABLES),
        "chunk_size": size,
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "status": "running",
        "timings": {"started": store.utc_now(), "prepare_seconds": round(prepare_seconds, 3), "seconds": 0.0},
        "chunks": [
            {"id": c.id, "first": c.first, "last": c.last, "status": "pending", "error": None, "seconds": None}
            for c in plan_chunks(replications, size)
        ],
    }
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
    import shutil

    for folder in folders:
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)


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
    manifest = store.read_manifest(run_dir)
    text = manifest["config_toml"]
    if store.sha256_bytes(text.encode("utf-8")) != manifest.get("config_sha256"):
        raise ConfigError(run_dir / store.MANIFEST, "config_toml", "does not match its config_sha256")
    config = config_from_text(text, manifest["config_path"])
    if config.population.file is not None:
        try:
            now = store.sha256_file(config.population.file)
        except OSError as exc:
            raise ConfigError(config.population.file, "", f"cannot be read ({exc.strerror or exc})") from None
        if now != manifest.get("population_sha256"):
            raise ConfigError(config.population.file, "", "has changed since the run started; it cannot be resumed")
    executor = executor or manifest.get("executor", "local")
    workers = int(manifest.get("workers", 1)) if workers is None else workers
    scheduler = scheduler or manifest.get("scheduler")
    _check_counts(int(manifest["replications"]), int(manifest["chunk_size"]), workers, int(manifest["root_seed"]))
    lock = store.RunLock(run_dir)
    try:
        lock.acquire()
    except OSError as exc:
        raise _unwritable(run_dir, exc) from None
    try:
        client = _dask_client(scheduler) if executor == "dask" else None
    except ConfigError:
        lock.release()
        raise
    try:
        return _execute(run_dir, manifest, executor, workers, scheduler, progress, None, client)
    finally:
        lock.release()
        _close(client)
