"""Job coaches: an organisation's team as a SimPy resource of trajectory slots, and the history of its size.

A coach FTE runs `coach_trajectories_per_fte` placement trajectories at once: the team is a SimPy resource
whose slots follow the team's FTE (`CoachTeam`); how big the team is, and when it changes, is
`sim.model.staffing`. The FTE history is what the finance tables cost (`fte_years`, `fte_at`).
"""

from __future__ import annotations

import numpy as np
import simpy


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
