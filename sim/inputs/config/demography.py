"""Exits: `[demography]` (AOW ages, mortality, illness, voluntary exits, what-if inflow)."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from sim.domain import SEXES
from sim.inputs.config.fields import (
    ByForm,
    Fraction,
    Frozen,
    NonNegative,
    WorkForm,
)

# ----------------------------------------------------------------------------------------- demography


class AgeBand(Frozen):
    from_age: NonNegative
    hazard_per_year: NonNegative = Field(description="illness exit hazard a year, from this age on")


class AowConfig(Frozen):
    """AOW (state pension) age in months, by the calendar year in which it is reached.

    Years after the statutory table follow `projection`: (year, months) points, linearly interpolated,
    rounded down to whole `step_months`, and constant after the last point.
    """

    months_by_year: dict[int, Annotated[int, Field(ge=600, le=960)]]
    projection: list[tuple[int, Annotated[float, Field(ge=600, le=960)]]] = Field(default_factory=list)
    step_months: int = Field(default=3, ge=1, le=12)
    projection_note: str = ""

    @field_validator("months_by_year")
    @classmethod
    def _contiguous(cls, value: dict[int, int]) -> dict[int, int]:
        if not value:
            raise ValueError("the AOW table is empty")
        years = sorted(value)
        if years != list(range(years[0], years[-1] + 1)):
            raise ValueError("the AOW table must list every year from its first to its last")
        months = [value[y] for y in years]
        if any(b < a for a, b in itertools.pairwise(months)):
            raise ValueError("the AOW age may not fall from one year to the next")
        return value

    @model_validator(mode="after")
    def _projection_after_table(self) -> AowConfig:
        last = max(self.months_by_year)
        for year, months in self.projection:
            if year <= last:
                raise ValueError(f"projection year {year} must come after the table's last year {last}")
            if months < self.months_by_year[last]:
                raise ValueError(f"projection {months} months in {year} is below the table's last value")
        years = [y for y, _ in self.projection]
        if years != sorted(set(years)):
            raise ValueError("projection years must increase")
        return self


class MortalityConfig(Frozen):
    """Gompertz mortality fitted through CBS one-year death probabilities q(x), by sex, times a multiplier."""

    qx_points: dict[Literal["M", "V"], list[tuple[Annotated[float, Field(ge=0, le=110)], Fraction]]]
    excess_multiplier: NonNegative = Field(
        default=1.0, description="excess mortality of Wsw employees against the general population"
    )

    @field_validator("qx_points")
    @classmethod
    def _two_points_each(cls, value: dict[str, list[tuple[float, float]]]) -> dict[str, list[tuple[float, float]]]:
        for sex in SEXES:
            points = value.get(sex, [])
            if len(points) < 2:
                raise ValueError(f"{sex}: at least two (age, q) points are needed for a Gompertz fit")
            if len({a for a, _ in points}) != len(points) or any(q <= 0 for _, q in points):
                raise ValueError(f"{sex}: ages must differ and q must be positive")
        return value


class IllnessConfig(Frozen):
    """Long-term illness or incapacity (exit after two years of illness): a hazard by age band."""

    bands: list[AgeBand]

    @field_validator("bands")
    @classmethod
    def _ordered(cls, value: list[AgeBand]) -> list[AgeBand]:
        if not value:
            raise ValueError("at least one band is needed")
        ages = [b.from_age for b in value]
        if ages != sorted(set(ages)):
            raise ValueError("bands must be in increasing from_age order")
        if ages[0] > 0:
            raise ValueError("the first band must start at from_age = 0")
        return value


class AgeMultiplier(Frozen):
    from_age: NonNegative
    multiplier: NonNegative = Field(description="voluntary exit hazard multiplier, from this age on")


class VoluntaryConfig(Frozen):
    """Voluntary and other exits: a hazard by form of work, times a multiplier by age band.

    `age_bands` (from_age, multiplier), the first from age 0: leaving a job becomes rarer with age and tenure,
    so the multiplier falls with age. The default is one band with multiplier 1 (the same hazard at every age).
    """

    hazard_per_year: ByForm
    age_bands: list[AgeMultiplier] = Field(default_factory=lambda: [AgeMultiplier(from_age=0, multiplier=1.0)])

    @field_validator("age_bands")
    @classmethod
    def _ordered(cls, value: list[AgeMultiplier]) -> list[AgeMultiplier]:
        ages = [b.from_age for b in value]
        if not value or ages != sorted(set(ages)) or ages[0] > 0:
            raise ValueError("bands must start at from_age = 0 and be in increasing from_age order")
        return value


class InflowConfig(Frozen):
    """What-if inflow of new Wsw employees (none since 1 January 2015 under the Participatiewet)."""

    persons_per_year: int = Field(default=0, ge=0)
    first_year: int | None = None
    last_year: int | None = None
    age_mean_years: float = Field(default=30.0, ge=16, le=65)
    age_sd_years: float = Field(default=8.0, gt=0)
    work_form: WorkForm = "beschut_binnen"
    se: float = Field(default=0.9, gt=0, le=1)


class DemographyConfig(Frozen):
    aow: AowConfig
    mortality: MortalityConfig
    illness: IllnessConfig
    voluntary: VoluntaryConfig
    inflow: InflowConfig = InflowConfig()
