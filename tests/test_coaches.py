"""Job coaches: a first-come-first-served team whose size changes, staffing reviews with lags, FTE costs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import simpy
from org_configs import smoke

from sim.model import coaches, organisations
from sim.model.coaches import CoachTeam, fte_at, fte_years
from sim.model.replication import Model, build_people, simulate_scenario


def test_the_team_is_first_come_first_served_and_a_larger_team_starts_every_waiting_trajectory_it_can():
    env = simpy.Environment()
    team = CoachTeam(env, 1)
    ended = []

    def trajectory(i):
        asked = env.now
        with team.request() as request:
            yield request
            waited = env.now - asked
            yield env.timeout(10.0)
        ended.append((i, env.now, waited))

    def staffing():
        yield env.timeout(1)
        team.resize(3)  # two coaches hired at t = 1
        yield env.timeout(1)
        team.resize(1)  # and more leave at t = 2: nobody is interrupted

    for i in range(5):
        env.process(trajectory(i))
    env.process(staffing())
    env.run()
    # 0 starts at once; 1 and 2 start when the team grows (simpy.Resource alone would start only one of them);
    # 3 waits for a free slot under the lowered capacity (at 10, when 0 ends, 1 and 2 still hold two), 4 after
    assert ended == [(0, 10.0, 0.0), (1, 11.0, 1.0), (2, 11.0, 1.0), (3, 21.0, 11.0), (4, 31.0, 21.0)]
    assert team.capacity == 1 and team.count == 0


def test_slots_and_target_follow_the_caseload_norms():
    config = smoke()
    params = config.organisations.defaults

    class Org:  # what the two rules read of an organisation
        pass

    org = Org()
    org.params = params
    org.coach_fte_per_100_persons = [0.0, 1.0, 2.5, 2.5]
    assert coaches.slots(org, 0.0) == 1  # a team without FTE still serves whoever waits, one at a time
    assert coaches.slots(org, 2.0) == int(2.0 * params.coach_trajectories_per_fte)
    assert coaches.coach_target(org, [100, 0, 0, 0]) == params.coach_min_team_fte
    assert coaches.coach_target(org, [0, 100, 200, 40]) == pytest.approx(1.0 + 5.0 + 1.0)
    assert coaches.coach_target(org, [0, 0, 0, 0]) == 0.0


def test_fte_years_and_fte_at_integrate_a_piecewise_constant_history():
    history = [(2019.0, 2.0), (2019.5, 4.0), (2021.0, 0.0)]
    np.testing.assert_allclose(fte_years(history, np.array([2018, 2019, 2020, 2021])), [0.0, 3.0, 4.0, 0.0])
    np.testing.assert_allclose(fte_at(history, np.array([2019.0, 2019.5, 2020.0, 2022.0])), [0.0, 2.0, 4.0, 0.0])
    assert fte_years([], np.array([2019])).tolist() == [0.0]


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

    running = []  # the world being run

    def run(world):
        running.append(world)
        return real_run(world)

    def target(org, counts):
        world = running[-1]
        log.append((world.env.now, "review", (run_of(world), org.name), org.coach_fte))
        return real_target(org, counts)

    def set_team(world, org, fte):
        log.append((world.env.now, "set", (run_of(world), org.name), fte))
        return real_set(world, org, fte)

    real_target, real_set, real_run = coaches.coach_target, coaches.set_team, organisations.World.run
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(organisations.World, "run", run)
        mp.setattr(coaches, "coach_target", target)
        mp.setattr(coaches, "set_team", set_team)
        model = Model.prepare(config)
        people = build_people(model, config, model.demography, 1, 11)
        for name in config.scenario_names:
            simulate_scenario(model, config, model.demography, name, people, 1, 11)
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
