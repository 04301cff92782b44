"""Organisations: timelines, job security, common random numbers, placements and coach queues."""

from __future__ import annotations

import itertools
import math
from datetime import date

import numpy as np
import pytest
import simpy
from org_configs import smoke

from sim.domain import BESCHUT, DEATH, ILLNESS, INDIVIDUEEL, RETIREMENT
from sim.errors import ConfigError
from sim.model import organisations
from sim.model.demography import resolve_exits
from sim.model.organisations import WEEKS_PER_YEAR, CoachPool, Workforce, World, at_once
from sim.model.replication import Model, build_people, simulate_scenario


def outcomes(config, replication=3, seed=11):
    model = Model.prepare(config)
    people = build_people(model, config, model.demography, replication, seed)
    runs = {
        name: simulate_scenario(model, config, model.demography, name, people, replication, seed)
        for name in config.scenario_names
    }
    return model, people, runs


def test_every_scenario_sees_the_same_demographic_exits():
    config = smoke()
    _, _, runs = outcomes(config)
    names = list(runs)
    demographic = np.isin(runs[names[0]].exit_reason, [RETIREMENT, DEATH, ILLNESS])
    assert demographic.sum() > 10
    for name in names[1:]:
        np.testing.assert_array_equal(runs[name].exit_reason, runs[names[0]].exit_reason)
        np.testing.assert_array_equal(runs[name].exit_time, runs[names[0]].exit_time)


def test_no_scenario_changes_a_demographic_exit_even_when_voluntary_exits_depend_on_form():
    hazards = {
        "beschut_binnen": 0.03,
        "groepsdetachering": 0.01,
        "individuele_detachering": 0.005,
        "begeleid_werken": 0.0,
    }
    config = smoke({"demography": {"voluntary": {"hazard_per_year": hazards}}})
    model, people, runs = outcomes(config)
    demographic_exit = people.draws.demographic_exit
    for run in runs.values():
        left_demographically = np.isin(run.exit_reason, [RETIREMENT, DEATH, ILLNESS])
        # whoever leaves for a demographic reason leaves at their own demographic time, whatever the scenario
        np.testing.assert_array_equal(run.exit_time[left_demographically], demographic_exit[left_demographically])
        # and nobody leaves later than that time (no exit is postponed or caused by the organisation)
        assert np.all(run.exit_time[np.isfinite(run.exit_time)] <= demographic_exit[np.isfinite(run.exit_time)])
    # the demography-only exits: a scenario may only bring a voluntary exit forward or back, never the others
    reference, _ = resolve_exits(people.draws, np.full(len(demographic_exit), np.inf), model.end)
    for run in runs.values():
        assert np.all(run.exit_time <= reference)


def test_no_openings_means_no_placement_starts():
    config = smoke(
        {
            "organisations": {
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": 0, "begeleid_werken": 0},
                    "group_contracts_won_per_year_reference": 0,
                }
            }
        }
    )
    _, _, runs = outcomes(config)
    for run in runs.values():
        assert np.all(run.moves.form == BESCHUT)  # only returns from placements that end


def test_no_openings_and_no_endings_means_nobody_moves():
    config = smoke(
        {
            "organisations": {
                "defaults": {
                    "placement_duration_years_mean": {"individuele_detachering": 1e12, "begeleid_werken": 1e12},
                    "group_contract_duration_years_mean": 1e12,
                },
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": 0, "begeleid_werken": 0},
                    "group_contracts_won_per_year_reference": 0,
                },
            }
        }
    )
    _, _, runs = outcomes(config)
    for run in runs.values():
        assert len(run.moves.person) == 0


def test_placements_happen_and_end_with_default_parameters():
    _, _, runs = outcomes(smoke())
    for run in runs.values():
        assert (run.moves.form == INDIVIDUEEL).sum() > 0
        assert (run.moves.form == BESCHUT).sum() > 0
        assert np.all(np.diff(run.moves.time) >= 0)


