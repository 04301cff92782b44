"""Executors: where the chunks of a batch run, each reporting every chunk's outcome to the coordinator.

- in process: one worker, the chunks run here, one after another;
- `local`: a pool of worker processes (forked from a clean fork server, `sim.runs.workers`, so they inherit
  nothing but what they are sent); never more chunks in flight than workers, so a worker that dies costs
  only the chunk it held;
- `dask`: chunks are tasks on an existing Dask cluster (`distributed.Client(scheduler)`); the workers write
  their chunk files into the run folder, which must be a path every worker sees.

Memory stays bounded by one chunk per worker: results go to disk, never back to the coordinator. A pool
worker stopped with SIGTERM while it writes unwinds the chunk (`sim.runs.chunks.run_chunk` removes its
files, the atomic writer its temporary file) before it exits.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any

from sim.errors import ConfigError
from sim.model.replication import Model
from sim.runs import chunks
from sim.runs.chunks import ChunkDone, ChunkTask
from sim.runs.workers import context as workers_context

WORKER_DIED = "a worker process died while this chunk was in flight (killed, or out of memory)"

Report = Callable[[ChunkTask, ChunkDone | None, str | None, str], None]
"""The coordinator's callback: (task, result or None, error or None, traceback text)."""


def run_in_process(tasks: Sequence[ChunkTask], model: Model, report: Report) -> None:
    for task in tasks:
        try:
            done = chunks.run_chunk(task, model)
        except Exception as exc:
            report(task, None, chunks.describe(exc), traceback.format_exc())
        else:
            report(task, done, None, "")


_busy = False  # in a pool worker: whether a chunk is running (SIGTERM then unwinds it to clean up)
_stopping = 0  # in a pool worker: the signal that stopped it, once it came while a chunk was running
_lost_stop = threading.Event()  # set when that stop was swallowed by a finaliser (see `_unraisable`)


def _worker_terminated(signum: int, frame: FrameType | None) -> None:
    global _stopping
    if _busy:
        _stopping = signum
        raise SystemExit(128 + signum)
    os._exit(128 + signum)


def _unraisable(hook: Any) -> None:
    # SIGTERM can land while a finaliser runs (a Parquet writer's __del__, say). Python swallows an exception
    # raised there and prints it as "Exception ignored in ...": the chunk would go on as if never stopped. So
    # the stop is delivered again a moment later (`_deliver_lost_stops`), when the main thread is back in
    # ordinary code. Only our own stop is taken: any other exception in a finaliser is printed as usual.
    if issubclass(hook.exc_type, SystemExit) and _busy and _stopping:
        if not hasattr(signal, "pthread_kill"):  # Windows: no signal reaches a handler there anyway
            os._exit(128 + _stopping)
        _lost_stop.set()
        return
    _default_unraisable(hook)


_default_unraisable = sys.unraisablehook


def _deliver_lost_stops(main_thread: int) -> None:
    # Started before any chunk runs, so that the hook above need not start a thread (or take any lock but
    # the event's) while a finaliser may hold who knows what.
    while True:
        _lost_stop.wait()
        _lost_stop.clear()
        time.sleep(0.01)
        signal.pthread_kill(main_thread, _stopping)


def _watch_parent(sentinel: int) -> None:
    # A worker whose coordinator was killed would otherwise wait for work forever.
    from multiprocessing.connection import wait as wait_for

    wait_for([sentinel])
    os._exit(1)


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; the coordinator alone decides, and stops workers with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)
    sys.unraisablehook = _unraisable
    if hasattr(signal, "pthread_kill"):
        main = threading.main_thread().ident or 0
        threading.Thread(target=_deliver_lost_stops, args=(main,), daemon=True).start()
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
        return chunks.run_chunk(task)
    except SystemExit as exc:  # SIGTERM: the chunk's files are already removed
        os._exit(int(exc.code) if isinstance(exc.code, int) else 1)
    finally:
        _busy = False


def _stop_pool(executor: ProcessPoolExecutor, workers: set[mp.process.BaseProcess]) -> None:
    """Stop the workers now (SIGTERM: a running chunk removes its files) and wait until they are gone."""
    executor.shutdown(wait=False, cancel_futures=True)
    for p in workers:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in workers:
        p.join(10)
        if p.is_alive():
            p.kill()
            p.join()


def run_pool(tasks: Sequence[ChunkTask], workers: int, report: Report) -> None:
    """A bounded pool: never more chunks in flight than workers, so a dead worker fails only those."""
    context = workers_context()
    pending = list(reversed(tasks))
    executor: ProcessPoolExecutor | None = None
    others: set[mp.process.BaseProcess] = set()  # child processes that are not this pool's workers
    in_flight: dict[Future[ChunkDone], ChunkTask] = {}
    try:
        while pending or in_flight:
            if executor is None:
                others = set(mp.active_children())
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
                    report(task, None, chunks.describe(exc), str(cause) if cause else "")
            if broken:
                executor.shutdown(wait=True)
                executor = None
    finally:
        if executor is not None:
            # The pool's workers are the children that were not there before it (the pool starts them).
            _stop_pool(executor, set(mp.active_children()) - others)


def dask_client(scheduler: str | None) -> Any:
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


def run_dask(tasks: Sequence[ChunkTask], client: Any, report: Report) -> None:
    from distributed import as_completed

    session = uuid.uuid4().hex[:8]  # keys must not meet a finished task of an earlier session
    futures = {
        client.submit(chunks.run_chunk, task, key=f"wsw-sim-{session}-chunk-{task.chunk.id:05d}", retries=0): task
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
                report(task, None, chunks.describe(exc), tb)
    finally:
        client.cancel(list(futures))
