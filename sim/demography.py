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

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sim.config import AowConfig, DemographyConfig, IllnessConfig, MortalityConfig
from sim.domain import DEATH, ILLNESS, NO_EXIT, RETIREMENT, SEXES, VOLUNTARY, WORK_FORMS
from sim.population import Population

AOW_TABLE_LAST_YEAR = 2200
"""Years up to which the AOW table is materialised (constant after the last projection point)."""


# ------------------------------------------------------------------------------------------------ AOW


@dataclass(frozen=True)
class AowTable:
    """AOW age in months for every calendar year from `first_year` to AOW_TABLE_LAST_YEAR."""

    first_year: int
    months: np.ndarray  # int32

    def months_in(self, year: int | np.ndarray) -> np.ndarray:
        idx = np.clip(np.asarray(year) - self.first_year, 0, len(self.months) - 1)
        return self.months[idx]


def build_aow_table(cfg: AowConfig) -> AowTable:
    """The statutory table, then the projection interpolated and rounded down to whole steps above its last age."""
    first, last = min(cfg.months_by_year), max(cfg.months_by_year)
    months = [cfg.months_by_year[y] for y in range(first, last + 1)]
    base = cfg.months_by_year[last]  # the rule adds whole steps to the current (last statutory) age
    points = [(last, float(base)), *cfg.projection]
    for year in range(last + 1, AOW_TABLE_LAST_YEAR + 1):
        value = points[-1][1]
        for (y0, m0), (y1, m1) in itertools.pairwise(points):
            if y0 <= year <= y1:
                value = m0 + (m1 - m0) * (year - y0) / (y1 - y0)
                break
        stepped = base + math.floor((value - base) / cfg.step_months + 1e-9) * cfg.step_months
        months.append(max(stepped, months[-1]))
    return AowTable(first_year=first, months=np.array(months, dtype=np.int32))


def retirement_month(birth_month: np.ndarray, table: AowTable) -> np.ndarray:
    """The month index of each person's AOW date.

    A person born in month b reaches the AOW age of year y in month b + A(y); the AOW date is the first month
    m with m >= b + A(year of m). Since A never falls, that is the smallest max(12y, b + A(y)) over the years y
    with b + A(y) before the end of y.
    """
    b = np.asarray(birth_month, dtype=np.int64)[:, None]
    birth_year = b // 12
    # The AOW date falls in a year from birth year + A_min // 12 (it cannot come earlier) to birth year +
    # A_max // 12 + 1 (there b + A(y) <= b + A_max lies within y): only these few years are candidates.
    lowest, highest = int(table.months.min()) // 12, int(table.months.max()) // 12 + 1
    years = birth_year + np.arange(lowest, highest + 1)[None, :]
    candidate = b + table.months_in(years)
    valid = candidate < 12 * (years + 1)
    month = np.where(valid, np.maximum(12 * years, candidate), np.iinfo(np.int64).max)
    return month.min(axis=1).astype(np.int64)


# ------------------------------------------------------------------------------------------ mortality


@dataclass(frozen=True)
class Gompertz:
    """Hazard mu(x) = a * exp(b * x) per year at age x."""

    a: float
    b: float

    def q(self, age: float) -> float:
        """One-year probability of death at exact age `age`."""
        return -math.expm1(-self.a * math.exp(self.b * age) * _expm1_over(self.b))

    def hazard(self, age: np.ndarray, multiplier: float = 1.0) -> np.ndarray:
        """The force of mortality per year at `age`, times `multiplier`."""
        return multiplier * self.a * np.exp(self.b * np.asarray(age, dtype=float))

    def cumulative(self, age: np.ndarray, multiplier: float = 1.0) -> np.ndarray:
        """Integral of the hazard from age 0 to `age` (times `multiplier`); `death_ages` inverts its increments."""
        age = np.asarray(age, dtype=float)
        if self.b == 0:  # a flat hazard
            return multiplier * self.a * age
        return multiplier * self.a / self.b * np.expm1(self.b * age)


def _expm1_over(b: float) -> float:
    """(e^b - 1) / b, which tends to 1 as b -> 0 (a flat hazard: q equal at every age)."""
    return math.expm1(b) / b if b != 0 else 1.0


def fit_gompertz(points: list[tuple[float, float]]) -> Gompertz:
    """Least squares on log one-year cumulative hazards; exact through two points."""
    ages = np.array([a for a, _ in points])
    log_h = np.log(-np.log1p(-np.array([q for _, q in points])))
    b, c = np.polyfit(ages, log_h, 1)
    a = math.exp(c) / _expm1_over(float(b))
    return Gompertz(a=float(a), b=float(b))


def gompertz_by_sex(cfg: MortalityConfig) -> tuple[Gompertz, ...]:
    return tuple(fit_gompertz(cfg.qx_points[sex]) for sex in SEXES)


