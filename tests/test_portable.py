"""Portable: every module imports, and a batch runs, locks and resumes, where there is no `fcntl` (Windows).

CI cannot run Windows, so a subprocess makes `fcntl` unimportable before anything else is imported
(`sys.modules["fcntl"] = None`), then imports every module of `sim`, `analysis` and `wsw_sim` and runs a
small batch through the library: `filelock` then falls back to its marker-file lock, which must still refuse
a second process and must not let a killed owner block a resume.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from batch_runs import ROOT, SMOKE, data_files, env

from sim.runs import batch

WITHOUT_FCNTL = """
import sys
sys.modules["fcntl"] = None  # import fcntl now raises ImportError, as on Windows
import importlib, json, os, pkgutil, signal, subprocess, warnings
from pathlib import Path
warnings.filterwarnings("ignore", "only soft file lock is available")
"""

IMPORT_EVERYTHING = """
names = []
for package in ("sim", "analysis", "wsw_sim"):
    module = importlib.import_module(package)
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
        names.append(info.name)
assert sys.modules["fcntl"] is None
print(json.dumps(names))
"""

HOLD_THE_LOCK = """
from sim.runs.store import RunLock
lock = RunLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""

BATCH_LOCK_RESUME = """
import filelock
from sim.errors import ConfigError
from sim.runs import batch, store
config, out, hold = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
assert filelock.FileLock.__name__ == "SoftFileLock", filelock.FileLock
result = batch.start_run(config, 3, 7, out, run_id="p", chunk_size=2, workers=1)
assert result.status == "complete", result
run_dir = result.run_dir
holder = subprocess.Popen([sys.executable, "-c", hold, str(run_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True)
assert holder.stdout.readline().strip() == "held"
try:
    batch.resume_run(run_dir)
    raise AssertionError("a second process ran in a locked run folder")
except ConfigError as exc:
    refused = str(exc)
holder.kill()  # the owner dies without releasing: its marker stays behind
holder.wait()
assert (run_dir / store.LOCK).exists()
resumed = batch.resume_run(run_dir)
print(json.dumps({"refused": refused, "holder": holder.pid, "resumed": resumed.status}))
"""


def _python(*code: str, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent("".join(code))
    return subprocess.run(
        [sys.executable, "-c", script, *args], env=env(), capture_output=True, text=True, timeout=300, check=False
    )


def test_every_module_imports_without_fcntl() -> None:
    done = _python(WITHOUT_FCNTL, IMPORT_EVERYTHING)
    assert done.returncode == 0, done.stderr
    names = set(json.loads(done.stdout))
    expected = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in ("sim", "analysis", "wsw_sim")
        for p in (ROOT / package).rglob("*.py")
    }
    assert expected <= names, expected - names


def test_a_batch_runs_locks_and_resumes_without_fcntl(tmp_path: Path) -> None:
    hold = textwrap.dedent(WITHOUT_FCNTL + HOLD_THE_LOCK)
    done = _python(WITHOUT_FCNTL, BATCH_LOCK_RESUME, args=(str(SMOKE), str(tmp_path / "portable"), hold))
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["refused"] == f"{tmp_path / 'portable' / 'p'}: is in use by another run (pid {outcome['holder']})"
    assert outcome["resumed"] == "complete"
    # the same batch with fcntl: the same bytes
    same = batch.start_run(SMOKE, 3, 7, tmp_path / "posix", run_id="p", chunk_size=2, workers=1)
    assert data_files(same.run_dir) == data_files(tmp_path / "portable" / "p")
