"""Parameter uncertainty: parameters given with a distribution are drawn once per replication.

The draw comes from the replication's own `parameters` stream, so every scenario of a replication sees the
same value, and a config without uncertain parameters draws nothing at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from sim.config import Config, ParamSpec

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _PART.findall(path)]


def _get(node: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return node[part]
    if isinstance(node, BaseModel):
        return getattr(node, part)
    if isinstance(node, dict):
        # TOML keys are strings; typed dicts may have int keys (years)
        return node[part] if part in node else node[int(part)]
    raise KeyError(part)


def check_uncertain_paths(config: Config) -> None:
    """Every uncertain parameter must name a numeric field of the typed config."""
    from sim.config import ConfigError

    for path in config.uncertain:
        if path.startswith(("population.", "horizon.")):
            raise ConfigError(
                config.source,
                path,
                "the population and the horizon are fixed for a run; no distribution here",
            )
        node: Any = config
        try:
            for part in _parts(path):
                node = _get(node, part)
        except (KeyError, IndexError, AttributeError, ValueError):
            raise ConfigError(config.source, path, "no such parameter") from None
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise ConfigError(config.source, path, "a distribution can only be given for a number")
        _check_range_allowed(config, path)


def _check_range_allowed(config: Config, path: str) -> None:
    """Both ends of the range must be values the field accepts, or a replication could draw, say, a negative
    hazard that the config would have refused as a plain value (the fields' bounds are intervals)."""
    from sim.config import ConfigError

    spec = config.uncertain[path]
    for end in ("low", "high"):
        bound = getattr(spec, end)
        try:
            type(config).model_validate(_set(config, _parts(path), bound).model_dump())
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise ConfigError(
                config.source, f"{path}.{end}", f"{bound} is not allowed for this field ({reason})"
            ) from None


def _set(node: Any, parts: list[str | int], value: float) -> Any:
    """A copy of `node` with the value at `parts` replaced (frozen models are copied, never mutated)."""
    head, rest = parts[0], parts[1:]
    child = _get(node, head)
    new_child = value if not rest else _set(child, rest, value)
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


def draw_parameters(config: Config, rng: np.random.Generator) -> tuple[Config, dict[str, float]]:
    """Draw every uncertain parameter (in sorted path order, so the draws do not depend on TOML order)."""
    values: dict[str, float] = {}
    resolved = config
    for path in sorted(config.uncertain):
        value = draw(config.uncertain[path], rng)
        values[path] = value
        resolved = _set(resolved, _parts(path), value)
    return resolved, values
