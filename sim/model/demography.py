"""Exits from the Wsw as competing risks in continuous time: retirement, death, illness, voluntary exit.

Time is measured in calendar years as a float (2019.0 is 1 January 2019, 0h). Retirement is deterministic:
the first day on which a person's age reaches the AOW age of that calendar year. Death (Gompertz through the
CBS one-year probabilities, times an excess-mortality multiplier) and long-term illness (a hazard by age band)
are drawn up front by inverting their cumulative hazards at a unit-exponential draw, vectorised over people.
A voluntary exit consumes a per-person unit-exponential budget at a hazard that depends on the form of work,
so a person whose form changes keeps the same budget (common random numbers across scenarios).

Nothing organisational enters here: job security means no reorganisation can cause an exit.
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from sim.domain import DEATH, ILLNESS, NO_EXIT, RETIREMENT, VOLUNTARY, WORK_FORMS
from sim.inputs.config import DemographyConfig, IllnessConfig
from sim.model.mortality import Gompertz, death_ages, gompertz_by_sex
from sim.model.population import Population
from sim.model.retirement import AowTable, build_aow_table, retirement_month

# ------------------------------------------------------------------------------------------- illness


@dataclass(frozen=True)
class PiecewiseHazard:
    """A hazard constant on age bands [edge_k, edge_k+1), the last band open-ended."""

    edges: np.ndarray
    rates: np.ndarray

    @classmethod
    def from_config(cls, cfg: IllnessConfig) -> PiecewiseHazard:
        return cls(
            edges=np.array([b.from_age for b in cfg.bands], dtype=float),
            rates=np.array([b.hazard_per_year for b in cfg.bands], dtype=float),
        )

    def hazard(self, age: np.ndarray) -> np.ndarray:
        """The hazard per year at `age` (the rate of the band `age` falls in)."""
        # a search among the edges gives at most len(edges), so k needs no upper bound: past the last edge it is
        # the last band (here and below)
        k = np.maximum(np.searchsorted(self.edges, np.asarray(age, dtype=float), side="right") - 1, 0)
        return self.rates[k]

    def cumulative(self, age: np.ndarray) -> np.ndarray:
        """Integral of the hazard from age 0 to `age`."""
        age = np.asarray(age, dtype=float)
        widths = np.diff(self.edges)
        at_edges = np.concatenate([[0.0], np.cumsum(widths * self.rates[:-1])])
        k = np.maximum(np.searchsorted(self.edges, age, side="right") - 1, 0)
        return at_edges[k] + (age - self.edges[k]) * self.rates[k]

    @functools.cached_property
    def _lists(self) -> tuple[list[float], list[float], list[float]]:
        """Edges, rates and the cumulative hazard at each edge as floats: one person's value needs no numpy."""
        at_edges = np.concatenate([[0.0], np.cumsum(np.diff(self.edges) * self.rates[:-1])])
        return self.edges.tolist(), self.rates.tolist(), at_edges.tolist()

    def cumulative_at(self, age: float) -> float:
        """`cumulative` for one age, in plain floats (the same arithmetic, so the same value)."""
        edges, rates, at_edges = self._lists
        k = max(bisect.bisect_right(edges, age) - 1, 0)
        return at_edges[k] + (age - edges[k]) * rates[k]

    def inverse_at(self, age: float, e: float) -> float:
        """`inverse_from` for one age and draw, in plain floats."""
        edges, rates, at_edges = self._lists
        target = self.cumulative_at(age) + e
        k = max(bisect.bisect_right(at_edges, target) - 1, 0)
        rate = rates[k]
        return max(edges[k] + (target - at_edges[k]) / rate, age) if rate > 0 else math.inf

    def inverse_from(self, age: np.ndarray, e: np.ndarray) -> np.ndarray:
        """The age at which the cumulative hazard since `age` reaches `e` (inf if it never does)."""
        widths = np.diff(self.edges)
        at_edges = np.concatenate([[0.0], np.cumsum(widths * self.rates[:-1])])
        target = self.cumulative(age) + e
        k = np.maximum(np.searchsorted(at_edges, target, side="right") - 1, 0)
        rate = self.rates[k]
        # in a band without hazard the rest of `e` is never spent: inf years
        years = np.divide(target - at_edges[k], rate, out=np.full(np.shape(target), np.inf), where=rate > 0)
        return np.maximum(self.edges[k] + years, age)


