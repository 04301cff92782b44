"""Mortality: a Gompertz law per sex fitted through the CBS one-year probabilities of death, and ages at death."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.domain import SEXES
from sim.inputs.config import MortalityConfig


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
