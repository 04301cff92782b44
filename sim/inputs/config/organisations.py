"""Scenarios and organisations: `[scenarios]`, `[organisations]`, `[money]`, `[viability]`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from sim.inputs.config.fields import (
    ByForm,
    Fraction,
    Frozen,
    Municipality,
    NonNegative,
    Positive,
    _check_shares,
)

# ------------------------------------------------------------------------------------------- scenarios


class Partition(Frozen):
    """From `start` (a 1 January) on, which organisation each municipality belongs to."""

    start: date
    organisations: dict[str, list[Municipality]]

    @field_validator("start")
    @classmethod
    def _first_of_january(cls, value: date) -> date:
        if (value.month, value.day) != (1, 1):
            raise ValueError("must be a 1 January (reorganisations take effect at the start of a year)")
        return value


class ScenarioConfig(Frozen):
    """A scenario: a timeline of partitions of the municipalities into organisations.

    An empty timeline means no organisations at all: demography only (no placements, no money).
    """

    description: str = ""
    timeline: list[Partition] = Field(default_factory=list)


# --------------------------------------------------------------------------------------- organisations

PlacementForm = Literal["individuele_detachering", "begeleid_werken"]


class OrganisationParams(Frozen):
    """What one organisation costs and how it works. Defaults apply to every organisation; a config may
    override any field per organisation (its own policy, overhead shared with municipal services, a local
    employer network that places people better, ...). Money in EUR of the money.price_year."""

    fixed_overhead_eur_per_year: NonNegative
    governance_eur_per_year: NonNegative = Field(
        default=0.0, description="joint governance layer (board, supervisory board); only with several members"
    )
    staff_cost_eur_per_person_year: ByForm
    coach_fte_per_100_persons: ByForm
    coach_min_team_fte: NonNegative = 1.0
    coach_trajectories_per_fte: Positive = 2.0
    coaching_weeks: Positive = 12.0
    hiring_lag_weeks: NonNegative = 13.0
    attrition_lag_weeks: NonNegative = 26.0
    staffing_review_weeks: Positive = 52.0
    placement_ambition: Fraction = 0.25
    placement_duration_years_mean: dict[PlacementForm, Positive]
    network_multiplier: NonNegative = 1.0
    group_size_persons: int = Field(default=8, ge=1)
    group_contract_duration_years_mean: Positive = 8.0
    replacement_chance: Fraction = Field(
        default=0.0,
        description="share of people back from a placement or group contract who are candidates again "
        "(a fresh placeability below the ambition); the others keep their own placeability",
    )
    group_contract_renewal: Fraction = Field(
        default=0.0, description="probability that a group contract is renewed when it ends (the crew stays)"
    )
    supported_employment_exit_share: Fraction = Field(
        default=0.0,
        description="share of supported-employment placements that end with an exit from the Wsw (counted "
        "as a voluntary exit); the others come back to beschut_binnen",
    )
    sheltered_policy: Literal["run", "buy"] = "run"
    site_min_occupancy: Fraction = 0.3
    setup_cost_eur: NonNegative = 0.0

    @field_validator("placement_duration_years_mean")
    @classmethod
    def _both_placement_forms(cls, value: dict[str, float]) -> dict[str, float]:
        for form in ("individuele_detachering", "begeleid_werken"):
            if form not in value:
                raise ValueError(f"missing form of work {form!r}")
        return value


class NetworkConfig(Frozen):
    """The employer network and the openings it produces.

    Each municipality holds a share of the region's network: its share of the employees at the start. An
    organisation's network is the sum of its members' shares, each scaled by the part of that municipality's
    workforce still employed (a network lives on the people it places), times the organisation's
    `network_multiplier`. Openings a year = reference rate x network ** elasticity: the whole region at the
    start gets the reference rate, and an elasticity below 1 gives diminishing returns (so, by itself, a split
    raises the openings per employee). A municipality that changes organisation loses `loss_on_move` of its
    share (contacts that stay with the old account managers).
    """

    openings_per_year_reference: dict[PlacementForm, NonNegative]
    group_contracts_won_per_year_reference: NonNegative = 2.0
    elasticity: Annotated[float, Field(gt=0, le=1.5)] = 0.8
    loss_on_move: Fraction = 0.2


class Site(Frozen):
    """A sheltered-work site: it belongs to the organisation of the municipality it stands in."""

    name: str
    municipality: Municipality
    capacity_persons: int = Field(gt=0)
    fixed_cost_eur_per_year: NonNegative
    closure_cost_eur: NonNegative = 0.0


class MoneyConfig(Frozen):
    """Prices (EUR of `price_year`) and their yearly indexation; the allocation key of the balance."""

    price_year: int = Field(default=2019, ge=1990, le=2100)
    wage_cost_eur_per_se: Positive
    wage_index_per_year: Annotated[float, Field(ge=-0.05, le=0.2)] = 0.02
    subsidy_eur_per_se: NonNegative
    subsidy_index_per_year: Annotated[float, Field(ge=-0.05, le=0.2)] = 0.0193
    added_value_eur_per_se: ByForm
    price_index_per_year: Annotated[float, Field(ge=-0.05, le=0.2)] = 0.02
    wage_subsidy_eur_per_se: NonNegative
    coach_cost_eur_per_fte_year: NonNegative
    sheltered_place_tariff_eur_per_person_year: NonNegative
    allocation_key: Literal["se_share", "persons_share", "fixed"] = "se_share"
    fixed_allocation: dict[Municipality, Fraction] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fixed_key(self) -> MoneyConfig:
        if self.allocation_key == "fixed":
            if not self.fixed_allocation:
                raise ValueError("allocation_key = 'fixed' needs fixed_allocation")
            _check_shares(self.fixed_allocation, "fixed_allocation")
        return self


class ViabilityConfig(Frozen):
    """Thresholds below which an organisation is judged too small to stand (used by the analysis)."""

    min_persons: NonNegative = 100
    max_overhead_eur_per_se: NonNegative = 5000


class Memo:
    """A cache held by a frozen model: not part of its value, so it never makes two models unequal."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Memo)

    __hash__ = None  # type: ignore[assignment]


class OrganisationsConfig(Frozen):
    """Organisation parameters, the employer network, the sites, and how a split divides coaches and network.

    `division_key`: on a reorganisation each municipality takes its share of its old organisation's coaches,
    and holds its share of the region's network, by its employees (`persons`) or their contract size (`se`).
    """

    defaults: OrganisationParams
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    network: NetworkConfig
    sites: list[Site] = Field(default_factory=list)
    division_key: Literal["persons", "se"] = "persons"
    _merged: Memo = PrivateAttr(default_factory=lambda: Memo())

    def params(self, name: str) -> OrganisationParams:
        """The parameters of organisation `name`: the defaults with its overrides (merged once: it is frozen).

        `model_copy` shares private attributes with the copy, which may have other parameters (a replication's
        draws): an entry counts only for the object that made it.
        """
        private = self.__pydantic_private__
        assert private is not None
        merged: dict[str, tuple[OrganisationsConfig, OrganisationParams]] = private["_merged"].entries  # fast
        entry = merged.get(name)
        if entry is None or entry[0] is not self:
            entry = merged[name] = (self, self._merge(name))
        return entry[1]

    def _merge(self, name: str) -> OrganisationParams:
        override = self.overrides.get(name)
        if not override:
            return self.defaults
        merged = self.defaults.model_dump()
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return OrganisationParams.model_validate(merged)
