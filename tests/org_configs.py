"""Configs for organisation tests: configs/smoke.toml with changes written as nested dicts."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from sim.inputs.config import Config, config_from_dict

SMOKE = Path(__file__).resolve().parent.parent / "configs" / "smoke.toml"


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def smoke(changes: dict[str, Any] | None = None) -> Config:
    raw = tomllib.loads(SMOKE.read_text())
    return config_from_dict(merge(raw, changes or {}), source="smoke+changes", base_dir=SMOKE.parent)
