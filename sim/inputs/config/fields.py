"""The building blocks of every config section: frozen models, numeric field types, documented parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from sim.domain import WORK_FORMS

SHARE_TOLERANCE = 1e-3
"""How far shares may sum from one (the brief's own shares are rounded to three decimals)."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Municipality = str
WorkForm = Literal["beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken"]


def _every_form(value: dict[str, float]) -> dict[str, float]:
    missing = [f for f in WORK_FORMS if f not in value]
    if missing:
        raise ValueError(f"missing form of work {missing[0]!r}")
    return value


ByForm = Annotated[dict[WorkForm, NonNegative], AfterValidator(_every_form)]
"""A non-negative number for each of the four forms of work (all four must be given)."""


class ParamSpec(Frozen):
    """A documented numeric parameter: its value, its plausible range, and optionally a distribution."""

    value: float
    low: float | None = None
    high: float | None = None
    dist: Literal["uniform", "triangular"] | None = None
    note: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _range_holds(self) -> ParamSpec:
        if self.dist is not None and (self.low is None or self.high is None):
            raise ValueError(f"dist = '{self.dist}' needs both low and high")
        if self.low is not None and self.value < self.low:
            raise ValueError(f"value {self.value} is below low {self.low}")
        if self.high is not None and self.value > self.high:
            raise ValueError(f"value {self.value} is above high {self.high}")
        return self


def _check_shares(shares: Mapping[str, float], what: str) -> None:
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=SHARE_TOLERANCE):
        raise ValueError(f"{what} must sum to 1, they sum to {total:.4f}")
