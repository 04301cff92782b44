"""Experimental designs over the ranged parameters of a config: which parameter values each design point gets.

An exploration varies every parameter that has a range (`Config.ranged`: `low` and `high` in the config),
or only the named ones, uniformly over its range, with a design from SALib (a kept library, not a
hand-written sampler):
- `lhs`: a Latin hypercube of `samples` points (any number);
- `sobol`: Saltelli's extension of a Sobol' sequence for first-order and total indices, `samples` a power of
  two, giving samples x (parameters + 2) points;
- `morris`: `samples` one-at-a-time trajectories on a grid of `MORRIS_LEVELS` levels, giving samples x
  (parameters + 1) points.
Points are numbered from 0 in the order SALib gives them, which the sensitivity analysis relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.errors import ConfigError
from sim.inputs.config import Config
from sim.inputs.config.root import check_range_allowed

DesignKind = Literal["lhs", "sobol", "morris"]
DESIGNS: tuple[DesignKind, ...] = ("lhs", "sobol", "morris")
MORRIS_LEVELS = 4
"""Grid levels of a Morris design (SALib's default; the analysis must use the same)."""


@dataclass(frozen=True)
class Design:
    """The design points: `values[point, j]` is parameter `names[j]` (a config path) at that point."""

    kind: DesignKind
    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    samples: int
    seed: int
    values: np.ndarray

    @property
    def points(self) -> int:
        return int(self.values.shape[0])

    def problem(self) -> dict[str, object]:
        """The design as SALib's problem dictionary (for its analysis functions)."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": list(zip(self.low, self.high, strict=True)),
        }

    def point(self, index: int) -> dict[str, float]:
        return dict(zip(self.names, self.values[index].tolist(), strict=True))

    def to_record(self) -> dict[str, object]:
        """What the manifest keeps to rebuild the design exactly (`from_record`)."""
        return {
            "kind": self.kind,
            "names": list(self.names),
            "low": list(self.low),
            "high": list(self.high),
            "samples": self.samples,
            "seed": self.seed,
        }

    @classmethod
    def from_record(cls, record: dict[str, object]) -> Design:
        names = [str(n) for n in record["names"]]  # type: ignore[attr-defined]
        return make_design(
            str(record["kind"]),
            names,
            [float(x) for x in record["low"]],  # type: ignore[attr-defined]
            [float(x) for x in record["high"]],  # type: ignore[attr-defined]
            int(record["samples"]),  # type: ignore[call-overload]
            int(record["seed"]),  # type: ignore[call-overload]
        )


def explored_parameters(config: Config, wanted: Sequence[str] = ()) -> tuple[list[str], list[float], list[float]]:
    """The parameters an exploration varies (all ranged ones, or `wanted`), sorted by path, with their ranges.

    A name that is not a parameter of the config, or has no range, is bad input naming it.
    """
    if wanted:
        unknown = [p for p in wanted if p not in config.ranged]
        if unknown:
            name = unknown[0]
            why = "has no range (low and high)" if _is_parameter(config, name) else "is not a parameter of the config"
            raise ConfigError(config.source, name, f"--param {name} {why}")
        names = sorted(set(wanted))
    else:
        names = sorted(config.ranged)
    if not names:
        raise ConfigError(config.source, "", "no parameter has a range (low and high): nothing to explore")
    for name in names:
        check_range_allowed(config, name)
    spread = [name for name in names if config.ranged[name].low == config.ranged[name].high]
    if spread:
        raise ConfigError(config.source, spread[0], "low equals high: a range of one value cannot be explored")
    low = [float(config.ranged[n].low) for n in names]  # type: ignore[arg-type]
    high = [float(config.ranged[n].high) for n in names]  # type: ignore[arg-type]
    return names, low, high


def _is_parameter(config: Config, path: str) -> bool:
    from sim.inputs.paths import get_at, path_parts

    node: object = config
    try:
        for part in path_parts(path):
            node = get_at(node, part)
    except (KeyError, IndexError, AttributeError, ValueError):
        return False
    return isinstance(node, int | float) and not isinstance(node, bool)


def make_design(
    kind: str, names: Sequence[str], low: Sequence[float], high: Sequence[float], samples: int, seed: int
) -> Design:
    """The design points of `kind` for these parameters; `samples` as the design counts them (see module)."""
    from SALib.sample import latin, morris
    from SALib.sample import sobol as saltelli

    if kind not in DESIGNS:
        raise ConfigError("--design", kind, f"unknown design; known: {', '.join(DESIGNS)}")
    if samples < 2:
        raise ConfigError("--samples", str(samples), "at least 2 samples are needed")
    problem = {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[lo, hi] for lo, hi in zip(low, high, strict=True)],
    }
    if kind == "lhs":
        values = latin.sample(problem, samples, seed=seed)
    elif kind == "sobol":
        if samples & (samples - 1):
            lower = 1 << (samples.bit_length() - 1)
            raise ConfigError(
                "--samples", str(samples), f"a Sobol design needs a power of two (for example {lower} or {lower * 2})"
            )
        values = saltelli.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        values = morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
    return Design(
        kind=kind,
        names=tuple(names),
        low=tuple(float(x) for x in low),
        high=tuple(float(x) for x in high),
        samples=samples,
        seed=seed,
        values=np.asarray(values, dtype=float),
    )


def design_for(config: Config, kind: str, samples: int, seed: int, params: Sequence[str] = ()) -> Design:
    """The design of an exploration of `config` (see `explored_parameters`, `make_design`)."""
    names, low, high = explored_parameters(config, params)
    return make_design(kind, names, low, high, samples, seed)
