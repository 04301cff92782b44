"""Milliseconds and SimPy events per replication-scenario of the full model, against a plain SimPy model.

The plain model is how one would first write it: one process per employee that draws its own exit times
inside the process (scalar draws), waits for openings from an organisation's store, queues for a coach,
and a yearly process that counts everybody. Same people, same laws, same openings and coaching parameters,
one shared organisation. The full model draws exits vectorised up front, gives processes only to the
openings, trajectories and reviews, and tallies afterwards.

Target (issue 12): the full model at most 0.15 of the time per replication-scenario of the plain model.
Events are counted as processed (`ScenarioEnvironment.processed`, and the same count for the plain model).

    python benchmarks/organisations.py [--config configs/soweco_2019.toml] [--reps 20]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import numpy as np
import simpy

from sim.domain import BESCHUT, INDIVIDUEEL, WORK_FORMS
from sim.inputs.config import load_config
from sim.model.replication import Model, collect, simulate_replication
from sim.model.retirement import retirement_month
from sim.model.workforce import WEEKS_PER_YEAR

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.15


class CountingEnvironment(simpy.Environment):
    """SimPy's environment, counting the events it processes (as the full model's environment does)."""

    processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


def plain_model(model: Model, replication: int) -> tuple[int, dict[int, int]]:
    """The naive model of one scenario (one shared organisation); returns (events, persons by year-end)."""
    config = model.config
    orgs = config.organisations
    assert orgs is not None
    params = orgs.defaults
    pop = model.population
    demography = model.demography
    rng = np.random.default_rng(replication)
    env = CountingEnvironment(initial_time=model.start)
    fte = max(params.coach_min_team_fte, 10.0)
    coaches = simpy.Resource(env, capacity=max(1, math.floor(fte * params.coach_trajectories_per_fte)))
    openings = simpy.Store(env)
    form = pop.work_form.copy()
    employed = np.ones(len(pop), bool)
    retire = retirement_month(pop.birth_month, demography.aow) / 12.0
    counts: dict[int, int] = {}

    def employee(i: int):
        age = model.start - pop.birth_month[i] / 12.0
        law = demography.mortality[pop.sex[i]]
        e = rng.standard_exponential()
        death = (
            model.start
            + math.log(math.exp(law.b * age) + e * law.b / (law.a * demography.excess_mortality)) / law.b
            - age
        )
        illness = (
            model.start
            + float(demography.illness.inverse_from(np.array([age]), np.array([rng.standard_exponential()]))[0])
            - age
        )
        rate = demography.voluntary_hazard_per_year[form[i]]
        voluntary = model.start + rng.standard_exponential() / rate if rate > 0 else math.inf
        leave = min(retire[i], death, illness, voluntary)
        placeable = rng.random() < params.placement_ambition
        exit_event = env.timeout(max(0.0, min(leave, model.end) - env.now))
        while not exit_event.processed:
            if form[i] == BESCHUT and placeable:
                get = openings.get()
                result = yield get | exit_event
                if exit_event in result:
                    get.cancel()
                    break
                with coaches.request() as request:
                    yield request | exit_event
                    if exit_event.processed:
                        break
                    yield env.timeout(params.coaching_weeks / WEEKS_PER_YEAR) | exit_event
                form[i] = INDIVIDUEEL
                duration = rng.exponential(params.placement_duration_years_mean["individuele_detachering"])
                yield env.timeout(duration) | exit_event
                form[i] = BESCHUT
            else:
                yield exit_event
        employed[i] = False

    def employer_openings():
        rate = orgs.network.openings_per_year_reference["individuele_detachering"]
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            if len(openings.items) < 5:
                yield openings.put("opening")

    def yearly_count():
        while True:
            counts[int(env.now) - 1] = int(employed.sum())
            yield env.timeout(1.0)

    for i in range(len(pop)):
        env.process(employee(i))
    env.process(employer_openings())
    env.process(yearly_count())
    env.run(until=model.end)
    return env.processed, counts


def full_model(model: Model, replication: int, scenario: str) -> int:
    run = simulate_replication(model, replication, 1, [scenario])  # the people, then this scenario
    collect([run], scenario)
    return run.outcomes[scenario].events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "configs" / "soweco_2019.toml"))
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    model = Model.prepare(load_config(args.config))
    print(f"{args.config}: {len(model.population)} persons, {args.reps} replications per measurement")
    full_ms: dict[str, list[float]] = {}
    full_events: dict[str, list[int]] = {}
    for scenario in model.config.scenario_names:
        full_model(model, 0, scenario)  # warm up
        for r in range(args.reps):
            t0 = time.perf_counter()
            events = full_model(model, r, scenario)
            full_ms.setdefault(scenario, []).append((time.perf_counter() - t0) * 1000)
            full_events.setdefault(scenario, []).append(events)
    plain_ms, plain_events = [], []
    for r in range(args.reps):
        t0 = time.perf_counter()
        events, _ = plain_model(model, r)
        plain_ms.append((time.perf_counter() - t0) * 1000)
        plain_events.append(events)
    print(f"{'model':<28}{'ms median':>10}{'ms mean':>10}{'events':>10}")
    for scenario in full_ms:
        print(
            f"{'full: ' + scenario:<28}{statistics.median(full_ms[scenario]):>10.1f}"
            f"{statistics.mean(full_ms[scenario]):>10.1f}{statistics.mean(full_events[scenario]):>10.0f}"
        )
    print(
        f"{'plain (one org, ind. only)':<28}{statistics.median(plain_ms):>10.1f}{statistics.mean(plain_ms):>10.1f}"
        f"{statistics.mean(plain_events):>10.0f}"
    )
    shared = statistics.median(full_ms.get("shared", next(iter(full_ms.values()))))
    ratio = shared / statistics.median(plain_ms)
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"ratio full(shared) / plain = {ratio:.3f}  (target <= {TARGET_RATIO}: {verdict})")
    print(f"forms of work: {', '.join(WORK_FORMS)}")


if __name__ == "__main__":
    main()
