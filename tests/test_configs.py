"""The shipped configs: each loads, and every `sim.` module or function it cites in a comment or note exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from sim.inputs.config import load_config

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.toml"))
DOTTED = re.compile(r"(?<![\w.])sim(?:\.[A-Za-z_]\w*)+")


def resolves(dotted: str) -> bool:
    """Whether `dotted` names a module, or an attribute reached from the longest importable module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def test_there_are_configs() -> None:
    assert {p.name for p in CONFIGS} >= {"smoke.toml", "soweco_2019.toml", "national_2016.toml"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_a_config_loads(path: Path) -> None:
    assert load_config(path).source


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_cited_sim_name_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    cited = sorted({m.group(0).rstrip(".") for m in DOTTED.finditer(text)})
    missing = [name for name in cited if not resolves(name)]
    assert not missing, f"{path.name} cites {missing}"


def test_the_check_itself_tells_real_names_from_made_up_ones() -> None:
    assert resolves("sim.checks.calibration.calibrate")
    assert resolves("sim.checks.calibration")
    assert not resolves("sim.calibration.fit_start_age")
    assert not resolves("sim.checks.calibration.fit_start_age")
    assert [m.group(0) for m in DOTTED.finditer("see (sim.model.mortality.Gompertz), not wsw_sim.cli")] == [
        "sim.model.mortality.Gompertz"
    ]
