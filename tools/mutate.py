"""Mutation testing on demand (`make mutate`): mutmut 3 over the modules that matter, each with its own tests.

Each group below names the source files to mutate and the test files that cover them: the one mapping of
modules to tests. A group runs in its own scratch copy of the repository (`.mutate/<group>/`, ignored by git),
with a `[tool.mutmut]` section written into that copy's pyproject.toml, so groups never share state and the
worktree itself is never mutated. mutmut runs, for each mutant, only those of the group's tests that executed
the mutated function (it records that in a clean run first), in forked children.

Usage::

    make mutate                          # every group
    make mutate MUTATE="streams personnel"
    .venv/bin/python tools/mutate.py streams --max-children 2

The summary gives per source file: mutants, killed, survived, timeout, no tests (no test of the
group ran that function), other (suspicious, skipped, ...); then every survivor by name. `mutmut show NAME`,
run inside `.mutate/<group>/`, prints a survivor's diff (`--show-diffs` prints them all here).

Why mutmut and not cosmic-ray: cosmic-ray's operators found one mutant in `sim/model/streams.py` (it does not
touch call arguments or strings), so it could not have caught the purpose left out of the stream key; mutmut
drops and replaces call arguments and strings, and its forked, test-selecting runner is many times faster
than a fresh pytest per mutant on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # group: (files to mutate, test files that cover them; a `::test` name after a file leaves that test out)
    "finance": (
        ("sim/model/finance.py",),
        ("tests/test_finance.py", "tests/test_organisations.py"),
    ),
    "streams": (
        ("sim/model/streams.py",),
        ("tests/test_streams.py",),
    ),
    "demography": (
        ("sim/model/demography.py", "sim/model/mortality.py", "sim/model/retirement.py"),
        (
            "tests/test_demography.py",
            "tests/test_mortality.py",
            "tests/test_retirement.py",
            "tests/test_oracle.py",
        ),
    ),
    "store": (
        ("sim/runs/store.py",),
        ("tests/test_store.py", "tests/test_faults.py"),
    ),
    "personnel": (
        ("sim/inputs/personnel*.py",),
        (
            "tests/test_personnel.py",
            "tests/test_personnel_files.py",
            "tests/test_personnel_columns.py",
            "tests/test_personnel_cells.py",
            "tests/test_personnel_pseudonyms.py",
            # a real subprocess (2 s a mutant) that checks what the in-process command tests check too
            "-tests/test_personnel.py::test_import_subprocess_without_traceback",
        ),
    ),
}

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"
# the packages and data a test may import or read; copied into the scratch copy and into mutmut's `mutants/`
COPIED = ("sim", "analysis", "wsw_sim", "tests", "configs", "benchmarks", "pyproject.toml", "README.md")


def tracked_files() -> list[Path]:
    """The repository's files as a fresh clone would have them, plus new files not yet committed."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *COPIED],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [Path(line) for line in out.splitlines() if (ROOT / line).is_file()]


def prepare(group: str) -> Path:
    """A fresh scratch copy of the repository with this group's mutmut configuration."""
    sources, tests = GROUPS[group]
    work = WORK / group
    if work.exists():
        shutil.rmtree(work)  # always fresh: a stale mutants/ folder would report results of old code
    for rel in tracked_files():
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    files = [t for t in tests if not t.startswith("-")]
    left_out = [arg for t in tests if t.startswith("-") for arg in ("--deselect", t[1:])]
    missing = [t for t in files if not (work / t).exists()]
    if missing:
        raise SystemExit(f"group {group}: test file(s) not found: {', '.join(missing)}")
    section = [
        "",
        "[tool.mutmut]",
        'source_paths = ["sim"]',
        f"only_mutate = {json.dumps(list(sources))}",
        f"also_copy = {json.dumps([c for c in COPIED if c not in ('sim', 'tests', 'pyproject.toml')])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(files)}",
        # -p no:cacheprovider: no .pytest_cache written from forked children; -x: one failure kills a mutant
        f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', '-x', '-q', *left_out])}",
        "timeout_multiplier = 5.0",
        "timeout_constant = 5.0",
    ]
    with open(work / "pyproject.toml", "a", encoding="utf-8") as fh:
        fh.write("\n".join(section) + "\n")
    return work


def mutmut() -> str:
    found = Path(sys.executable).parent / "mutmut"
    return str(found) if found.exists() else "mutmut"


def results(work: Path) -> dict[str, dict[str, int | None]]:
    """Exit code of every mutant, per mutated source file (from mutmut's `.meta` files)."""
    out: dict[str, dict[str, int | None]] = {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(work / "mutants").as_posix().removesuffix(".meta")
        out[source] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return out


def report(group: str, work: Path, show_diffs: bool) -> tuple[int, int]:
    """Print the group's figures and survivors; return (mutants, killed)."""
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    total = killed = 0
    survivors: list[str] = []
    print(f"\n== {group}")
    heads = ("mutants", "killed", "survived", "timeout", "no tests", "other")
    print(f"{'file':42} " + " ".join(f"{h:>8}" for h in heads) + "  killed%")
    for source, codes in results(work).items():
        counts = Counter(status_by_exit_code[code] for code in codes.values())
        # a segfault or a timeout is the mutant failing the tests too
        k = counts["killed"] + counts["segfault"] + counts["caught by type check"]
        n, k = len(codes), k + counts["timeout"]
        other = n - k - counts["survived"] - counts["no tests"]
        share = f"{100 * k / n:.1f}" if n else "-"
        print(
            f"{source:42} {n:8} {counts['killed']:8} {counts['survived']:8} {counts['timeout']:8} "
            f"{counts['no tests']:8} {other:8}  {share}"
        )
        total, killed = total + n, killed + k
        survivors += [name for name, code in codes.items() if status_by_exit_code[code] in ("survived", "no tests")]
    if survivors:
        print(f"survivors and untested ({len(survivors)}):")
        for name in sorted(survivors):
            print(f"  {name}")
            if show_diffs:
                diff = subprocess.run([mutmut(), "show", name], cwd=work, capture_output=True, text=True).stdout
                print("    " + "\n    ".join(diff.strip().splitlines()[1:]))
    return total, killed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"groups to run (default all): {', '.join(GROUPS)}")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="parallel mutants")
    parser.add_argument("--show-diffs", action="store_true", help="print the diff of every survivor")
    parser.add_argument("--report-only", action="store_true", help="print the figures of the last run again")
    args = parser.parse_args(argv)
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    figures: dict[str, tuple[int, int]] = {}
    for group in args.groups or list(GROUPS):
        work = WORK / group
        if not args.report_only:
            work = prepare(group)
            print(f"== {group}: mutmut run in {work.relative_to(ROOT)}", flush=True)
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            done = subprocess.run([mutmut(), "run", "--max-children", str(args.max_children)], cwd=work, env=env)
            if done.returncode != 0:
                print(f"mutmut failed for {group} (exit {done.returncode})", file=sys.stderr)
                return 1
        figures[group] = report(group, work, args.show_diffs)
    print("\n== summary (killed includes timeouts)")
    for group, (n, k) in figures.items():
        print(f"{group:12} {n:6} mutants {k:6} killed  {100 * k / n if n else 0:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
