"""The people of one scenario run: their form of work, exit times, and the ends of placements and group contracts.

A person's exit is the earliest of their demographic exit (drawn up front, `sim.model.demography`) and their
voluntary exit. The voluntary exit is a budget of unit hazard spent at the rate of the person's form of
work: when the form changes the budget left is kept and the exit time moves (`Workforce.set_form`).

Placements and group contracts end at times drawn when they start. Nothing can change those times, and
nobody needs to act at them (the person is simply back in beschut_binnen), so they are not SimPy events:
`ScenarioEnvironment.step` applies every end due before it processes the next event, at the end's own
time. This is the one place where the workforce changes without an event; everything that reads the
workforce runs inside an event, and so sees every end up to its time.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.domain import BESCHUT
from sim.model.demography import PiecewiseHazard

WEEKS_PER_YEAR = 52.1775
"""Weeks in a mean Gregorian year: times are in years, durations in the config in weeks."""

PLACEMENT = 0
CREW = 1
"""Kinds of end in `Workforce.due`: a person's placement, or a group contract (a crew's)."""


@dataclass(eq=False)
class Workforce:
    """The people of one scenario run and their changing state, indexed by person.

    `exit_time` is the earliest of the demographic exit and the voluntary exit (years). What the processes
    read and write one person at a time is held in plain lists (a numpy scalar costs four times as much);
    `form` and `exit_time` exist as both, for the vectorised counts, and only `set_form` changes them.
    """

    municipality: np.ndarray
    se: np.ndarray
    entry: np.ndarray
    demographic_exit: np.ndarray
    voluntary_budget: np.ndarray
    voluntary_hazard: np.ndarray  # per year, by form code
    form: np.ndarray
    placeability: np.ndarray  # uniform(0, 1) per person, shared by every scenario of the replication
    birth: np.ndarray | None = None
    """Birth times (calendar years), needed when the voluntary hazard depends on age."""
    voluntary_by_age: PiecewiseHazard | None = None
    """The multiplier of the voluntary hazard by age band; None: the same at every age."""
    sick_from: np.ndarray | None = None
    """When each person's sick leave before an exit for illness begins (years; inf for nobody): from then
    they are not a candidate for a placement. None: nobody is on sick leave."""
    voluntary_time: np.ndarray = field(init=False)
    exit_time: np.ndarray = field(init=False)
    busy: list[bool] = field(init=False)
    """In a placement trajectory (waiting for or with a job coach)."""
    placement_end: list[float] = field(init=False)
    forms: list[int] = field(init=False)
    exits: list[float] = field(init=False)
    entries: list[float] = field(init=False)
    crew: np.ndarray = field(init=False)
    """The group contract a person works under (an index into `crew_end`), or -1."""
    crew_end: list[float] = field(default_factory=list)
    crew_members: list[np.ndarray] = field(default_factory=list)
    due: list[tuple[float, int, int]] = field(default_factory=list)
    """Ends not yet applied, a heap of (time, kind, person or crew)."""
    on_return: Callable[[int, float], None] | None = None
    """Called as (person, time) when an end brings somebody back to beschut_binnen."""
    renewal: Callable[[int, float], float | None] | None = None
    """Called as (crew, time) when a group contract ends: the end of its renewal, or None (it lapses)."""
    leaves_after: Callable[[int, float], bool] | None = None
    """Called as (person, time) when a placement ends: True when the person leaves the Wsw then."""
    moves: list[tuple[int, float, int]] = field(default_factory=list)
    waits: list[tuple[int, float, float]] = field(default_factory=list)
    version: int = 0
    """Counts the changes of form (and so of exit times): what was computed from the state at a time, with
    the same version, still holds."""

    def __post_init__(self) -> None:
        n = len(self.municipality)
        rate = self.voluntary_hazard[self.form]
        by_age = self.voluntary_by_age
        if by_age is not None and len(by_age.rates) == 1 and by_age.rates[0] == 1.0:
            by_age = self.voluntary_by_age = None
        self._births: list[float] = [] if by_age is None or self.birth is None else self.birth.tolist()
        if by_age is not None:
            assert self.birth is not None, "an age-dependent voluntary hazard needs birth times"
            with np.errstate(divide="ignore", invalid="ignore"):
                spend = np.where(rate > 0, self.voluntary_budget / np.where(rate > 0, rate, 1.0), np.inf)
            finite = np.isfinite(spend)
            at = self.birth + by_age.inverse_from(self.entry - self.birth, np.where(finite, spend, 0.0))
            self.voluntary_time = np.where(finite, at, np.inf)
        else:
            with np.errstate(divide="ignore"):
                self.voluntary_time = np.where(rate > 0, self.entry + self.voluntary_budget / rate, np.inf)
        self.exit_time = np.minimum(self.demographic_exit, self.voluntary_time)
        self.busy = [False] * n
        self.placement_end = [math.inf] * n
        self.forms = self.form.tolist()
        self.exits = self.exit_time.tolist()
        self.entries = self.entry.tolist()
        self.crew = np.full(n, -1, np.int64)
        self._hazard: list[float] = np.asarray(self.voluntary_hazard, float).tolist()
        self._used = [0.0] * n
        self._since = self.entry.tolist()
        self._budget = self.voluntary_budget.tolist()
        self._demographic = self.demographic_exit.tolist()
        self._sick_from = [math.inf] * n if self.sick_from is None else self.sick_from.tolist()

    def present(self, now: float) -> np.ndarray:
        return (self.entry <= now) & (self.exit_time > now)

    def on_sick_leave(self, person: int, now: float) -> bool:
        """Whether `person` is on sick leave at `now`: within the sick leave before an exit for illness (an
        illness that comes before a voluntary exit; otherwise they leave for the other reason first)."""
        return self._sick_from[person] <= now and self.exits[person] == self._demographic[person]

    def set_form(self, person: int, form: int, at: float) -> None:
        """Move a person to another form of work at time `at`, keeping their voluntary-exit budget.

        The budget spent is counted only when the hazard changes: between two changes of hazard it is spent
        at one rate, whatever forms of work the person passes through. (In the shipped configs every form has
        the same hazard: the exit time never moves.)
        """
        hazard = self._hazard
        old_rate = hazard[self.forms[person]]
        new_rate = hazard[form]
        if new_rate != old_rate:
            self._change_hazard(person, old_rate, new_rate, at)
        self.form[person] = self.forms[person] = form
        self.moves.append((person, at, form))
        self.version += 1

    def _change_hazard(self, person: int, old_rate: float, new_rate: float, at: float) -> None:
        """The budget spent at `old_rate` since the last change, and the exit time at `new_rate` from `at`."""
        by_age = self.voluntary_by_age
        if by_age is None:
            exposure = at - self._since[person]
        else:  # the age multiplier integrated over the ages between then and now
            birth = self._births[person]
            exposure = by_age.cumulative_at(at - birth) - by_age.cumulative_at(self._since[person] - birth)
        used = self._used[person] = self._used[person] + old_rate * exposure
        self._since[person] = at
        if new_rate <= 0:
            voluntary = math.inf
        elif by_age is None:
            voluntary = at + (self._budget[person] - used) / new_rate
        else:
            voluntary = birth + by_age.inverse_at(at - birth, (self._budget[person] - used) / new_rate)
        self.voluntary_time[person] = voluntary
        self.exit_time[person] = self.exits[person] = min(self._demographic[person], voluntary)

    def leave(self, person: int, at: float) -> None:
        """`person` leaves the Wsw at `at`, a voluntary exit (supported employment that ends into outflow)."""
        if at >= self.exits[person]:
            return
        self.voluntary_time[person] = at
        self.exit_time[person] = self.exits[person] = at
        self.version += 1

    def end_placement_at(self, person: int, end: float) -> None:
        """`person`'s placement ends at `end`, unless they leave first (a placed person's exit time is fixed)."""
        self.placement_end[person] = end
        if end < self.exits[person]:
            heapq.heappush(self.due, (end, PLACEMENT, person))

    def new_crew(self, persons: np.ndarray, end: float) -> None:
        """A group contract of `persons` (already in groepsdetachering) that ends at `end`."""
        c = len(self.crew_end)
        self.crew_end.append(end)
        self.crew_members.append(np.asarray(persons))
        self.crew[persons] = c
        if len(persons) and end < self.exit_time[persons].max():  # a member still employed then (exits are fixed)
            heapq.heappush(self.due, (end, CREW, c))

    def apply_next_end(self) -> None:
        """Apply the earliest placement or group-contract end, at its own time.

        Whoever has left by then stays gone. A supported-employment placement may end with an exit from the
        Wsw (`leaves_after`), a group contract may be renewed (`renewal`: the crew stays); otherwise whoever
        is still employed is back in beschut_binnen.
        """
        at, kind, ident = heapq.heappop(self.due)
        if kind == PLACEMENT:
            if self.placement_end[ident] != at:  # superseded
                return
            self.placement_end[ident] = math.inf
            if self.leaves_after is not None and self.exits[ident] > at and self.leaves_after(ident, at):
                self.leave(ident, at)
                return
            persons = [ident]
        else:
            if self.crew_end[ident] != at:
                return
            renewed = self.renewal(ident, at) if self.renewal is not None else None
            if renewed is not None:  # the crew stays seconded under a new contract
                self.crew_end[ident] = renewed
                members = self.crew_members[ident]
                members = members[self.crew[members] == ident]
                if len(members) and renewed < self.exit_time[members].max():
                    heapq.heappush(self.due, (renewed, CREW, ident))
                return
            self.crew_end[ident] = math.inf
            members = self.crew_members[ident]
            persons = members[self.crew[members] == ident].tolist()
            self.crew[persons] = -1
        for person in persons:
            if self.exits[person] > at and self.forms[person] != BESCHUT:
                self.set_form(person, BESCHUT, at)
                if self.on_return is not None:
                    self.on_return(person, at)


class ScenarioEnvironment(simpy.Environment):
    """SimPy's environment for one scenario run: it applies the workforce's due ends, and counts events.

    `step` (SimPy's own loop calls it once per event) first applies, one at a time, every placement and
    group-contract end due by the time of the next event, then processes that event. So ends cost no event,
    and any process sees the workforce as it is at its time. The next event is looked up again after each
    end, so that an end that ever scheduled an event would not be applied ahead of it.
    """

    def __init__(self, workforce: Workforce, initial_time: float) -> None:
        super().__init__(initial_time=initial_time)
        self.workforce = workforce
        self.due = workforce.due
        self.processed = 0
        """Events processed so far."""

    def step(self) -> None:
        due = self.due
        while due and due[0][0] <= self.peek():
            self.workforce.apply_next_end()
        self.processed += 1
        simpy.Environment.step(self)
