"""`[calibration]`: the observed stocks a national config is calibrated and backcast against."""

from __future__ import annotations

from pydantic import (
    Field,
)

from sim.inputs.config.fields import (
    Fraction,
    Frozen,
    Positive,
)


class ObservedStock(Frozen):
    """An observed national stock at 31 December of `year` (1 January of the next year)."""

    year: int
    persons: Positive
    se: Positive
    seconded_share: Fraction | None = None
    """Share of persons in group or individual secondment (needs organisations in the backcast scenario)."""
    supported_share: Fraction | None = None
    """Share of persons in supported employment (begeleid werken)."""
    note: str = ""


class CalibrationConfig(Frozen):
    """Observed figures a config is calibrated against (the national backcast) and how close it must come.

    `age_year`, `age_mean_years`, `age_share_over_45`: the observed age profile at 31 December of `age_year`,
    which the starting age profile is fitted to (see `sim.checks.calibration`). `outflow_share_voluntary`: the share
    of the outflow that is not death, pension or illness.
    """

    observed: list[ObservedStock]
    tolerance: float = Field(default=0.02, gt=0, lt=1)
    share_tolerance: float = Field(default=0.02, gt=0, lt=1)
    """How far a simulated share of a form of work may be from the observed one (absolute: 0.02 = 2 points)."""
    age_year: int | None = None
    age_mean_years: Positive | None = None
    age_share_over_45: Fraction | None = None
    outflow_share_voluntary: Fraction | None = None
    source: str = ""