def death_ages(
    age: np.ndarray, sex: np.ndarray, e: np.ndarray, laws: tuple[Gompertz, ...], multiplier: float
) -> np.ndarray:
    """Age at death given current `age` and unit-exponential draws `e` (inverse cumulative hazard).

    The cumulative hazard from x to T is (h/b)(e^{b(T-x)} - 1) with h = a e^{bx} the hazard at x, so
    T = x + log1p(e b / h) / b. A falling hazard (b < 0, q points that decrease with age) integrates to a
    finite total h/|b|: a draw beyond it means the person never dies (inf). b = 0 is a constant hazard.
    """
    if multiplier <= 0:
        return np.full(len(age), np.inf)
    a = np.array([law.a for law in laws])[sex] * multiplier
    b = np.array([law.b for law in laws])[sex]
    hazard_now = a * np.exp(b * age)
    z = e * b / hazard_now
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = np.where(b != 0, np.log1p(np.maximum(z, -1.0)) / np.where(b != 0, b, 1.0), e / hazard_now)
    return age + np.where(z > -1.0, delay, np.inf)


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
        k = np.clip(np.searchsorted(self.edges, np.asarray(age, dtype=float), side="right") - 1, 0, len(self.edges) - 1)
        return self.rates[k]

    def cumulative(self, age: np.ndarray) -> np.ndarray:
        """Integral of the hazard from age 0 to `age`."""
        age = np.asarray(age, dtype=float)
        widths = np.diff(self.edges)
        at_edges = np.concatenate([[0.0], np.cumsum(widths * self.rates[:-1])])
        k = np.clip(np.searchsorted(self.edges, age, side="right") - 1, 0, len(self.edges) - 1)
        return at_edges[k] + (age - self.edges[k]) * self.rates[k]

    def inverse_from(self, age: np.ndarray, e: np.ndarray) -> np.ndarray:
        """The age at which the cumulative hazard since `age` reaches `e` (inf if it never does)."""
        widths = np.diff(self.edges)
        at_edges = np.concatenate([[0.0], np.cumsum(widths * self.rates[:-1])])
        target = self.cumulative(age) + e
        k = np.clip(np.searchsorted(at_edges, target, side="right") - 1, 0, len(self.edges) - 1)
        rate = self.rates[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self.edges[k] + (target - at_edges[k]) / rate
        return np.where(rate > 0, np.maximum(out, age), np.inf)


# ------------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class DemographyModel:
    """Everything needed to draw exits, derived once from the config."""

    aow: AowTable
    mortality: tuple[Gompertz, ...]
    excess_mortality: float
    illness: PiecewiseHazard
    voluntary_hazard_per_year: np.ndarray  # by work form code

    @classmethod
    def from_config(cls, cfg: DemographyConfig) -> DemographyModel:
        return cls(
            aow=build_aow_table(cfg.aow),
            mortality=gompertz_by_sex(cfg.mortality),
            excess_mortality=cfg.mortality.excess_multiplier,
            illness=PiecewiseHazard.from_config(cfg.illness),
            voluntary_hazard_per_year=np.array([cfg.voluntary.hazard_per_year[f] for f in WORK_FORMS]),
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
    age_at_entry = entry - pop.birth_month / 12.0
    retirement = np.maximum(retirement_month(pop.birth_month, model.aow) / 12.0, entry)
    death = pop.birth_month / 12.0 + death_ages(age_at_entry, pop.sex, e[0], model.mortality, model.excess_mortality)
    illness = pop.birth_month / 12.0 + model.illness.inverse_from(age_at_entry, e[1])
    return ExitDraws(entry=entry, retirement=retirement, death=death, illness=illness, voluntary_budget=e[2])


def resolve_exits(draws: ExitDraws, voluntary_exit: np.ndarray, horizon_end: float) -> tuple[np.ndarray, np.ndarray]:
    """Combine the demographic exit with a voluntary exit time: (time, reason); NO_EXIT past the horizon."""
    demographic = draws.demographic_exit
    time = np.minimum(demographic, voluntary_exit)
    reason = np.where(voluntary_exit < demographic, np.int8(VOLUNTARY), draws.demographic_reason)
    beyond = time >= horizon_end
    return np.where(beyond, np.inf, time), np.where(beyond, np.int8(NO_EXIT), reason).astype(np.int8)


def constant_form_voluntary_exit(draws: ExitDraws, work_form: np.ndarray, model: DemographyModel) -> np.ndarray:
    """Voluntary exit times of people who keep their form of work throughout."""
    rate = model.voluntary_hazard_per_year[work_form]
    with np.errstate(divide="ignore"):
        return np.where(rate > 0, draws.entry + draws.voluntary_budget / rate, np.inf)
