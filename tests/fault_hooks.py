"""The `wsw-sim` command with faults injected, for tests/test_faults.py only: `python tests/fault_hooks.py run ...`.

The faults live here, not in `sim`: this script replaces `sim.model.replication.simulate_replication` before the command
runs. Pool workers are spawned and import this script as their main module (`__mp_main__`), so they get the
same replacement. Environment variables choose the fault:

- WSW_TEST_FAIL_REPLICATION=r: replication r raises RuntimeError;
- WSW_TEST_HANG_REPLICATION=r with WSW_TEST_PIDFILE=path: the process that reaches replication r writes its
  pid to path and sleeps (the test then kills or signals it).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sim.model.replication

_real = sim.model.replication.simulate_replication


def _faulty(model: Any, replication: int, root_seed: int, scenarios: Any = None) -> Any:
    if os.environ.get("WSW_TEST_FAIL_REPLICATION") == str(replication):
        raise RuntimeError(f"injected failure in replication {replication}")
    if os.environ.get("WSW_TEST_HANG_REPLICATION") == str(replication):
        pidfile = Path(os.environ["WSW_TEST_PIDFILE"])
        tmp = pidfile.with_suffix(".tmp")
        tmp.write_text(str(os.getpid()))
        tmp.rename(pidfile)
        time.sleep(120)
    return _real(model, replication, root_seed, scenarios)


sim.model.replication.simulate_replication = _faulty

if __name__ == "__main__":
    from wsw_sim.cli import main

    main()