# ------------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class DemographyModel:
    """Everything needed to draw exits, derived once from the config."""

    aow: AowTable
    mortality: tuple[Gompertz, ...]
    excess_mortality: float
    illness: PiecewiseHazard
    voluntary_hazard_per_year: np.ndarray  # by work form code
    voluntary_by_age: PiecewiseHazard = field(
        default_factory=lambda: PiecewiseHazard(edges=np.zeros(1), rates=np.ones(1))
    )
    """The multiplier of the voluntary hazard by age band (its `cumulative` integrates the multiplier)."""

    @classmethod
    def from_config(cls, cfg: DemographyConfig) -> DemographyModel:
        return cls(
            aow=build_aow_table(cfg.aow),
            mortality=gompertz_by_sex(cfg.mortality),
            excess_mortality=cfg.mortality.excess_multiplier,
            illness=PiecewiseHazard.from_config(cfg.illness),
            voluntary_hazard_per_year=np.array([cfg.voluntary.hazard_per_year[f] for f in WORK_FORMS]),
            voluntary_by_age=PiecewiseHazard(
                edges=np.array([b.from_age for b in cfg.voluntary.age_bands], dtype=float),
                rates=np.array([b.multiplier for b in cfg.voluntary.age_bands], dtype=float),
            ),
        )


@dataclass(frozen=True, eq=False)
class ExitDraws:
    """Per person: entry time, the latent times of each exit reason, and the voluntary-exit budget.

    `retirement`, `death` and `illness` do not depend on anything organisational; the earliest of them is
    the demographic exit. `voluntary_budget` is a unit exponential: the voluntary exit happens when the
    integrated voluntary hazard (which depends on the form of work) reaches it.
    """

    entry: np.ndarray
    retirement: np.ndarray
    death: np.ndarray
    illness: np.ndarray
    voluntary_budget: np.ndarray
    birth: np.ndarray
    """Birth time (calendar years): the voluntary hazard depends on age."""

    @property
    def demographic_exit(self) -> np.ndarray:
        return np.minimum(np.minimum(self.retirement, self.death), self.illness)

    @property
    def demographic_reason(self) -> np.ndarray:
        times = np.stack([self.retirement, self.death, self.illness])
        return np.array([RETIREMENT, DEATH, ILLNESS], dtype=np.int8)[np.argmin(times, axis=0)]


def draw_exits(pop: Population, entry: np.ndarray, model: DemographyModel, rng: np.random.Generator) -> ExitDraws:
    """Draw the latent exit times of `pop`, who enter at times `entry` (vectorised, three draws a person).

    The retirement time is never before entry: somebody already past the AOW date retires on entering.
    """
    n = len(pop)
    e = rng.standard_exponential((3, n))
    birth = pop.birth_month / 12.0
    age_at_entry = entry - pop.birth_month / 12.0
    retirement = np.maximum(retirement_month(pop.birth_month, model.aow) / 12.0, entry)
    death = pop.birth_month / 12.0 + death_ages(age_at_entry, pop.sex, e[0], model.mortality, model.excess_mortality)
    illness = pop.birth_month / 12.0 + model.illness.inverse_from(age_at_entry, e[1])
    return ExitDraws(
        entry=entry, retirement=retirement, death=death, illness=illness, voluntary_budget=e[2], birth=birth
    )


def resolve_exits(draws: ExitDraws, voluntary_exit: np.ndarray, horizon_end: float) -> tuple[np.ndarray, np.ndarray]:
    """Combine the demographic exit with a voluntary exit time: (time, reason); NO_EXIT past the horizon."""
    demographic = draws.demographic_exit
    time = np.minimum(demographic, voluntary_exit)
    reason = np.where(voluntary_exit < demographic, np.int8(VOLUNTARY), draws.demographic_reason)
    beyond = time >= horizon_end
    return np.where(beyond, np.inf, time), np.where(beyond, np.int8(NO_EXIT), reason).astype(np.int8)


def constant_form_voluntary_exit(draws: ExitDraws, work_form: np.ndarray, model: DemographyModel) -> np.ndarray:
    """Voluntary exit times of people who keep their form of work throughout."""
    return voluntary_exit_from(
        draws.entry, draws.birth, draws.voluntary_budget, model.voluntary_hazard_per_year[work_form], model
    )


def voluntary_exit_from(
    at: np.ndarray, birth: np.ndarray, budget: np.ndarray, rate: np.ndarray, model: DemographyModel
) -> np.ndarray:
    """When the voluntary hazard `rate` (per year, by form) x the age multiplier, integrated from `at`, spends
    `budget` (inf when it never does)."""
    spend = np.divide(budget, rate, out=np.full(np.shape(budget), np.inf), where=rate > 0)  # inf: no hazard
    by_age = model.voluntary_by_age
    if len(by_age.rates) == 1 and by_age.rates[0] == 1.0:  # the same hazard at every age
        return at + spend
    finite = np.isfinite(spend)
    time = birth + by_age.inverse_from(at - birth, np.where(finite, spend, 0.0))
    return np.where(finite, time, np.inf)
