"""`--set PATH=VALUE`: one parameter changed by its config path, without editing the file.

An override is applied to the parsed TOML document before validation, so the changed config is checked
exactly as a file holding that value would be: a documented parameter (`{ value = ..., low = ..., high = ... }`)
gets a new `value` and keeps its range (a value outside the range is refused, naming the path), a plain
number is replaced. Paths are those of the `parameters` and `experiments` tables, for example
`organisations.defaults.fixed_overhead_eur_per_year` or `demography.illness.bands[2].hazard_per_year`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.errors import ConfigError
from sim.inputs.paths import path_parts


def parse_override(text: str, source: str = "--set") -> tuple[str, float]:
    """`PATH=VALUE` as (path, value); anything else is a `ConfigError` naming the override."""
    path, sep, value = text.partition("=")
    path, value = path.strip(), value.strip()
    if not sep or not path or not value:
        raise ConfigError(source, text, "an override is PATH=VALUE, for example money.discount_rate=0.02")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(source, path, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ConfigError(source, path, f"{value!r} is not a finite number")
    return path, number


def apply_overrides(raw: Mapping[str, Any], overrides: Sequence[str], source: str) -> dict[str, Any]:
    """A copy of the TOML document `raw` with every `PATH=VALUE` of `overrides` set (later ones win)."""
    document = copy.deepcopy(dict(raw))
    for text in overrides:
        path, value = parse_override(text, source="--set")
        _set(document, path, value, source)
    return document


def _set(document: dict[str, Any], path: str, value: float, source: str) -> None:
    parts = path_parts(path)
    if not parts or "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".") != path:
        raise ConfigError(source, path, "is not a config path (names separated by '.', list items as [i])")
    node: Any = document
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, path, source)
        if not isinstance(node, dict | list):
            raise ConfigError(source, path, f"no such parameter ({'.'.join(map(str, parts[: depth + 1]))} is a value)")
    last = parts[-1]
    current = _child(node, last, path, source)
    if isinstance(current, dict) and "value" in current:
        current["value"] = _like(current["value"], value, path, source)
    elif isinstance(current, int | float) and not isinstance(current, bool):
        node[last] = _like(current, value, path, source)
    else:
        raise ConfigError(source, path, "only a number can be set this way")


def _child(node: Any, part: str | int, path: str, source: str) -> Any:
    try:
        if isinstance(part, int):
            if not isinstance(node, list):
                raise KeyError(part)
            return node[part]
        if not isinstance(node, dict):
            raise KeyError(part)
        return node[part]
    except (KeyError, IndexError):
        raise ConfigError(source, path, "no such parameter in the config") from None


def _like(current: Any, value: float, path: str, source: str) -> int | float:
    """The new value as TOML would have it: a whole number where the file wrote one and the value is whole.

    A fraction where the file wrote a whole number stays a fraction: the field's own type decides (an amount
    written as 600000 takes 418227.6; a count refuses it when the config is validated, naming the path).
    """
    if isinstance(current, int) and not isinstance(current, bool) and value == round(value):
        return round(value)
    return value