def test_a_placement_waits_for_a_busy_coach_exact_trace():
    """One coach slot, two openings 0.05 years apart: the second candidate waits for the first's coaching."""
    config = smoke(
        {
            "horizon": {"end_year": 2019},
            "organisations": {
                "defaults": {
                    "coach_min_team_fte": 1.0,
                    "coach_trajectories_per_fte": 1.0,
                    "coach_fte_per_100_persons": {
                        "beschut_binnen": 0.0,
                        "groepsdetachering": 0.0,
                        "individuele_detachering": 0.0,
                        "begeleid_werken": 0.0,
                    },
                    "coaching_weeks": 12.0,
                    "placement_ambition": 0.5,
                    "placement_duration_years_mean": {"individuele_detachering": 1e12, "begeleid_werken": 1e12},
                },
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": 1.0, "begeleid_werken": 0.0},
                    "group_contracts_won_per_year_reference": 0.0,
                },
            },
        }
    )
    n = 3
    workforce = Workforce(
        municipality=np.zeros(n, np.int16),
        se=np.ones(n),
        entry=np.full(n, 2019.0),
        demographic_exit=np.full(n, np.inf),
        voluntary_budget=np.full(n, np.inf),
        voluntary_hazard=np.zeros(4),
        form=np.full(n, BESCHUT, np.int8),
        placeability=np.array([0.1, 0.2, 0.9]),  # the third does not seek a placement
    )
    world = World(config, workforce, np.random.default_rng(0), config.scenarios["shared"].timeline, 2019.0, 2020.0)
    openings = iter([0.10, 0.05, 0.05])  # opening times 2019.10, 2019.15, 2019.20, then none
    world.interarrival = lambda rate: next(openings, math.inf) if rate > 0 else math.inf
    world.run()

    coaching = 12.0 / WEEKS_PER_YEAR
    first_start = 2019.10 + coaching
    second_start = first_start + coaching  # waited for the coach from 2019.15 to first_start
    assert [(p, round(t, 12), f) for p, t, f in workforce.moves] == [
        (0, round(first_start, 12), INDIVIDUEEL),
        (1, round(second_start, 12), INDIVIDUEEL),
    ]
    waits = {p: w for p, _, w in workforce.waits}
    assert waits[0] == pytest.approx(0.0)
    assert waits[1] == pytest.approx((first_start - 2019.15) * WEEKS_PER_YEAR)
    # the third opening (2019.20) found no candidate: person 2 does not seek one, 0 and 1 were busy or placed
    assert workforce.form.tolist() == [INDIVIDUEEL, INDIVIDUEEL, BESCHUT]


@pytest.mark.parametrize(
    ("organisations", "message"),
    [
        ({"A": ["Almelo"]}, "Tubbergen belongs to no organisation"),
        ({"A": ["Almelo", "Tubbergen"], "B": ["Tubbergen"]}, "Tubbergen is already in organisation 'A'"),
        ({"A": ["Almelo", "Tubbergen", "Wierden"]}, "unknown municipality 'Wierden'"),
    ],
)
def test_every_municipality_belongs_to_exactly_one_organisation(organisations, message):
    timeline = [{"start": date(2019, 1, 1), "organisations": organisations}]
    with pytest.raises(ConfigError) as err:
        smoke({"scenarios": {"shared": {"timeline": timeline}}})
    assert message in str(err.value)
    assert "scenarios.shared.timeline[0].organisations" in str(err.value)


def test_reorganisation_dates_are_first_of_january():
    timeline = [
        {"start": date(2019, 1, 1), "organisations": {"A": ["Almelo", "Tubbergen"]}},
        {"start": date(2021, 7, 1), "organisations": {"A": ["Almelo"], "B": ["Tubbergen"]}},
    ]
    with pytest.raises(ConfigError, match=r"scenarios.shared.timeline\[1\].start"):
        smoke({"scenarios": {"shared": {"timeline": timeline}}})


def test_override_of_an_unknown_organisation_is_an_error():
    with pytest.raises(ConfigError, match=r"organisations\.overrides\.Nowhere"):
        smoke({"organisations": {"overrides": {"Nowhere": {"fixed_overhead_eur_per_year": 1.0}}}})
    with pytest.raises(ConfigError, match=r"organisations\.overrides\.Regio\.no_such_field: unknown key"):
        smoke({"organisations": {"overrides": {"Regio": {"no_such_field": 1.0}}}})


