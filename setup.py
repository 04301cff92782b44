"""Build: compile the simulation's event callbacks (`sim/organisations.py`) with mypyc where a C compiler is at hand.

Everything else about the package is in pyproject.toml. A replication is a few thousand SimPy events whose
callbacks are Python; compiled, they take about a fifth fewer instructions (benchmarks/engine.py prints which
kind ran). The compiled module computes exactly what its source does, bit for bit (tests/test_compiled.py).

Without a compiler, or with WSW_SIM_PURE_PYTHON=1 set at install time, the package installs as plain Python.
At run time `sim.native` runs the source instead of a compiled module built from another version of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import setup

COMPILED = ["sim/organisations.py"]
"""Modules compiled; each must be pure-Python-equivalent (no float `sum()`, whose rounding differs by version)."""

MYPY_OPTIONS = ["--config-file=", "--ignore-missing-imports"]
"""The build environment holds only the build tools: numpy, SimPy and pydantic are `Any` to mypyc (their types
do not enter the compiled code, which treats them as Python objects either way)."""

RECORD = Path("sim/_compiled.json")
"""Each compiled module's source hash at build time, for `sim.native` to tell a stale build."""

BUILDING = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}
"""setup.py commands that build the package (pip runs setup.py for its metadata first, twice)."""


def extensions() -> list:
    if not BUILDING.intersection(sys.argv):  # metadata only (pip asks for it first): no need to compile
        return []
    RECORD.write_text("{}\n")  # nothing compiled, until it is
    if os.environ.get("WSW_SIM_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify

        modules = mypycify([*MYPY_OPTIONS, *COMPILED], opt_level="3")
    except (Exception, SystemExit) as exc:  # no mypyc, or it refused: the plain-Python package is complete
        print(f"wsw-sim: not compiling {', '.join(COMPILED)} ({exc}); running as plain Python", file=sys.stderr)
        return []
    for module in modules:
        module.optional = True  # no C compiler: build_ext warns and the source is used
    sources = {path[:-3].replace("/", "."): hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in COMPILED}
    RECORD.write_text(json.dumps(sources, indent=1) + "\n")
    return modules


setup(ext_modules=extensions())
