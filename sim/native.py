"""Which kind of `sim.organisations` runs: the one compiled at install time (setup.py, mypyc) or its source.

Both compute the same numbers, bit for bit; the compiled one is faster. The source runs instead when
- the compiled module was built from another version of the source (an edit, a checkout since the last
  `make setup`), or nothing says what it was built from (a build that failed part way): a warning says so,
  once per process;
- WSW_SIM_PURE_PYTHON=1 is set, to debug, profile or trace the Python code, or to check the two agree.

`install()` (called by `sim/__init__.py`) puts a finder in front of the import system that decides, for
the compiled modules only. This module imports only the standard library: `sim` is imported before anything heavy.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

COMPILED = ("sim.organisations",)
"""The modules setup.py compiles (the Makefile's COMPILED names their files, to rebuild on a change).

Each must compute exactly what its source does: no float `sum()`, say, whose rounding differs between
Python versions (a compiled one is a loop)."""

PURE_PYTHON = "WSW_SIM_PURE_PYTHON"
"""Set to 1 (in the environment of the process and its workers) to run the source of compiled modules."""

RECORD_NAME = "_compiled.json"
"""Written by setup.py next to the compiled modules: for each, the sha256 of the source it was compiled from."""


def source_hash(path: Path) -> str:
    """What a compiled module is recorded as built from, and what its source is checked against."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pure_python_requested() -> bool:
    return os.environ.get(PURE_PYTHON, "") not in ("", "0")


def built_from(folder: Path) -> dict[str, str]:
    """The compiled modules in `folder` and the hash of the source each was built from (empty: none known)."""
    try:
        record = json.loads((folder / RECORD_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in record.items()} if isinstance(record, dict) else {}


def is_compiled(module: ModuleType) -> bool:
    """Whether `module` was loaded from a compiled extension rather than its source."""
    spec = getattr(module, "__spec__", None)
    return spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader)


def describe() -> str:
    """Which kind of `sim.organisations` this process runs (and so its workers, which see the same files)."""
    import sim.organisations

    if is_compiled(sim.organisations):
        return "compiled (mypyc)"
    if pure_python_requested():
        return f"source ({PURE_PYTHON}=1)"
    return "source (nothing compiled at install, or the source changed since)"


class SourceWhenStale(importlib.abc.MetaPathFinder):
    """Finds a compiled module's source instead of the extension when asked to, or when the extension is stale."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return spec
        extension = Path(spec.origin)
        source = extension.with_name(fullname.rpartition(".")[2] + ".py")
        if pure_python_requested():
            return importlib.util.spec_from_file_location(fullname, source)
        try:
            current = source_hash(source)
        except OSError:  # an installed package without its sources: the extension is all there is
            return spec
        if current == built_from(extension.parent).get(fullname):
            return spec
        warnings.warn(  # once per process: a module is found once, then it is in sys.modules
            f"{fullname}: {source} changed since it was compiled; running the source, which is slower "
            "(`make setup` or `pip install -e .` compiles it again)",
            RuntimeWarning,
            stacklevel=2,
        )
        return importlib.util.spec_from_file_location(fullname, source)


def install() -> None:
    if not any(isinstance(f, SourceWhenStale) for f in sys.meta_path):
        sys.meta_path.insert(0, SourceWhenStale())
