"""Staffing: where coaches are hired. Each organisation reviews its coach team against caseload norms.

Every `staffing_review_weeks` an organisation's `staffing_review` sets a target: the caseload norms (coach FTE
per 100 employees by form of work) applied to its employees, at least `coach_min_team_fte`. A larger team is
there after the hiring lag, a smaller one after the attrition lag (`staffing_change`). An organisation that
nobody is left in closes (`close_organisation`): its processes stop and its coaches go.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from sim.model.organisations import Organisation, World
from sim.model.workforce import WEEKS_PER_YEAR

Process = Generator[simpy.Event, Any, None]


def slots(org: Organisation, fte: float) -> int:
    """Trajectories a team of `fte` coaches runs at once: at least one, so that queued people are served."""
    return max(1, math.floor(fte * org.params.coach_trajectories_per_fte + 1e-9)) if fte > 0 else 1


def coach_target(org: Organisation, counts: list[int]) -> float:
    """The team the caseload norms ask for, FTE, given the employees by form code; 0 without employees."""
    norms = org.coach_fte_per_100_persons
    need = 0.0  # a loop, not `sum()`: from Python 3.12 `sum()` rounds floats its own way
    for form in range(len(counts)):
        need += counts[form] * norms[form] / 100.0
    return max(org.params.coach_min_team_fte, need) if sum(counts) > 0 else 0.0


def set_team(world: World, org: Organisation, fte: float) -> None:
    """The team is `fte` from now on: its slots follow, and the history records it."""
    org.coach_fte = fte
    org.coaches.resize(slots(org, fte))
    world.fte_history.setdefault(org.name, []).append((world.env.now, fte))


def staffing_review(world: World, org: Organisation) -> Process:
    """Every review interval, the team against the caseload norms; an organisation nobody is left in closes."""
    env = world.env
    interval = org.params.staffing_review_weeks / WEEKS_PER_YEAR
    try:
        while True:
            yield env.timeout(interval)
            now = env.now
            counts = world.counts_by_form(org, now)
            if sum(counts) == 0 and not (world.people.entry > now).any():
                close_organisation(world, org)
                return
            world.update_network(org, now)
            target = coach_target(org, counts)
            if not math.isclose(target, org.coach_fte):
                weeks = org.params.hiring_lag_weeks if target > org.coach_fte else org.params.attrition_lag_weeks
                # the lag starts here, before the next review's timeout: a change due at a review comes first
                lag = env.timeout(weeks / WEEKS_PER_YEAR)
                org.processes.append(env.process(staffing_change(world, org, target, lag)))
    except simpy.Interrupt:  # a reorganisation or the organisation closed
        return


def staffing_change(world: World, org: Organisation, fte: float, lag: simpy.Event) -> Process:
    """The hiring or attrition lag, then the team at its new size (unless the organisation moved on first)."""
    try:
        yield lag
    except simpy.Interrupt:
        return
    set_team(world, org, fte)


def close_organisation(world: World, org: Organisation) -> None:
    """`org` ends: its processes stop and its coaches go."""
    world.stop_processes(org)
    set_team(world, org, 0.0)
