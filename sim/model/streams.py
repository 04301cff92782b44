"""Random streams: one root SeedSequence per batch, one stream per (replication, purpose).

A stream is keyed by the replication number and a named purpose, never by a worker, a chunk or the order
in which things run, so a replication's numbers are the same however a batch is cut up. Purposes are
independent: a change to how placements use their stream leaves every demographic draw untouched, and every
scenario of a replication draws its demography from the same stream (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

PURPOSES = ("demography", "inflow", "placements", "parameters")


def purpose_key(purpose: str) -> int:
    """A stable 32-bit number for a purpose name (crc32, the same on every machine and Python)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown stream purpose {purpose!r}; known: {', '.join(PURPOSES)}")
    return zlib.crc32(purpose.encode("ascii"))


def seed_sequence(root_seed: int, replication: int, purpose: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(replication, purpose_key(purpose)))


def stream(root_seed: int, replication: int, purpose: str) -> np.random.Generator:
    """The generator for one purpose of one replication (PCG64, reproducible across platforms)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(root_seed, replication, purpose)))
