"""The workforce: voluntary-exit budgets that move with the form of work, and ends applied at their own time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.domain import BEGELEID, BESCHUT, GROEP, INDIVIDUEEL
from sim.model.workforce import ScenarioEnvironment, Workforce


def workforce(n: int, form: int = BESCHUT, hazard=(0.0, 0.0, 0.0, 0.0), budget=math.inf, exits=math.inf) -> Workforce:
    return Workforce(
        municipality=np.zeros(n, np.int16),
        se=np.ones(n),
        entry=np.full(n, 2019.0),
        demographic_exit=np.broadcast_to(np.asarray(exits, float), (n,)).copy(),
        voluntary_budget=np.full(n, budget),
        voluntary_hazard=np.asarray(hazard, float),
        form=np.full(n, form, np.intp),
        placeability=np.linspace(0.1, 0.9, n),
    )


def test_a_change_of_form_keeps_the_voluntary_exit_budget():
    # budget 1.0 spent at 0.1 a year in beschut_binnen: 2029; at 2021 (0.2 spent) to a form at 0.2 a year:
    # the 0.8 left lasts 4 years, 2025; back at 2023 (0.4 more spent, 0.4 left at 0.1 a year): 2027
    hazards = [0.1, 0.1, 0.2, 0.0]
    people = workforce(1, hazard=hazards, budget=1.0)
    assert people.exit_time[0] == pytest.approx(2029.0)
    people.set_form(0, INDIVIDUEEL, 2021.0)
    assert people.exit_time[0] == pytest.approx(2025.0)
    people.set_form(0, BESCHUT, 2023.0)
    assert people.exit_time[0] == pytest.approx(2027.0)
    people.set_form(0, BEGELEID, 2024.0)  # no voluntary hazard in begeleid_werken: only the demographic exit
    assert people.exit_time[0] == math.inf
    assert people.exits == people.exit_time.tolist()
    assert people.moves == [(0, 2021.0, INDIVIDUEEL), (0, 2023.0, BESCHUT), (0, 2024.0, BEGELEID)]


def test_ends_are_applied_at_their_own_time_before_the_next_event():
    people = workforce(3, form=INDIVIDUEEL, exits=[math.inf, 2019.4, math.inf])
    returned = []
    people.on_return = lambda person, at: returned.append((person, at))
    env = ScenarioEnvironment(people, 2019.0)
    people.end_placement_at(0, 2019.5)
    people.end_placement_at(1, 2019.5)  # leaves at 2019.4, before the end: stays gone
    people.end_placement_at(2, 2020.5)  # after the horizon
    seen = []
    for t in (0.3, 0.7):
        env.timeout(t).callbacks.append(lambda _: seen.append((env.now, list(people.forms))))
    env.run(until=2020.0)
    assert seen == [(2019.3, [INDIVIDUEEL] * 3), (2019.7, [BESCHUT, INDIVIDUEEL, INDIVIDUEEL])]
    assert returned == [(0, 2019.5)]
    assert people.moves == [(0, 2019.5, BESCHUT)]
    assert env.processed == 3  # two timeouts and the end of the run: the ends cost no event


def test_a_group_contract_ends_for_the_members_still_employed_at_once():
    people = workforce(3, form=GROEP, exits=[math.inf, 2019.2, math.inf])
    env = ScenarioEnvironment(people, 2019.0)
    people.new_crew(np.array([0, 1, 2]), 2019.6)
    env.run(until=2020.0)
    assert people.forms == [BESCHUT, GROEP, BESCHUT]
    assert people.moves == [(0, 2019.6, BESCHUT), (2, 2019.6, BESCHUT)]
    assert people.crew.tolist() == [-1, -1, -1]


def test_ends_due_at_the_end_of_the_horizon_are_applied_and_later_ones_not():
    people = workforce(2, form=INDIVIDUEEL)
    env = ScenarioEnvironment(people, 2019.0)
    people.end_placement_at(0, 2020.0)
    people.end_placement_at(1, 2020.25)
    env.run(until=2020.0)
    assert people.forms == [BESCHUT, INDIVIDUEEL]


def test_a_voluntary_budget_is_spent_at_the_hazard_of_form_and_age():
    # born mid-1979 (40 in mid-2019); hazard 0.1 a year in beschut_binnen, 0.2 seconded, halved from age 40.
    # By 2020: 0.1 x 0.5 + 0.05 x 0.5 = 0.075 of the budget 1 used; the rest at 0.2 x 0.5 takes 9.25 years
    from sim.model.demography import PiecewiseHazard

    people = Workforce(
        municipality=np.zeros(1, np.int16),
        se=np.ones(1),
        entry=np.array([2019.0]),
        demographic_exit=np.array([np.inf]),
        voluntary_budget=np.array([1.0]),
        voluntary_hazard=np.array([0.1, 0.2, 0.2, 0.2]),
        form=np.zeros(1, np.intp),
        placeability=np.zeros(1),
        birth=np.array([1979.5]),
        voluntary_by_age=PiecewiseHazard(edges=np.array([0.0, 40.0]), rates=np.array([1.0, 0.5])),
    )
    assert people.voluntary_time[0] == pytest.approx(2019.5 + (1 - 0.05) / 0.05)
    people.set_form(0, 1, 2020.0)
    assert people.voluntary_time[0] == pytest.approx(2020.0 + 0.925 / 0.1)
    assert people.exits[0] == pytest.approx(2029.25)
