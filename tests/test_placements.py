"""Placements: exact traces of openings, coach queues and group contracts with two or three employees."""

from __future__ import annotations

import math

import numpy as np
import pytest
from org_configs import smoke

from sim.domain import BESCHUT, GROEP, INDIVIDUEEL
from sim.model.organisations import World
from sim.model.scenario import run_scenario
from sim.model.workforce import WEEKS_PER_YEAR, Workforce

NO_NORMS = {"beschut_binnen": 0.0, "groepsdetachering": 0.0, "individuele_detachering": 0.0, "begeleid_werken": 0.0}


def config(openings=1.0, contracts=0.0, duration=1e12, group_size=8):
    return smoke(
        {
            "horizon": {"end_year": 2019},
            "organisations": {
                "defaults": {
                    "coach_min_team_fte": 1.0,
                    "coach_trajectories_per_fte": 1.0,
                    "coach_fte_per_100_persons": NO_NORMS,
                    "coaching_weeks": 12.0,
                    "placement_ambition": 0.5,
                    "placement_duration_years_mean": {"individuele_detachering": duration, "begeleid_werken": 1e12},
                    "group_size_persons": group_size,
                    "group_contract_duration_years_mean": 1e12,
                },
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": openings, "begeleid_werken": 0.0},
                    "group_contracts_won_per_year_reference": contracts,
                },
            },
        }
    )


def world(cfg, placeability, waits=()):
    """A world of len(placeability) employees of one municipality in beschut_binnen; fixed waits between the
    openings (or contracts: a test gives only one kind a positive rate)."""
    n = len(placeability)
    people = Workforce(
        municipality=np.zeros(n, np.int16),
        se=np.ones(n),
        entry=np.full(n, 2019.0),
        demographic_exit=np.full(n, np.inf),
        voluntary_budget=np.full(n, np.inf),
        voluntary_hazard=np.zeros(4),
        form=np.full(n, BESCHUT, np.intp),
        placeability=np.asarray(placeability, float),
    )
    w = World(cfg, people, np.random.default_rng(0), cfg.scenarios["shared"].timeline, 2019.0, 2020.0)
    fixed = iter(waits)
    w.interarrival = lambda rate: next(fixed, math.inf) if rate > 0 else math.inf
    return w, people


def test_a_placement_waits_for_a_busy_coach_exact_trace():
    """One coach slot, two openings 0.05 years apart: the second candidate waits for the first's coaching."""
    w, people = world(config(), [0.1, 0.2, 0.9], waits=[0.10, 0.05, 0.05])  # the third does not seek a placement
    run_scenario(w)
    coaching = 12.0 / WEEKS_PER_YEAR
    first_start = 2019.10 + coaching
    second_start = first_start + coaching  # waited for the coach from 2019.15 to first_start
    assert [(p, round(t, 12), f) for p, t, f in people.moves] == [
        (0, round(first_start, 12), INDIVIDUEEL),
        (1, round(second_start, 12), INDIVIDUEEL),
    ]
    waits = {p: wait for p, _, wait in people.waits}
    assert waits[0] == pytest.approx(0.0)
    assert waits[1] == pytest.approx((first_start - 2019.15) * WEEKS_PER_YEAR)
    # the third opening (2019.20) found no candidate: person 2 does not seek one, 0 and 1 were busy or placed
    assert people.form.tolist() == [INDIVIDUEEL, INDIVIDUEEL, BESCHUT]


def test_an_opening_that_finds_nobody_is_lost_and_the_next_one_takes_the_returned_candidate():
    # one candidate, placed at 2019.1 + coaching; the placement ends at 2019.5 (fixed below). The opening at
    # 2019.3 finds nobody (the candidate is in a trajectory) and does nothing; the one at 2019.6 places them again
    w, people = world(config(), [0.1], waits=[0.1, 0.2, 0.3])
    real_start = w.env.process
    trajectories = []

    def placement_ends_at_half_year(generator):
        process = real_start(generator)
        if generator.__name__ == "placement_trajectory" and not trajectories:
            trajectories.append(process)
            process.callbacks.append(lambda _: people.end_placement_at(0, 2019.5))
        return process

    w.env.process = placement_ends_at_half_year
    run_scenario(w)
    coaching = 12.0 / WEEKS_PER_YEAR
    assert [(p, round(t, 9), f) for p, t, f in people.moves] == [
        (0, round(2019.1 + coaching, 9), INDIVIDUEEL),
        (0, 2019.5, BESCHUT),
        (0, round(2019.6 + coaching, 9), INDIVIDUEEL),
    ]


def test_a_group_contract_needs_half_a_crew():
    # crews of 4: the first contract (2019.2) takes the four most placeable candidates; the second (2019.4)
    # finds one, less than half a crew, and is lost: the candidate stays in the pool
    cfg = config(openings=0.0, contracts=1.0, group_size=4)
    w, people = world(cfg, [0.1, 0.2, 0.3, 0.4, 0.45], waits=[0.2, 0.2])
    run_scenario(w)
    assert people.moves == [(p, 2019.2, GROEP) for p in range(4)]
    assert people.crew.tolist() == [0, 0, 0, 0, -1]
    assert [person for _, person in w.organisations["Regio"].pool] == [4]
