"""The horizon and the starting population: `[horizon]`, `[population]`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from sim.domain import DISABILITY_TYPES, KNOWN_MUNICIPALITIES
from sim.inputs.config.fields import (
    Fraction,
    Frozen,
    Municipality,
    Positive,
    WorkForm,
    _check_shares,
)

# --------------------------------------------------------------------------------------------- horizon


class Horizon(Frozen):
    """The simulated period: from `start_date` (a 1 January) to 31 December of `end_year`."""

    start_date: date
    end_year: int = Field(ge=1970, le=2200)

    @field_validator("start_date")
    @classmethod
    def _first_of_january(cls, value: date) -> date:
        if (value.month, value.day) != (1, 1):
            raise ValueError("must be a 1 January (years are the accounting unit)")
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> Horizon:
        if self.end_year < self.start_date.year:
            raise ValueError(f"end_year {self.end_year} is before the start year {self.start_date.year}")
        return self

    @property
    def start_year(self) -> int:
        return self.start_date.year

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


# ------------------------------------------------------------------------------------------ population


class AgeTargets(Frozen):
    """Summary statistics the synthetic age distribution is matched to, at the start date."""

    mean_years: Positive
    share_over_45: Fraction
    min_entry_age_years: float = Field(default=18.0, ge=15, le=30)
    inflow_stop_date: date = date(2015, 1, 1)
    source: str = ""


class SETargets(Frozen):
    """Contract size (SE, 0 < SE <= 1): full-time share by contract era, part-time SE from a beta law."""

    fulltime_share_before_1998: Fraction
    fulltime_share_since_1998: Fraction
    parttime_mean_se: float = Field(gt=0, lt=1)
    parttime_min_se: float = Field(default=0.3, gt=0, lt=1)
    source: str = ""

    @model_validator(mode="after")
    def _mean_above_min(self) -> SETargets:
        if self.parttime_mean_se <= self.parttime_min_se:
            raise ValueError("parttime_mean_se must exceed parttime_min_se")
        return self


MAX_PERSONS = 500_000
"""Five times the national Wsw workforce at its peak (about 100,000): more is a typo, and would exhaust memory."""


class PopulationConfig(Frozen):
    """Where the starting population comes from: a synthetic generator or an imported file."""

    file: Path | None = None
    seed: int = Field(default=0, ge=0)
    persons: int = Field(default=0, ge=0, le=MAX_PERSONS)
    scale: float = Field(default=1.0, gt=0, le=1)
    municipality_shares: dict[Municipality, Fraction]
    share_men: Fraction = 0.6
    work_form_shares: dict[WorkForm, Fraction]
    disability_shares: dict[str, Fraction] = Field(
        default_factory=lambda: {
            "lichamelijk": 0.29,
            "verstandelijk": 0.36,
            "psychisch": 0.32,
            "onbekend": 0.03,
        }
    )
    age: AgeTargets
    se: SETargets
    earliest_wsw_start: date = date(1969, 1, 1)
    sources: dict[str, str] = Field(default_factory=dict)

    @field_validator("municipality_shares")
    @classmethod
    def _known_municipalities(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(KNOWN_MUNICIPALITIES))
        if unknown:
            raise ValueError(f"unknown municipality {unknown[0]!r}; known: {', '.join(KNOWN_MUNICIPALITIES)}")
        if not value:
            raise ValueError("at least one municipality is needed")
        _check_shares(value, "municipality shares")
        return value

    @field_validator("work_form_shares")
    @classmethod
    def _form_shares(cls, value: dict[str, float]) -> dict[str, float]:
        _check_shares(value, "work form shares")
        return value

    @field_validator("disability_shares")
    @classmethod
    def _disability_shares(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DISABILITY_TYPES))
        if unknown:
            raise ValueError(f"unknown disability type {unknown[0]!r}; known: {', '.join(DISABILITY_TYPES)}")
        _check_shares(value, "disability shares")
        return value

    @model_validator(mode="after")
    def _persons_or_file(self) -> PopulationConfig:
        if self.file is None and self.persons <= 0:
            raise ValueError("give either persons (> 0) for the synthetic generator or file")
        return self

    @property
    def municipalities(self) -> tuple[str, ...]:
        """Municipalities in the canonical order of the domain (not the order of the TOML table)."""
        return tuple(m for m in KNOWN_MUNICIPALITIES if m in self.municipality_shares)
