"""Organisations on a scenario's timeline: who belongs to which, their employer network, and the scenario run.

A scenario partitions the municipalities into organisations, with dates (`sim.model.reorganisation`). Each
organisation has
- job coaches (`sim.model.coaches`): a team whose size follows the staffing rule, with lags;
- an employer network that produces openings and group contracts (`sim.model.placements`) at the reference
  rates times its reach, (network x multiplier) ** elasticity: diminishing returns of a larger network.
  Each municipality holds a share of the region's network, its share of the employees at the start; a
  municipality's share shrinks with the part of its workforce left, and by `loss_on_move` when it changes
  organisation;
- its own parameters (overhead, policy, caseload norms, ...), which `sim.model.finance` turns into money.

`World` assembles one scenario of one replication: the SimPy environment (`ScenarioEnvironment`), the
workforce, the organisations over time, and the processes: for every organisation its employer openings,
group contracts and staffing reviews, and the scenario's reorganisations. Only what interacts has events;
exit times are known up front and placement ends are applied without one (`sim.model.workforce`). Nothing
here ever causes an exit: on a reorganisation every employee moves to their municipality's new
organisation keeping form of work and contract (job security).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.domain import WORK_FORMS
from sim.inputs.config import Config, OrganisationParams, Partition, Rule
from sim.model.coaches import CoachTeam
from sim.model.workforce import ScenarioEnvironment, Workforce

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


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


@dataclass(eq=False)
class Organisation:
    """An organisation of one or more municipalities, with its coaches, network and candidates."""

    name: str
    members: tuple[int, ...]
    params: OrganisationParams
    coaches: CoachTeam
    coach_fte: float = 0.0
    network: float = 0.0
    reach: float = 0.0
    """(network x multiplier) ** elasticity: what the reference rates of openings and contracts are scaled by."""
    persons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pool: list[tuple[float, int]] = field(default_factory=list)
    """Candidates for a placement, a heap of (placeability, person)."""
    processes: list[simpy.Process] = field(default_factory=list)
    coach_fte_per_100_persons: list[float] = field(init=False)
    """The caseload norms by form code."""

    def __post_init__(self) -> None:
        self.coach_fte_per_100_persons = [self.params.coach_fte_per_100_persons[f] for f in WORK_FORMS]


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
        rules: Sequence[Rule] = (),
    ) -> None:
        assert config.organisations is not None
        self.env = ScenarioEnvironment(workforce, initial_time=start)
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
        at_start = self.weights_by_municipality(present)
        self.network_share: list[float] = (at_start / max(at_start.sum(), 1e-12)).tolist()
        self.start_weight: list[float] = np.maximum(at_start, 1e-12).tolist()
        self.timeline = timeline
        self.rules = rules
        self.applied: list[Partition] = []
        """Every partition applied, in order: the timeline as it happened, rules included."""
        self.absorbed_by: dict[str, str] = {}
        self.dissolved: list[tuple[float, str, int, float]] = []
        """Organisations that ended with people: (time, name, municipality, its share of the people)."""
        """Organisations ended by a rule, and the organisation their municipalities joined."""
        self.unit_exponential = UnitExponentials(rng)
        self.interarrival: Callable[[float], float] = self._exponential
        """The wait for the next opening or contract at a rate per year (replaceable, for exact traces)."""
        self._municipality = workforce.municipality.astype(np.intp)
        self._cell_base = self._municipality * len(WORK_FORMS)  # + form: the census cell
        self.municipality_of: list[int] = workforce.municipality.tolist()
        self.placeability: list[float] = workforce.placeability.tolist()
        self._employed = np.arange(len(workforce.se))  # shrinks as people leave (see `census`)
        self._inflow = bool(len(workforce.entry)) and float(workforce.entry.max()) > start  # anybody entering later
        self._census: Census | None = None

    def _exponential(self, rate: float) -> float:
        return (1.0 / rate) * self.unit_exponential() if rate > 0 else math.inf  # as rng.exponential(1 / rate)

    def uniform(self) -> float:
        """A uniform(0, 1] draw from the same stream as the durations (exp(-E) of a unit exponential E)."""
        return math.exp(-self.unit_exponential())

    def duration(self, mean: float) -> float:
        """An exponential duration with this mean."""
        return self.unit_exponential() * mean

    # ------------------------------------------------------------------------------------- who is where

    def members_mask(self, org: Organisation) -> np.ndarray:
        """Who is of a member municipality of `org` (a look-up by municipality: `np.isin` sorts, ten times slower)."""
        member = np.zeros(len(self.municipalities), bool)
        member[list(org.members)] = True
        return member[self._municipality]

    def org_of(self, person: int) -> Organisation | None:
        return self.org_of_muni[self.municipality_of[person]]

    def organisation(self, name: str, members: tuple[int, ...]) -> Organisation:
        """The organisation `name` with these members: the existing one, or a new one from now on."""
        org = self.organisations.get(name)
        if org is None:
            params = self.orgs_config.params(name)
            org = Organisation(name=name, members=members, params=params, coaches=CoachTeam(self.env))
            if self.env.now > self.start:
                self.created.setdefault(name, []).append(self.env.now)
        org.members = members
        org.persons = np.flatnonzero(self.members_mask(org))
        return org

    def census(self, now: float) -> Census:
        """Who is employed at `now`, by municipality and form, with weights by municipality.

        Kept until the time or the state changes: the organisations' reviews fall on the same dates.
        """
        p = self.people
        key = (now, p.version)
        if self._census is None or self._census.key != key:
            # who has left by now stays gone: every end up to now is applied, and nobody's form (and so exit
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

    def weights_by_municipality(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(
            self.people.municipality[mask], weights=self.weight[mask], minlength=len(self.municipalities)
        )

    # ----------------------------------------------------------------------------------------- network

    def update_network(self, org: Organisation, now: float) -> None:
        """An organisation's network: its members' shares, each scaled by the part of their workforce left."""
        left = self.census(now).weights
        share, start = self.network_share, self.start_weight
        network = 0.0  # a loop, not `sum()` (see `staffing.coach_target`)
        for m in org.members:
            network += share[m] * left[m] / start[m]
        org.network = network
        strength = org.network * org.params.network_multiplier
        org.reach = strength**self.orgs_config.network.elasticity if strength > 0 else 0.0

    # --------------------------------------------------------------------------------------- processes

    def stop_processes(self, org: Organisation) -> None:
        for process in org.processes:
            if process.is_alive and process is not self.env.active_process:
                process.interrupt()
        org.processes = []

    def successor(self, name: str) -> str | None:
        """The organisation `name`'s municipalities are in now: itself, or where rules moved them; None if
        it does not exist (yet)."""
        while name in self.absorbed_by and name not in self.organisations:
            name = self.absorbed_by[name]
        return name if name in self.organisations else None
