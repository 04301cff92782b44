"""Organisations on a scenario's timeline, and the placements they make, as a SimPy model.

A scenario partitions the municipalities into organisations, with dates. Each organisation has
- job coaches: a `CoachPool` (trajectory slots served first come first served, whose number follows the
  staffing rule, with lags);
- an employer network that produces openings for individual secondment and supported employment, and group
  contracts, at a rate that grows with the network with diminishing returns;
- its own parameters (overhead, policy, caseload norms, ...), which `sim.model.finance` turns into money.

Only what interacts gets events: openings arriving, placements waiting for a coach and being coached,
group contracts won, staffing reviews, reorganisations. Exit times are known up front (`sim.model.demography`);
placement and group-contract ends are drawn when they start and applied lazily (`Workforce.settle`) the next
time anybody looks, at their exact time, so they cost no event. Nothing here ever causes an exit: on a
reorganisation every employee moves to their municipality's new organisation keeping form of work and
contract (job security).

Events are SimPy's timeouts with a callback, one event each where a process would cost more: an opening,
a contract won or a review schedules the next one from its callback (the same draws, in the same order, as
the generator processes these replaced), and a trajectory's end or a staffing change after its lag is a
single timeout. Only the reorganisations, a few events a run, are a process. A replication runs about a
thousand events per scenario.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.domain import BEGELEID, BESCHUT, GROEP, INDIVIDUEEL, WORK_FORMS
from sim.inputs.config import Config, OrganisationParams, Partition

WEEKS_PER_YEAR = 52.1775
"""Weeks in a mean Gregorian year: times are in years, durations in the config in weeks."""

PLACEMENT_FORMS = (INDIVIDUEEL, BEGELEID)

Process = Generator[simpy.Event, Any, None]


class UnitExponentials:
    """Unit exponential draws from `rng`, one numpy call per block of draws rather than one per draw."""

    def __init__(self, rng: np.random.Generator, block: int = 256) -> None:
        self.rng = rng
        self.block = block
        self.values: list[float] = []
        self.next = 0

    def __call__(self) -> float:
        if self.next == len(self.values):
            self.values = self.rng.standard_exponential(self.block).tolist()
            self.next = 0
        value = self.values[self.next]
        self.next += 1
        return value


def at_once(env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
    """Call `callback` at the current time, before the ordinary events of that time, as SimPy starts a process."""
    event = env.event()
    event.callbacks.append(callback)
    event._ok, event._value = True, None  # triggered, as `simpy.events.Initialize` is
    env.schedule(event, simpy.events.URGENT)


class CoachPool:
    """Job coaches as placement-trajectory slots, served first come first served.

    A trajectory holds a slot for the coaching time and costs one SimPy event: a timeout whose callback ends
    it (a process with a resource request would cost five). The staffing rule changes the capacity over
    time; lowering it never interrupts a trajectory under way: queued ones wait until enough end. Raising it
    starts every queued trajectory there is room for (the `simpy.Resource` this replaced, its capacity
    changed under it, started only one, and the others waited for the next release).
    """

    def __init__(self, env: simpy.Environment, capacity: int, coaching_years: float) -> None:
        self.env = env
        self.capacity = capacity
        self.coaching_years = coaching_years
        self.in_use = 0
        self.queue: deque[tuple[float, Callable[[float], None]]] = deque()

    def request(self, coached: Callable[[float], None]) -> None:
        """Ask for a trajectory; `coached(waited_years)` is called when its coaching ends."""
        self.queue.append((self.env.now, coached))
        self._serve()

    def set_capacity(self, capacity: int) -> None:
        self.capacity = capacity
        self._serve()

    def _serve(self) -> None:
        while self.queue and self.in_use < self.capacity:
            asked, coached = self.queue.popleft()
            self.in_use += 1
            waited = self.env.now - asked
            done = self.env.timeout(self.coaching_years)
            done.callbacks.append(functools.partial(self._end, coached, waited))

    def _end(self, coached: Callable[[float], None], waited: float, _: simpy.Event) -> None:
        self.in_use -= 1
        self._serve()
        coached(waited)


@dataclass(eq=False)
class Organisation:
    name: str
    members: tuple[int, ...]
    params: OrganisationParams
    coaches: CoachPool
    coach_fte: float = 0.0
    network: float = 0.0
    reach: float = 0.0
    """(network x multiplier) ** elasticity: what the reference rates of openings and contracts are scaled by."""
    active: bool = True
    generation: int = 0
    persons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pool: list[tuple[float, int]] = field(default_factory=list)
    coach_fte_per_100_persons: list[float] = field(init=False)
    """The caseload norms by form code."""

    def __post_init__(self) -> None:
        self.coach_fte_per_100_persons = [self.params.coach_fte_per_100_persons[f] for f in WORK_FORMS]

    def slots(self, fte: float) -> int:
        return max(1, math.floor(fte * self.params.coach_trajectories_per_fte + 1e-9)) if fte > 0 else 1


@dataclass(eq=False)
class Workforce:
    """The people of one scenario run and their changing state, indexed by person.

    `exit_time` is the earliest of the demographic exit and the voluntary exit; the voluntary exit moves when
    the form of work changes and the voluntary hazard differs between forms (the budget is kept).

    What the events read and write one person at a time is held in plain lists (a numpy scalar costs four
    times as much); `form` and `exit_time` exist as both, for the vectorised counts, and only `set_form`
    changes them.
    """

    municipality: np.ndarray
    se: np.ndarray
    entry: np.ndarray
    demographic_exit: np.ndarray
    voluntary_budget: np.ndarray
    voluntary_hazard: np.ndarray  # by form code
    form: np.ndarray
    placeability: np.ndarray  # uniform(0, 1) per person, shared by every scenario of the replication
    voluntary_time: np.ndarray = field(init=False)
    exit_time: np.ndarray = field(init=False)
    busy: list[bool] = field(init=False)
    placement_end: list[float] = field(init=False)
    forms: list[int] = field(init=False)
    exits: list[float] = field(init=False)
    entries: list[float] = field(init=False)
    crew: np.ndarray = field(init=False)
    crew_end: list[float] = field(default_factory=list)
    crew_members: list[np.ndarray] = field(default_factory=list)
    due: list[tuple[float, int, int]] = field(default_factory=list)
    on_return: Callable[[int], None] | None = None
    moves: list[tuple[int, float, int]] = field(default_factory=list)
    waits: list[tuple[int, float, float]] = field(default_factory=list)
    version: int = 0
    """Counts the changes of form (and so of exit times): what was computed from the state at a time, with
    the same version, still holds."""

    def __post_init__(self) -> None:
        n = len(self.municipality)
        rate = self.voluntary_hazard[self.form]
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

    def present(self, now: float) -> np.ndarray:
        return (self.entry <= now) & (self.exit_time > now)

    def set_form(self, person: int, form: int, at: float) -> None:
        """Move a person to another form of work at time `at`, keeping their voluntary-exit budget."""
        hazard = self._hazard
        old_rate = hazard[self.forms[person]]
        new_rate = hazard[form]
        used = self._used[person] = self._used[person] + old_rate * (at - self._since[person])
        self._since[person] = at
        if new_rate != old_rate:
            voluntary = at + (self._budget[person] - used) / new_rate if new_rate > 0 else math.inf
            self.voluntary_time[person] = voluntary
            self.exit_time[person] = self.exits[person] = min(self._demographic[person], voluntary)
        self.form[person] = self.forms[person] = form
        self.moves.append((person, at, form))
        self.version += 1

    def settle(self, now: float) -> None:
        """Apply placement and group-contract ends due by `now`, in time order, at their own times.

        Ends wait in a heap of (time, kind, id); an entry whose end was changed since is stale and skipped.
        """
        due = self.due
        if not due or due[0][0] > now:
            return
        while due and due[0][0] <= now:
            at, kind, ident = heapq.heappop(due)
            if kind == 0:
                if self.placement_end[ident] != at:
                    continue
                self.placement_end[ident] = math.inf
                persons = [ident]
            else:
                if self.crew_end[ident] != at:
                    continue
                self.crew_end[ident] = math.inf
                members = self.crew_members[ident]
                persons = members[self.crew[members] == ident].tolist()
                self.crew[persons] = -1
            for person in persons:
                if self.exits[person] > at and self.forms[person] != BESCHUT:
                    self.set_form(person, BESCHUT, at)
                    if self.on_return is not None:
                        self.on_return(person)

    def end_placement_at(self, person: int, end: float) -> None:
        self.placement_end[person] = end
        heapq.heappush(self.due, (end, 0, person))

    def new_crew(self, persons: np.ndarray, end: float) -> None:
        c = len(self.crew_end)
        self.crew_end.append(end)
        self.crew_members.append(np.asarray(persons))
        self.crew[persons] = c
        heapq.heappush(self.due, (end, 1, c))


@dataclass(frozen=True)
class Census:
    key: tuple[float, int]
    persons: list[list[int]]  # [municipality][form]
    weights: list[float]  # by municipality: persons or SE (`division_key`)


class World:
    """One scenario of one replication: the environment, the workforce, the organisations over time."""

    def __init__(
        self,
        config: Config,
        workforce: Workforce,
        rng: np.random.Generator,
        timeline: list[Partition],
        start: float,
        end: float,
    ) -> None:
        assert config.organisations is not None
        self.env = simpy.Environment(initial_time=start)
        self.config = config
        self.orgs_config = config.organisations
        self.people = workforce
        self.rng = rng
        self.start, self.end = start, end
        self.municipalities = config.municipalities
        self.org_of_muni: list[Organisation | None] = [None] * len(self.municipalities)
        self.organisations: dict[str, Organisation] = {}
        self.created: dict[str, list[float]] = {}
        self.fte_history: dict[str, list[tuple[float, float]]] = {}
        present = workforce.present(start)
        # what a split divides (coaches, network) is divided by persons or by SE (config: division_key)
        self.weight = workforce.se if self.orgs_config.division_key == "se" else np.ones(len(workforce.se))
        # each municipality's share of the region's employer network: its share of the employees at the start
        at_start = self.weights_by_municipality(present)
        self.network_share: list[float] = (at_start / max(at_start.sum(), 1e-12)).tolist()
        self.start_weight: list[float] = np.maximum(at_start, 1e-12).tolist()
        self.timeline = timeline
        self.unit_exponential = UnitExponentials(rng)
        self.interarrival: Callable[[float], float] = self._exponential
        self._municipality = workforce.municipality.astype(np.intp)
        self._cell_base = self._municipality * len(WORK_FORMS)  # + form: the census cell
        self._municipality_of = workforce.municipality.tolist()
        self._placeability: list[float] = workforce.placeability.tolist()
        self._employed = np.arange(len(workforce.se))  # shrinks as people leave (see `census`)
        self._inflow = bool(len(workforce.entry)) and float(workforce.entry.max()) > start  # anybody entering later
        self._census: Census | None = None
        workforce.on_return = self.seek_placement

    # ------------------------------------------------------------------------------------------ helpers

    def _exponential(self, rate: float) -> float:
        return (1.0 / rate) * self.unit_exponential() if rate > 0 else math.inf  # as rng.exponential(1 / rate)

    def duration(self, mean: float) -> float:
        """An exponential duration with this mean."""
        return self.unit_exponential() * mean

    def members_mask(self, org: Organisation) -> np.ndarray:
        """Who is of a member municipality of `org` (a look-up by municipality: `np.isin` sorts, ten times slower)."""
        member = np.zeros(len(self.municipalities), bool)
        member[list(org.members)] = True
        return member[self._municipality]

    def org_of(self, person: int) -> Organisation | None:
        return self.org_of_muni[self._municipality_of[person]]

    def fill_pool(self, org: Organisation, now: float) -> None:
        """Everybody of `org` who may seek a placement, in a heap by placeability (most placeable first)."""
        p = self.people
        idx = org.persons
        idx = idx[
            (p.exit_time[idx] > now) & (p.form[idx] == BESCHUT) & (p.placeability[idx] < org.params.placement_ambition)
        ]
        org.pool = list(zip(p.placeability[idx].tolist(), idx.tolist(), strict=True))
        heapq.heapify(org.pool)

    def seek_placement(self, person: int) -> None:
        """`person` is back in beschut_binnen: a candidate again if their organisation's ambition allows."""
        org = self.org_of(person)
        u = self._placeability[person]
        if org is not None and u < org.params.placement_ambition:
            heapq.heappush(org.pool, (u, person))

    def candidates(self, org: Organisation, now: float, wanted: int = 1) -> list[int]:
        """Take up to `wanted` candidates of `org` from its pool, most placeable first.

        Entries are checked when taken (still employed, in beschut_binnen, not in a trajectory, still of this
        organisation); stale ones are dropped, since whatever makes somebody a candidate again puts them back.
        """
        if not org.pool:  # two openings in five
            return []
        p = self.people
        exits, forms, busy, entries = p.exits, p.forms, p.busy, p.entries
        org_of_muni, municipality_of = self.org_of_muni, self._municipality_of
        pool = org.pool
        taken: list[int] = []
        not_yet: list[tuple[float, int]] = []
        while pool and len(taken) < wanted:
            item = heapq.heappop(pool)
            person = item[1]
            if (
                exits[person] <= now
                or forms[person] != BESCHUT
                or busy[person]
                or person in taken
                or org_of_muni[municipality_of[person]] is not org
            ):
                continue
            if entries[person] > now:
                not_yet.append(item)
                continue
            taken.append(person)
        for item in not_yet:
            heapq.heappush(org.pool, item)
        return taken

    def give_back(self, org: Organisation, persons: list[int]) -> None:
        for person in persons:
            heapq.heappush(org.pool, (self._placeability[person], person))

    def census(self, now: float) -> Census:
        """Who is employed at `now`, by municipality and form, with weights by municipality.

        Kept until the time or the state changes: the organisations' reviews fall on the same dates.
        """
        p = self.people
        p.settle(now)
        key = (now, p.version)
        if self._census is None or self._census.key != key:
            # who has left by now stays gone: once ends up to now are applied, nobody's form (and so exit
            # time) changes before now any more
            employed = self._employed
            employed = self._employed = employed[p.exit_time[employed] > now]
            here = employed[p.entry[employed] <= now] if self._inflow else employed
            n_forms = len(WORK_FORMS)
            cells = np.bincount(self._cell_base[here] + p.form[here], minlength=len(self.municipalities) * n_forms)
            persons = cells.reshape(-1, n_forms).tolist()
            if self.orgs_config.division_key == "se":
                municipality = self._municipality[here]
                weights = np.bincount(municipality, weights=self.weight[here], minlength=len(self.municipalities))
                self._census = Census(key, persons, weights.tolist())
            else:
                self._census = Census(key, persons, [float(sum(row)) for row in persons])
        return self._census

    def counts_by_form(self, org: Organisation, now: float) -> list[int]:
        """Who is employed at `now` in `org`'s municipalities, by form code."""
        rows = self.census(now).persons
        counts = [0] * len(WORK_FORMS)
        for m in org.members:
            row = rows[m]
            for form in range(len(counts)):
                counts[form] += row[form]
        return counts

    def coach_target(self, org: Organisation, counts: list[int]) -> float:
        norms = org.coach_fte_per_100_persons
        need = 0.0  # a loop, not `sum()`: from Python 3.12 `sum()` rounds floats its own way, and compiled it would not
        for form in range(len(counts)):
            need += counts[form] * norms[form] / 100.0
        return max(org.params.coach_min_team_fte, need) if sum(counts) > 0 else 0.0

    def set_fte(self, org: Organisation, fte: float, now: float) -> None:
        org.coach_fte = fte
        org.coaches.set_capacity(org.slots(fte))
        self.fte_history.setdefault(org.name, []).append((now, fte))

    def weights_by_municipality(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(
            self.people.municipality[mask], weights=self.weight[mask], minlength=len(self.municipalities)
        )

    def update_network(self, org: Organisation, now: float) -> None:
        """An organisation's network: its members' shares, each scaled by the part of their workforce left."""
        left = self.census(now).weights
        share, start = self.network_share, self.start_weight
        network = 0.0  # a loop, not `sum()` (see `coach_target`)
        for m in org.members:
            network += share[m] * left[m] / start[m]
        org.network = network
        strength = org.network * org.params.network_multiplier
        org.reach = strength**self.orgs_config.network.elasticity if strength > 0 else 0.0

    def opening_rate(self, org: Organisation, per_year_reference: float) -> float:
        """Openings a year: the reference rate times (network x multiplier) ** elasticity."""
        return per_year_reference * org.reach

    # ---------------------------------------------------------------------------------- organisations

    def apply_partition(self, partition: Partition, now: float) -> None:
        """Put every municipality in its organisation of `partition` (at the start, or a reorganisation)."""
        self.people.settle(now)
        present = self.people.present(now)
        old_orgs = dict(self.organisations)
        old_of_muni = list(self.org_of_muni)
        new_orgs: dict[str, Organisation] = {}
        index = {m: i for i, m in enumerate(self.municipalities)}
        network = self.orgs_config.network
        for name, member_names in partition.organisations.items():
            members = tuple(sorted(index[m] for m in member_names))
            org = old_orgs.get(name)
            if org is None:
                org = Organisation(
                    name=name,
                    members=members,
                    params=self.orgs_config.params(name),
                    coaches=CoachPool(self.env, 1, self.orgs_config.params(name).coaching_weeks / WEEKS_PER_YEAR),
                )
                if now > self.start:
                    self.created.setdefault(name, []).append(now)
            org.members = members
            org.persons = np.flatnonzero(self.members_mask(org))
            new_orgs[name] = org
        # networks: a municipality that changes organisation loses part of its contacts
        for m in range(len(self.municipalities)):
            old = old_of_muni[m]
            new_name = next(n for n, o in new_orgs.items() if m in o.members)
            if old is not None and old.name != new_name:
                self.network_share[m] *= 1.0 - network.loss_on_move
        # coaches follow people: each municipality takes its share of its old organisation's coaches
        inherited = dict.fromkeys(new_orgs, 0.0)
        weight_now = self.weights_by_municipality(present)
        for m in range(len(self.municipalities)):
            old = old_of_muni[m]
            if old is None:
                continue
            old_total = weight_now[list(old.members)].sum()
            share = weight_now[m] / old_total if old_total > 0 else 0.0
            new_name = next(n for n, o in new_orgs.items() if m in o.members)
            inherited[new_name] += old.coach_fte * share
        for name, org in old_orgs.items():
            if name not in new_orgs:
                org.active = False
                self.set_fte(org, 0.0, now)
        self.organisations = new_orgs
        for m in range(len(self.municipalities)):
            self.org_of_muni[m] = next(o for o in new_orgs.values() if m in o.members)
        for name, org in new_orgs.items():
            self.update_network(org, now)
            self.fill_pool(org, now)
            if old_of_muni == [None] * len(self.municipalities):
                self.set_fte(org, self.coach_target(org, self.counts_by_form(org, now)), now)
            else:
                self.set_fte(org, inherited[name], now)
            self.start_processes(org)

    def start_processes(self, org: Organisation) -> None:
        """(Re)start an organisation's processes; an earlier generation of them stops at its next step.

        They start as SimPy starts a process: from an urgent event at the current time, once whatever
        started them is done (at the start, the initial placements draw first).
        """
        org.generation += 1
        generation = org.generation
        starts = [employer_openings(self, org, form, generation) for form in PLACEMENT_FORMS]
        starts += [group_contracts(self, org, generation), staffing_review(self, org, generation)]

        def start(_: simpy.Event) -> None:
            for begin in starts:
                begin()

        at_once(self.env, start)

    def running(self, org: Organisation, generation: int) -> bool:
        return org.active and org.generation == generation

    # ------------------------------------------------------------------------------------- placements

    def start_placement(self, person: int, form: int, now: float, waited_years: float) -> None:
        p = self.people
        org = self.org_of(person)
        assert org is not None
        mean = org.params.placement_duration_years_mean[WORK_FORMS[form]]  # type: ignore[index]
        p.set_form(person, form, now)
        p.end_placement_at(person, now + self.duration(mean))
        p.waits.append((person, now, waited_years * WEEKS_PER_YEAR))

    def initial_placements(self) -> None:
        """People placed at the start get a remaining duration (memoryless) and group members a crew."""
        p = self.people
        now = self.start
        present = p.present(now)
        placed = np.flatnonzero(present & ((p.form == INDIVIDUEEL) | (p.form == BEGELEID)))
        mean = np.empty(len(placed))
        for org in self.organisations.values():
            durations = org.params.placement_duration_years_mean
            member = self.members_mask(org)[placed]
            for form in PLACEMENT_FORMS:
                mean[(p.form[placed] == form) & member] = durations[WORK_FORMS[form]]  # type: ignore[index]
        ends = (now + self.rng.exponential(mean)).tolist() if len(placed) else []
        for person, end in zip(placed.tolist(), ends, strict=True):
            p.placement_end[person] = end
        p.due.extend(zip(ends, [0] * len(placed), placed.tolist(), strict=True))
        heapq.heapify(p.due)
        for org in self.organisations.values():
            group = org.persons[present[org.persons] & (p.form[org.persons] == GROEP)]
            size = org.params.group_size_persons
            for k in range(0, len(group), size):
                end = now + self.duration(org.params.group_contract_duration_years_mean)
                p.new_crew(group[k : k + size], end)

    def run(self) -> int:
        """Run to the end of the horizon; returns the number of SimPy events processed."""
        first, later = self.timeline[0], self.timeline[1:]
        self.apply_partition(first, self.start)
        self.initial_placements()
        self.env.process(reorganisations(self, later))
        self.env.run(until=self.end)
        self.people.settle(self.end)
        return next(self.env._eid)  # SimPy's event counter: every event ever scheduled


# ---------------------------------------------------------------------------------------- processes


def reorganisations(world: World, partitions: list[Partition]) -> Process:
    """The scenario's timeline: on each date every municipality moves to its new organisation."""
    for partition in partitions:
        at = float(partition.start.year)  # partitions start on 1 January
        if at >= world.end:
            return
        yield world.env.timeout(at - world.env.now)
        world.apply_partition(partition, world.env.now)


def employer_openings(world: World, org: Organisation, form: int, generation: int) -> Callable[[], None]:
    """Employers of the network offer openings (Poisson); each goes to the most placeable candidate.

    The rate follows the network, which staffing reviews update; a wait already drawn keeps its rate.
    Returns the start: each opening is a timeout whose callback schedules the next one.
    """
    env = world.env
    people = world.people
    reference = world.orgs_config.network.openings_per_year_reference[WORK_FORMS[form]]  # type: ignore[index]

    def next_opening() -> None:
        env.timeout(world.interarrival(world.opening_rate(org, reference))).callbacks.append(opening)

    def opening(_: simpy.Event) -> None:
        if not world.running(org, generation):
            return
        now = env.now
        people.settle(now)
        for person in world.candidates(org, now):
            people.busy[person] = True
            org.coaches.request(functools.partial(coached, world, org, person, form))
        next_opening()

    return next_opening


def coached(world: World, org: Organisation, person: int, form: int, waited: float) -> None:
    """The end of a placement trajectory (a job coach's time, after a wait for one): start with the employer."""
    people = world.people
    now = world.env.now
    people.busy[person] = False
    people.settle(now)
    if people.exits[person] > now and people.forms[person] == BESCHUT:
        if world.org_of(person) is org:
            world.start_placement(person, form, now, waited)
        else:  # a reorganisation came in between: the new organisation takes the person up
            world.seek_placement(person)


def group_contracts(world: World, org: Organisation, generation: int) -> Callable[[], None]:
    """Group-secondment contracts won (Poisson): a crew of candidates moves to the employer together."""
    env = world.env
    people = world.people
    size = org.params.group_size_persons
    reference = world.orgs_config.network.group_contracts_won_per_year_reference

    def next_contract() -> None:
        env.timeout(world.interarrival(world.opening_rate(org, reference))).callbacks.append(contract)

    def contract(_: simpy.Event) -> None:
        if not world.running(org, generation):
            return
        now = env.now
        people.settle(now)
        crew = world.candidates(org, now, size)
        if len(crew) < max(1, size // 2):
            world.give_back(org, crew)
        else:
            for person in crew:
                people.set_form(person, GROEP, now)
            duration = world.duration(org.params.group_contract_duration_years_mean)
            people.new_crew(np.array(crew, np.int64), now + duration)
        next_contract()

    return next_contract


def staffing_review(world: World, org: Organisation, generation: int) -> Callable[[], None]:
    """Review the coach team against the caseload norms; changes take effect after the hiring or attrition lag."""
    env = world.env
    people = world.people
    interval = org.params.staffing_review_weeks / WEEKS_PER_YEAR

    def next_review() -> None:
        env.timeout(interval).callbacks.append(review)

    def review(_: simpy.Event) -> None:
        if not world.running(org, generation):
            return
        now = env.now
        people.settle(now)
        counts = world.counts_by_form(org, now)
        if sum(counts) == 0 and not (people.entry > now).any():
            org.active = False
            world.set_fte(org, 0.0, now)
            return
        world.update_network(org, now)
        target = world.coach_target(org, counts)
        if not math.isclose(target, org.coach_fte):
            lag = org.params.hiring_lag_weeks if target > org.coach_fte else org.params.attrition_lag_weeks
            change = env.timeout(lag / WEEKS_PER_YEAR)
            change.callbacks.append(functools.partial(staffing_change, world, org, target, generation))
        next_review()  # after the change: at equal times SimPy goes by creation, and the change goes first

    return next_review


def staffing_change(world: World, org: Organisation, fte: float, generation: int, _: simpy.Event) -> None:
    """The hiring or attrition lag is over: the team is at its new size, unless the organisation moved on."""
    if world.running(org, generation):
        world.set_fte(org, fte, world.env.now)


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
