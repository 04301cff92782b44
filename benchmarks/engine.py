"""Milliseconds and SimPy events per replication of a config, with the demography alone timed separately.

The demography of one replication is: its `demography` stream, `draw_exits` (three vectorised draws a
person) and `resolve_exits` with the constant-form voluntary exit, exactly as a scenario without
organisations does it. A full replication is `run_replication`: people, every scenario (SimPy where a
scenario has organisations) and the Arrow tables. The process is pinned to one core where the OS allows.

Target (issue 2): the demography alone under 3 ms per replication on one core.

    python benchmarks/engine.py [--config configs/soweco_2019.toml] [--reps 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.inputs.config import load_config
from sim.model.demography import constant_form_voluntary_exit, draw_exits, resolve_exits
from sim.model.replication import Model, build_people, run_replication, simulate_scenario
from sim.model.streams import stream

ROOT = Path(__file__).resolve().parent.parent
TARGET_DEMOGRAPHY_MS = 3.0


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity on this OS)"


def timed_ms(function: Callable[[int], object], reps: int) -> list[float]:
    function(0)  # warm-up: imports, caches, first allocations
    out = []
    for r in range(reps):
        t0 = time.perf_counter()
        function(r)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> str:
    return f"median {statistics.median(ms):8.3f} ms   mean {statistics.fmean(ms):8.3f} ms   (n = {len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "soweco_2019.toml")
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pinned = pin_to_one_core()

    t0 = time.perf_counter()
    model = Model.prepare(load_config(args.config))
    prepare_ms = (time.perf_counter() - t0) * 1000
    pop, demography = model.population, model.demography
    entry = np.full(len(pop), model.start)
    scenarios = model.config.scenario_names

    def demography_alone(r: int) -> None:
        draws = draw_exits(pop, entry, demography, stream(args.seed, r, "demography"))
        resolve_exits(draws, constant_form_voluntary_exit(draws, pop.work_form, demography), model.end)

    demography_ms = timed_ms(demography_alone, args.reps)
    replication_ms = timed_ms(lambda r: run_replication(model, r, args.seed), args.reps)

    events = []
    for r in range(min(args.reps, 50)):
        people = build_people(model, model.config, demography, r, args.seed)
        events.append(
            sum(simulate_scenario(model, model.config, demography, s, people, r, args.seed).events for s in scenarios)
        )

    print(f"config          {args.config} ({len(pop)} persons, scenarios {', '.join(scenarios)})")
    print(f"set-up          {prepare_ms:.1f} ms once (config, population, laws); {pinned}")
    print(f"demography      {summary(demography_ms)}   draw_exits + resolve_exits, one replication")
    print(f"replication     {summary(replication_ms)}   all {len(scenarios)} scenarios, tables included")
    print(f"per scenario    {statistics.median(replication_ms) / len(scenarios):8.3f} ms median")
    print(
        f"SimPy events    {statistics.fmean(events):8.0f} processed per replication (mean of {len(events)}), "
        f"{statistics.fmean(events) / len(scenarios):.0f} per scenario"
    )
    if not any(events):
        print("                (no SimPy processes: the scenarios have no organisations, demography only)")
    met = statistics.median(demography_ms) < TARGET_DEMOGRAPHY_MS
    print(
        f"target          demography alone < {TARGET_DEMOGRAPHY_MS:.0f} ms per replication: "
        f"{'met' if met else 'NOT met'} (median {statistics.median(demography_ms):.3f} ms)"
    )


if __name__ == "__main__":
    main()
