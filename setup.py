"""Build: compile the simulation's event callbacks (`sim/organisations.py`) with mypyc where a C compiler is at hand.

Everything else about the package is in pyproject.toml. A replication is a few thousand SimPy events whose
callbacks are Python; compiled, they take about a fifth fewer instructions and a batch runs about 1.5 times
as fast (benchmarks/ print which kind ran). The compiled module computes exactly what its source does, bit
for bit (tests/test_compiled.py).

Without a compiler, or with WSW_SIM_PURE_PYTHON=1 set at install time, the package installs as plain Python.
Next to each compiled module goes `_compiled.json`, the hash of the source it was compiled from: at run time
`sim.native` runs the source instead of a compiled module built from another version of it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext


def _native():  # sim/native.py imports only the standard library: the build environment can load it alone
    spec = importlib.util.spec_from_file_location("_wsw_sim_native", Path("sim/native.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


native = _native()

MYPY_OPTIONS = ["--config-file=", "--ignore-missing-imports"]
"""The build environment holds only the build tools: numpy, SimPy and pydantic are `Any` to mypyc (their types
do not enter the compiled code, which treats them as Python objects either way)."""

BUILDING = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}
"""setup.py commands that build the package (pip runs setup.py for its metadata first, twice)."""

compiled_from: dict[str, str] = {}
"""The hash of each compiled module's source when mypyc translated it (to C, before the C compiler runs)."""


def extensions() -> list:
    if not BUILDING.intersection(sys.argv) or native.pure_python_requested():
        return []
    paths = [name.replace(".", "/") + ".py" for name in native.COMPILED]
    try:
        from mypyc.build import mypycify

        modules = mypycify([*MYPY_OPTIONS, *paths], opt_level="3")
    except (Exception, SystemExit) as exc:  # no mypyc, or it refused: the plain-Python package is complete
        print(f"wsw-sim: not compiling {', '.join(paths)} ({exc}); running as plain Python", file=sys.stderr)
        return []
    for module in modules:
        module.optional = True  # no C compiler: build_ext warns and the source is used
    for name, path in zip(native.COMPILED, paths, strict=True):
        compiled_from[name] = native.source_hash(Path(path))
    return modules


class RecordingBuildExt(build_ext):
    """Builds the extensions, then writes what each compiled module was built from next to it.

    If any failed to build (they are optional), no record is left: whatever extension file is there is from
    an earlier build, and `sim.native` then runs the source.
    """

    def run(self) -> None:
        self.failed: list[str] = []
        super().run()
        folders = {Path(self.get_ext_fullpath(name)).parent for name in compiled_from}  # in place when editable
        for folder in folders:
            record = folder / native.RECORD_NAME
            if self.failed:
                record.unlink(missing_ok=True)
            else:
                record.write_text(json.dumps(compiled_from, indent=1) + "\n")

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except BaseException:
            self.failed.append(ext.name)
            raise


setup(ext_modules=extensions(), cmdclass={"build_ext": RecordingBuildExt})
