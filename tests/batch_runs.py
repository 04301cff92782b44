"""Helpers for the batch tests: run the command in a subprocess, read a run folder back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa

from sim.runs import folder, schema, store

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke.toml"
FAULT_HOOKS = ROOT / "tests" / "fault_hooks.py"


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    out.update(extra)
    return out


def command(*args: str | Path, hooks: bool = False) -> list[str]:
    entry = [str(FAULT_HOOKS)] if hooks else ["-m", "wsw_sim.cli"]
    return [sys.executable, *entry, *map(str, args)]


def cli(*args: str | Path, hooks: bool = False, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args, hooks=hooks), env=env(**extra), capture_output=True, text=True, timeout=timeout, check=False
    )


def tables(run_dir: Path) -> dict[str, pa.Table]:
    return {name: folder.read_table(run_dir, name) for name in schema.TABLES}


def data_files(run_dir: Path) -> dict[str, bytes]:
    """Every file a reader sees (hidden names excluded), by path relative to the run folder."""
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for p in sorted(run_dir.rglob("*.parquet"))
        if not any(part.startswith(".") for part in p.relative_to(run_dir).parts)
    }


def hidden_files(run_dir: Path) -> list[Path]:
    return [p for p in run_dir.rglob(".*") if p.name not in (folder.LOCK, store.OWNER)]
