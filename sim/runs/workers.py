"""Where the local pool's worker processes come from: a fork server that has imported the simulation once.

Workers are forked from multiprocessing's fork server, a clean process that imports `sim.runs.executors` and
pandas once: a worker then starts in milliseconds instead of importing for most of a second, and still inherits
nothing of the coordinator but what it is sent (as a spawned process would). `warm_up()` starts that server
at the beginning of a command, so that its imports run beside the coordinator's own. Where there is no fork
server (Windows), workers are spawned.

This module imports only the standard library: it is used before anything heavy is imported.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from multiprocessing.context import BaseContext

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Workers are the parallelism: one BLAS thread each (a worker inherits the variables when it starts)."""

PRELOAD = ["sim.runs.executors", "pandas"]  # what every worker needs; pyarrow imports pandas on its first array


def context() -> BaseContext:
    """The multiprocessing context the local pool starts its workers with."""
    for variable in BLAS_THREADS:
        os.environ.setdefault(variable, "1")
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    forkserver = mp.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)
    return forkserver


def warm_up() -> None:
    """Start the fork server now (it imports while the caller goes on); a pool started later forks from it."""
    if context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
