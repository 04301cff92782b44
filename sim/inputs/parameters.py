"""Parameter uncertainty: parameters given with a distribution are drawn once per replication.

The draw comes from the replication's own `parameters` stream, so every scenario of a replication sees the
same value, and a config without uncertain parameters draws nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

import numpy as np

from sim.inputs.config.fields import ParamSpec
from sim.inputs.paths import path_parts, with_value


class Uncertain(Protocol):
    """A config with documented parameters, some drawn per replication (`sim.inputs.config.Config`)."""

    @property
    def uncertain(self) -> Mapping[str, ParamSpec]: ...


C = TypeVar("C", bound=Uncertain)


def draw(spec: ParamSpec, rng: np.random.Generator) -> float:
    assert spec.low is not None and spec.high is not None
    if spec.dist == "uniform":
        return float(rng.uniform(spec.low, spec.high))
    if spec.dist == "triangular":
        if spec.low == spec.high:
            return spec.low
        return float(rng.triangular(spec.low, spec.value, spec.high))
    raise ValueError(f"unknown distribution {spec.dist!r}")


def draw_parameters(config: C, rng: np.random.Generator) -> tuple[C, dict[str, float]]:
    """Draw every uncertain parameter (in sorted path order, so the draws do not depend on TOML order)."""
    values: dict[str, float] = {}
    resolved = config
    for path in sorted(config.uncertain):
        value = draw(config.uncertain[path], rng)
        values[path] = value
        resolved = with_value(resolved, path_parts(path), value)
    return resolved, values
