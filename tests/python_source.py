"""`sim.organisations` run from its source, for tests that replace a method of `World` to watch it.

The installed module is compiled (setup.py), and a compiled class's methods cannot be replaced from Python:
such a test loads the source as a module of its own and has `sim.replication` build its worlds from it. The
two compute the same numbers (tests/test_compiled.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import sim.organisations
from sim import replication


def organisations_from_source(mp: pytest.MonkeyPatch) -> ModuleType:
    """The source of `sim.organisations`, which `sim.replication` uses until `mp` undoes it."""
    name = "sim._organisations_source"
    source = Path(sim.organisations.__file__).with_name("organisations.py")
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    mp.setitem(sys.modules, name, module)  # dataclasses look their module up while the classes are made
    spec.loader.exec_module(module)
    mp.setattr(replication, "World", module.World)
    mp.setattr(replication, "Workforce", module.Workforce)
    return module
