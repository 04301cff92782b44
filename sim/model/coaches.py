"""Job coaches: an organisation's team, its size set by staffing reviews against caseload norms, with lags.

A coach FTE runs `coach_trajectories_per_fte` placement trajectories at once: the team is a SimPy resource
whose slots follow the team's FTE (`CoachTeam`). Each organisation reviews its team every
`staffing_review_weeks` (`staffing_review`): the target is the caseload norms (coach FTE per 100 employees
by form of work) applied to its employees, at least `coach_min_team_fte`. A larger team is there after the
hiring lag, a smaller one after the attrition lag (`staffing_change`). The FTE history is what the finance
tables cost (`fte_years`, `fte_at`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.model.workforce import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from sim.model.organisations import Organisation, World

Process = Generator[simpy.Event, Any, None]


class CoachTeam(simpy.Resource):
    """Job coaches as placement-trajectory slots, served first come first served; the number of slots changes.

    SimPy's `Resource` grants a request while fewer than `capacity` are in use; here `capacity` is the
    team's current number of slots. Fewer slots interrupt no trajectory under way: queued ones wait until
    enough end. More slots start every queued trajectory there is room for at once (SimPy alone would start
    one at each later release).
    """

    def __init__(self, env: simpy.Environment, slots: int = 1) -> None:
        super().__init__(env, capacity=1)
        self.slots = slots
        self.env = env

    @property
    def capacity(self) -> int:
        return self.slots

    def resize(self, slots: int) -> None:
        self.slots = slots
        while self.queue and len(self.users) < slots:  # as `Resource` grants a request, oldest first
            request = self.queue.pop(0)
            self.users.append(request)
            request.usage_since = self.env.now
            request.succeed()


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
                world.close(org)
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


def fte_years(history: list[tuple[float, float]], years: np.ndarray) -> np.ndarray:
    """Coach FTE integrated over each calendar year in `years`, from a piecewise-constant history."""
    if not history:
        return np.zeros(len(years))
    t0 = np.array([t for t, _ in history])
    fte = np.array([f for _, f in history])
    t1 = np.append(t0[1:], np.inf)
    y = np.asarray(years, float)[:, None]
    overlap = np.clip(np.minimum(t1[None, :], y + 1) - np.maximum(t0[None, :], y), 0.0, None)
    return (overlap * fte).sum(axis=1)  # not `@`: a matrix product starts BLAS threads that spin beside workers


def fte_at(history: list[tuple[float, float]], times: np.ndarray) -> np.ndarray:
    """Coach FTE just before each of `times` (the last change strictly before it; 0 before any)."""
    if not history:
        return np.zeros(len(times))
    t0 = np.array([t for t, _ in history])
    fte = np.append(0.0, [f for _, f in history])
    return fte[np.searchsorted(t0, np.asarray(times, float), side="left")]
