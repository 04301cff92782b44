"""Config paths: `a.b[2].c` names one field of a config document or of the typed config built from it.

The same paths name parameters everywhere: in `Config.uncertain`, the `parameters` table, overrides and
explorations. Frozen models are never changed: `with_value` returns a copy.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_parts(path: str) -> list[str | int]:
    """`a.b[2].c` -> ['a', 'b', 2, 'c']."""
    return [name if name else int(index) for name, index in _PART.findall(path)]


def get_at(node: Any, part: str | int) -> Any:
    """One step down a path: a list item, a model field or a dict key (years may be int keys)."""
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