@pytest.mark.parametrize("division_key", ["persons", "se"])
@pytest.mark.parametrize("inflow", [False, True])
def test_the_census_equals_a_count_of_everybody_employed(monkeypatch, division_key, inflow):
    # the census keeps a shrinking list of who may still be employed and skips the entry test without
    # inflow; every census a scenario takes must equal a plain count over the whole workforce
    changes: dict = {"organisations": {"division_key": division_key}}
    if inflow:
        changes["demography"] = {"inflow": {"persons_per_year": 12, "first_year": 2020, "last_year": 2026}}
    config = smoke(changes)
    taken = []
    world = organisations.World
    real = world.census

    def checked(self, now):
        census = real(self, now)
        p = self.people
        here = (p.entry <= now) & (p.exit_time > now)
        persons = np.zeros((len(self.municipalities), 4), np.int64)
        np.add.at(persons, (p.municipality[here], p.form[here]), 1)
        weight = p.se if division_key == "se" else np.ones(len(p.se))
        weights = np.bincount(p.municipality[here], weights=weight[here], minlength=len(self.municipalities))
        assert census.persons == persons.tolist()
        np.testing.assert_allclose(census.weights, weights)
        taken.append((now, int((p.exit_time <= now).sum()), bool((p.entry > now).any())))
        return census

    monkeypatch.setattr(world, "census", checked)
    outcomes(config, replication=2)
    assert len(taken) > 20
    assert taken[-1][1] > 10  # people left in between
    assert any(later for _, _, later in taken) == inflow  # with inflow, some censuses come before an entry


def test_the_coach_pool_is_first_come_first_served_and_a_larger_team_starts_every_waiting_trajectory_it_can():
    env = simpy.Environment()
    pool = CoachPool(env, 1, 10.0)
    ended = []
    for i in range(5):
        pool.request(lambda waited, i=i: ended.append((i, env.now, waited)))
    env.timeout(1).callbacks.append(lambda _: pool.set_capacity(3))  # two coaches hired at t = 1
    env.timeout(2).callbacks.append(lambda _: pool.set_capacity(1))  # and more leave: nobody is interrupted
    env.run()
    # 0 starts at once; 1 and 2 start when the team grows (simpy.Resource started only one of them);
    # 3 waits for a free slot under the lowered capacity (at 10, when 0 ends, 1 and 2 still hold two), 4 after
    assert ended == [(0, 10.0, 0.0), (1, 11.0, 1.0), (2, 11.0, 1.0), (3, 21.0, 11.0), (4, 31.0, 21.0)]


def test_a_staffing_change_due_at_a_review_takes_effect_before_that_review():
    # with the hiring lag equal to the review interval, the review sees the team the previous review asked for
    # (and so does not ask for it again)
    weeks = 13.0
    config = smoke({"organisations": {"defaults": {"staffing_review_weeks": weeks, "hiring_lag_weeks": weeks}}})
    log = []  # (time, what, (scenario run, organisation), coach FTE)
    runs = itertools.count()

    def run_of(world):  # a scenario's world, told apart from the others (their ids may be reused)
        if not hasattr(world, "test_run"):
            world.test_run = next(runs)
        return world.test_run

    def target(self, org, counts):
        log.append((self.env.now, "review", (run_of(self), org.name), org.coach_fte))
        return real_target(self, org, counts)

    def set_fte(self, org, fte, now):
        log.append((now, "set", (run_of(self), org.name), fte))
        return real_set(self, org, fte, now)

    with pytest.MonkeyPatch.context() as mp:
        world = organisations.World
        real_target, real_set = world.coach_target, world.set_fte
        mp.setattr(world, "coach_target", target)
        mp.setattr(world, "set_fte", set_fte)
        outcomes(config, replication=1)
    start = log[0][0]  # at the start the team is set from a first target, not by a review (worlds live apart)
    tied = 0
    for k, (now, what, name, fte) in enumerate(log):
        if what == "review" and now > start:
            before = [e for e in log[:k] if e[:3] == (now, "set", name)]
            after = [e for e in log[k + 1 :] if e[:3] == (now, "set", name)]
            assert not after, f"a staffing change at {now} came after the review"
            if before:
                tied += 1
                assert fte == before[-1][3]  # the review saw the new team
    assert tied > 5


def test_processes_start_after_their_caller_and_before_the_ordinary_events_of_that_time():
    # as SimPy starts a process: the urgent start keeps ties (and the draws' order) as generator processes had
    env = simpy.Environment()
    log = []
    env.timeout(0).callbacks.append(lambda _: log.append("timeout"))
    at_once(env, lambda _: log.append("start"))

    def process():
        log.append("process")
        yield env.timeout(0)

    env.process(process())
    log.append("caller")
    env.run()
    assert log == ["caller", "start", "process", "timeout"]
