"""Parameter uncertainty: parameters given with a distribution are drawn once per replication.

The draw comes from the replication's own `parameters` stream, so every scenario of a replication sees the
same value, and a config without uncertain parameters draws nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel

from sim.inputs.config.fields import ParamSpec


class Uncertain(Protocol):
    """A config with documented parameters, some drawn per replication (`sim.inputs.config.Config`)."""

    @property
    def uncertain(self) -> Mapping[str, ParamSpec]: ...


C = TypeVar("C", bound=Uncertain)

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_parts(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PART.findall(path)]


def get_at(node: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return node[part]
    if isinstance(node, BaseModel):
        return getattr(node, part)
    if isinstance(node, dict):
        # TOML keys are strings; typed dicts may have int keys (years)
        return node[part] if part in node else node[int(part)]
    raise KeyError(part)


def with_value(node: Any, parts: list[str | int], value: float) -> Any:
    """A copy of `node` with the value at `parts` replaced (frozen models are copied, never mutated)."""
    head, rest = parts[0], parts[1:]
    child = get_at(node, head)
    new_child = value if not rest else with_value(child, rest, value)
    if isinstance(child, int) and not isinstance(child, bool) and not rest:
        new_child = round(value)
    if isinstance(node, BaseModel):
        return node.model_copy(update={str(head): new_child})
    if isinstance(node, dict):
        key = head if head in node else int(head)
        return {**node, key: new_child}
    if isinstance(node, list | tuple):
        items = list(node)
        items[int(head)] = new_child
        return type(node)(items)
    raise TypeError(f"cannot set {head} on {type(node).__name__}")


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
