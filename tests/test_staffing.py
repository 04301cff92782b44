"""Staffing: slots and targets from the caseload norms, reviews whose changes come after a lag."""

from __future__ import annotations

import itertools

import pytest
from org_configs import smoke

from sim.model import scenario, staffing
from sim.model.replication import Model, build_people, simulate_scenario


def test_slots_and_target_follow_the_caseload_norms():
    config = smoke()
    params = config.organisations.defaults

    class Org:  # what the two rules read of an organisation
        pass

    org = Org()
    org.params = params
    org.coach_fte_per_100_persons = [0.0, 1.0, 2.5, 2.5]
    assert staffing.slots(org, 0.0) == 1  # a team without FTE still serves whoever waits, one at a time
    assert staffing.slots(org, 2.0) == int(2.0 * params.coach_trajectories_per_fte)
    assert staffing.coach_target(org, [100, 0, 0, 0]) == params.coach_min_team_fte
    assert staffing.coach_target(org, [0, 100, 200, 40]) == pytest.approx(1.0 + 5.0 + 1.0)
    assert staffing.coach_target(org, [0, 0, 0, 0]) == 0.0


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

    real_target, real_set, real_run = staffing.coach_target, staffing.set_team, scenario.run_scenario
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scenario, "run_scenario", run)
        mp.setattr(staffing, "coach_target", target)
        mp.setattr(staffing, "set_team", set_team)
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
