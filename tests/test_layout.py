"""The layout holds: small modules, no import circles, `analysis` free of SimPy, SimPy's public API only.

These read the source (the import graph from the syntax tree, every import counted, including those inside
functions and under TYPE_CHECKING), so they fail the moment a change breaks the architecture, not when a
reader trips over it.
"""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "analysis", "wsw_sim")
MAX_LINES = 450


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its `__init__`)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
            # importing a.b.c runs the __init__ of a and a.b first: a circle through them is as real as any
            # (inside its own package a module finds those already running, so they are not its imports)
            parent = target.rpartition(".")[0]
            while parent:
                if parent in known and not name.startswith(parent + "."):
                    out.add(parent)
                parent = parent.rpartition(".")[0]
    return out


@functools.cache
def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def is_package_init(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def test_no_module_is_over_the_line_limit():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines (one concept per module): {long}"


def test_there_is_no_import_circle():
    # a package's __init__ re-exporting its modules is not a circle with them: leave those edges out
    edges = {v: {w for w in ws if not (is_package_init(w) and v.startswith(w + "."))} for v, ws in graph().items()}
    assert cycles(edges) == []


def test_the_circle_finder_finds_a_planted_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_sim_never_imports_analysis_or_the_command_line():
    bad = {v: sorted(w for w in ws if w.split(".")[0] in ("analysis", "wsw_sim")) for v, ws in graph().items()}
    assert {v: ws for v, ws in bad.items() if v.startswith("sim") and ws} == {}


def test_analysis_imports_no_simulation_code():
    """`analysis` reads run folders (sim.runs, sim.inputs) but never the model, in the source or at run time."""
    edges = graph()
    model = {v: sorted(w for w in ws if w.startswith(("sim.model", "sim.checks"))) for v, ws in edges.items()}
    assert {v: ws for v, ws in model.items() if v.startswith("analysis") and ws} == {}
    names = [n for n in modules() if n.startswith("analysis")]
    code = (
        f"import importlib, sys\nfor n in {names!r}: importlib.import_module(n)\n"
        "print(sorted(m for m in sys.modules if m == 'simpy' or m.startswith(('simpy.', 'sim.model', 'sim.checks'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


SIMPY_PRIVATE = re.compile(r"\._(eid|ok|value|queue|now|defused|triggered)\b|\bURGENT\b|\bNORMAL\b|events\.Initialize")


@pytest.mark.parametrize("name", sorted(n for n in modules() if n.startswith("sim")))
def test_no_simpy_private_state(name):
    """STYLE.md: SimPy's public API only (`env.process`, `env.timeout`, resources, `yield`, `event.callbacks`)."""
    source = modules()[name].read_text(encoding="utf-8")
    if "simpy" not in source:
        return
    hits = [line.strip() for line in source.splitlines() if SIMPY_PRIVATE.search(line)]
    assert hits == []
