"""The compiled `sim.organisations` (setup.py, mypyc) computes what its source does, bit for bit.

Where the install compiled nothing (no C compiler, or WSW_SIM_PURE_PYTHON=1 at install) the comparisons are
skipped on a developer's machine and fail in CI (CI=true), so they cannot silently disappear there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from batch_runs import ROOT, SMOKE, data_files, env

import sim.organisations
from sim import batch, native

SOWECO = ROOT / "configs" / "soweco_2019.toml"


@pytest.fixture(scope="module")
def compiled() -> None:
    if not native.is_compiled(sim.organisations):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("sim.organisations is not compiled in CI: see the output of `make setup`")
        pytest.skip("sim.organisations runs from its source here (nothing compiled, or the source changed since)")


def python_run(config: Path, reps: int, seed: int, out: Path) -> Path:
    """The same batch in a process that runs the source of every compiled module."""
    run = f"batch.start_run({str(config)!r}, {reps}, {seed}, {str(out)!r}, chunk_size={reps})"
    code = f"from sim import batch; print({run}.run_dir)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env(**{native.PURE_PYTHON: "1"}), capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip().splitlines()[-1])


def soweco_variant(folder: Path) -> Path:
    """soweco_2019 down the other paths: coaches divided by SE, inflow, a parameter drawn per replication."""
    text = SOWECO.read_text()
    for old, new in [
        ('division_key = "persons"', 'division_key = "se"'),
        ("persons_per_year = 0", "persons_per_year = 25"),
        ("high = 2.5, note", 'high = 2.5, dist = "uniform", note'),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / "soweco_variant.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("config", "reps"), [(SMOKE, 8), (SOWECO, 3), ("variant", 3)])
def test_compiled_and_source_write_the_same_bytes(
    compiled: None, tmp_path: Path, config: Path | str, reps: int
) -> None:
    config = soweco_variant(tmp_path) if config == "variant" else Path(config)
    compiled_run = batch.start_run(config, reps, 5, tmp_path / "compiled", chunk_size=reps).run_dir
    source_run = python_run(config, reps, 5, tmp_path / "source")
    got, want = data_files(source_run), data_files(compiled_run)
    assert got == want
    assert len(want) >= 8
    if config.name == "soweco_variant.toml":
        assert (compiled_run / "parameters").exists()


def probe(before_import: str) -> str:
    """Which file `sim.organisations` loads from in a fresh process, after `before_import` ran."""
    code = textwrap.dedent(
        f"""
        import sys, warnings
        import sim.native
        {before_import}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import sim.organisations
        print(sim.native.is_compiled(sim.organisations), len(caught), *(w.message for w in caught))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_source_runs_where_it_changed_since_the_build_and_says_so(compiled: None) -> None:
    assert probe("") == "True 0"
    shown = probe("sim.native.built_from = lambda folder: {'sim.organisations': '0' * 64}")
    assert shown.startswith("False 1 sim.organisations:") and "changed since it was compiled" in shown
    assert probe(f"import os; os.environ[{native.PURE_PYTHON!r}] = '1'") == "False 0"
