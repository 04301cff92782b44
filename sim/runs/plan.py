"""Planning a batch: replications cut into chunks, the scenarios chosen, the counts checked.

A chunk is a contiguous range of replications, run for every selected scenario (a replication's demography
is drawn once and shared by its scenarios, so a replication is never split across chunks). A chunk is the
unit of work, of writing and of resuming.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sim.errors import ConfigError
from sim.inputs.config import Config

Executor = Literal["local", "dask"]
EXECUTORS: tuple[Executor, ...] = ("local", "dask")
MAX_DEFAULT_CHUNK = 25
"""The default chunk size: at most 25 replications, fewer for small batches so there are 20 chunks to share."""
DEFAULT_CHUNKS = 20


@dataclass(frozen=True)
class Chunk:
    """Replications `first` to `last` (inclusive)."""

    id: int
    first: int
    last: int

    @property
    def replications(self) -> int:
        return self.last - self.first + 1


def default_chunk_size(replications: int) -> int:
    return max(1, min(MAX_DEFAULT_CHUNK, math.ceil(replications / DEFAULT_CHUNKS)))


def plan_chunks(replications: int, chunk_size: int) -> list[Chunk]:
    return [
        Chunk(i, first, min(first + chunk_size, replications) - 1)
        for i, first in enumerate(range(0, replications, chunk_size))
    ]


def select_scenarios(config: Config, names: Sequence[str] | None) -> tuple[str, ...]:
    """The named scenarios in config order (all when none are named); an unknown name is bad input."""
    if not names:
        return config.scenario_names
    unknown = [n for n in names if n not in config.scenarios]
    if unknown:
        raise ConfigError(
            config.source, "scenarios", f"unknown scenario {unknown[0]!r}; known: {', '.join(config.scenario_names)}"
        )
    return tuple(n for n in config.scenario_names if n in set(names))


def check_counts(replications: int, chunk_size: int | None, workers: int, root_seed: int) -> None:
    """Bad counts are bad input, named by the option that gives them."""
    if replications < 1:
        raise ConfigError("--reps", "", "must be at least 1")
    if chunk_size is not None and chunk_size < 1:
        raise ConfigError("--chunk-size", "", "must be at least 1")
    if workers < 1:
        raise ConfigError("--workers", "", "must be at least 1")
    if root_seed < 0:
        raise ConfigError("--seed", "", "must be a non-negative integer")


def check_executor(executor: str) -> None:
    if executor not in EXECUTORS:
        raise ConfigError("--executor", "", f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)}")


def check_run_id(run_id: str) -> None:
    if not run_id or run_id.startswith(".") or "/" in run_id or "\\" in run_id or run_id != run_id.strip():
        raise ConfigError("--run-id", "", f"{run_id!r} is not a folder name (no '/', no leading '.')")
