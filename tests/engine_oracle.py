"""Independent re-computations for engine tests: AOW dates month by month, and config dicts from smoke.toml.

The AOW oracle walks the calendar one month at a time and stops at the first month in which the person's age
reaches the AOW age of that month's year; it shares no code with `sim.model.demography.retirement_month`.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from pathlib import Path
from typing import Any

from sim.inputs.config import AowConfig, Config, config_from_dict

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
SMOKE = CONFIGS / "smoke.toml"
SOWECO = CONFIGS / "soweco_2019.toml"


def aow_age_months(cfg: AowConfig, year: int) -> int:
    """The AOW age (months) of a calendar year: the table, then the projection in whole steps from the table's
    last age (rounded down), never falling."""
    table = cfg.months_by_year
    first, last = min(table), max(table)
    if year <= last:
        return table[max(year, first)]
    points = [(last, float(table[last])), *cfg.projection]
    value = points[-1][1]
    for (y0, m0), (y1, m1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            value = m0 + (m1 - m0) * (year - y0) / (y1 - y0)
            break
    steps = int((value - table[last]) // cfg.step_months)  # whole steps added to the last statutory age
    stepped = table[last] + steps * cfg.step_months
    return max(stepped, aow_age_months(cfg, year - 1))


def aow_date_month(cfg: AowConfig, birth_month: int) -> int:
    """The month index (year * 12 + month - 1) of the AOW date of somebody born in `birth_month`."""
    month = birth_month + 55 * 12
    while month - birth_month < aow_age_months(cfg, month // 12):
        month += 1
    return month


def raw(path: Path = SMOKE) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def with_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with `changes` merged in; a value None deletes the key."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = with_changes(out[key], value)
        else:
            out[key] = value
    return out


def baseline_only(data: dict[str, Any]) -> dict[str, Any]:
    """The config without organisation scenarios: demography only (no SimPy), one scenario `baseline`.

    Its `[analysis]` table goes too: it names a scenario that is no longer there."""
    out = {k: copy.deepcopy(v) for k, v in data.items() if k not in ("organisations", "money", "analysis")}
    out["scenarios"] = {"baseline": {}}
    return out


def config(changes: dict[str, Any] | None = None, path: Path = SMOKE, source: str = "test.toml") -> Config:
    return config_from_dict(with_changes(raw(path), changes or {}), source=source, base_dir=path.parent)
