"""The `wsw-sim` command with faults injected, for tests/test_faults.py only: `python tests/fault_hooks.py run ...`.

The faults live here, not in `sim`: this script replaces `sim.model.replication.simulate_replication` before the command
runs. Pool workers are spawned and import this script as their main module (`__mp_main__`), so they get the
same replacement. Environment variables choose the fault:

- WSW_TEST_FAIL_REPLICATION=r: replication r raises RuntimeError;
- WSW_TEST_HANG_REPLICATION=r with WSW_TEST_PIDFILE=path: the process that reaches replication r writes its
  pid to path and sleeps (the test then kills or signals it);
- WSW_TEST_HANG_WRITE_REPLICATION=r with WSW_TEST_PIDFILE=path: the process that ran replication r, when it
  writes its chunk's finance file, writes the first bytes of it, then its pid to path, and sleeps mid-write.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import sim.model.replication

_real = sim.model.replication.simulate_replication
_real_write = pq.write_table
_armed = False  # this process ran the replication whose chunk is to hang while it writes


def _hang() -> None:
    pidfile = Path(os.environ["WSW_TEST_PIDFILE"])
    tmp = pidfile.with_suffix(".tmp")
    tmp.write_text(str(os.getpid()))
    tmp.rename(pidfile)
    time.sleep(120)


def _faulty(model: Any, replication: int, root_seed: int, scenarios: Any = None) -> Any:
    global _armed
    if os.environ.get("WSW_TEST_FAIL_REPLICATION") == str(replication):
        raise RuntimeError(f"injected failure in replication {replication}")
    if os.environ.get("WSW_TEST_HANG_REPLICATION") == str(replication):
        _hang()
    if os.environ.get("WSW_TEST_HANG_WRITE_REPLICATION") == str(replication):
        _armed = True
    return _real(model, replication, root_seed, scenarios)


def _slow_write(table: Any, where: Any, **kwargs: Any) -> None:
    if _armed and (table.schema.metadata or {}).get(b"wsw_sim.table") == b"finance":
        where.write(b"PAR1 the first bytes of a finance file")
        where.flush()
        _hang()
    _real_write(table, where, **kwargs)


sim.model.replication.simulate_replication = _faulty
pq.write_table = _slow_write

if __name__ == "__main__":
    from wsw_sim.cli import main

    main()
