"""Scenarios and organisations: `[scenarios]`, `[organisations]`, `[money]`, `[viability]`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import numpy as np
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
    """From `start` (a 1 January) on, which organisation each municipality belongs to.

    `employers`: organisations that keep the employer role for some municipalities while buying places and
    coaching from the organisation those municipalities are in (a service agreement). Their people work in,
    are coached by and placed through that organisation, whose costs they share by the allocation key; the
    employer pays only its own `employer_overhead_eur_per_year` on top. Written by a `buy_services_from`
    rule, or in a timeline.
    """

    start: date
    organisations: dict[str, list[Municipality]]
    employers: dict[str, list[Municipality]] = Field(default_factory=dict)

    @field_validator("start")
    @classmethod
    def _first_of_january(cls, value: date) -> date:
        if (value.month, value.day) != (1, 1):
            raise ValueError("must be a 1 January (reorganisations take effect at the start of a year)")
        return value


class Rule(Frozen):
    """An organisation that ends: evaluated at each 1 January while `organisation` exists.

    Exactly one of `when = "below_viability"` (fires after `for_years` consecutive 1 Januaries below a
    threshold of [viability]) and `at` (a decision by date, a 1 January). `merge_into`: its municipalities
    join `target` (people keep form of work and contract, coaches follow, the dissolution costs are booked).
    `buy_services_from`: they join `target` for places and coaching, and the organisation stays their
    employer (see `Partition.employers`).
    """

    organisation: str
    when: Literal["below_viability"] | None = None
    for_years: int = Field(default=1, ge=1, le=50)
    judge: Literal["wsw", "company"] = "wsw"
    """What `below_viability` judges: the Wsw part (its persons; its share of the fixed overhead per SE) or
    the whole company (other target groups counted as one SE a person)."""
    at: date | None = None
    action: Literal["merge_into", "buy_services_from"]
    target: str
    note: str = ""

    @field_validator("at")
    @classmethod
    def _first_of_january(cls, value: date | None) -> date | None:
        if value is not None and (value.month, value.day) != (1, 1):
            raise ValueError("must be a 1 January (rules are evaluated at the start of a year)")
        return value

    @model_validator(mode="after")
    def _when_or_at(self) -> Rule:
        if (self.when is None) == (self.at is None):
            raise ValueError("give exactly one of 'when' and 'at'")
        if self.organisation == self.target:
            raise ValueError("an organisation cannot merge into or buy from itself")
        return self


class ScenarioConfig(Frozen):
    """A scenario: a timeline of partitions of the municipalities into organisations, and rules by which
    organisations end (`Rule`).

    An empty timeline means no organisations at all: demography only (no placements, no money).
    """

    description: str = ""
    timeline: list[Partition] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)


# --------------------------------------------------------------------------------------- organisations

PlacementForm = Literal["individuele_detachering", "begeleid_werken"]


class OrganisationParams(Frozen):
    """What one organisation costs and how it works. Defaults apply to every organisation; a config may
    override any field per organisation (its own policy, overhead shared with municipal services, a local
    employer network that places people better, ...). Money in EUR of the money.price_year."""

    fixed_overhead_eur_per_year: NonNegative = Field(
        description="fixed overhead of one organisation, EUR a year (management, administration, ICT)"
    )
    governance_eur_per_year: NonNegative = Field(
        default=0.0, description="joint governance layer (board, supervisory board); only with several members"
    )
    staff_cost_eur_per_person_year: ByForm
    coach_fte_per_100_persons: ByForm
    coach_min_team_fte: NonNegative = Field(default=1.0, description="smallest coach team an organisation keeps, FTE")
    coach_trajectories_per_fte: Positive = Field(
        default=2.0, description="placement trajectories one coach FTE runs at once, next to the caseload"
    )
    coaching_weeks: Positive = Field(default=12.0, description="coach time to prepare and start a placement, weeks")
    hiring_lag_weeks: NonNegative = Field(default=13.0, description="time to hire a job coach, weeks")
    attrition_lag_weeks: NonNegative = Field(
        default=26.0, description="time for surplus coaches to leave by natural attrition, weeks"
    )
    staffing_review_weeks: Positive = 52.0
    placement_ambition: Fraction = Field(
        default=0.25, description="share of beschut_binnen employees who seek and can take a placement (policy)"
    )
    placement_duration_years_mean: dict[PlacementForm, Positive]
    network_multiplier: NonNegative = Field(
        default=1.0, description="how well the own employer network places people (1: as the region's)"
    )
    group_size_persons: int = Field(default=8, ge=1)
    group_contract_duration_years_mean: Positive = Field(
        default=8.0, description="mean length of a group contract, years"
    )
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
    site_min_occupancy: Fraction = Field(
        default=0.3, description="occupancy share of its capacity below which a site closes"
    )
    setup_cost_eur: NonNegative = Field(
        default=0.0, description="one-off cost of creating an organisation at a reorganisation, EUR"
    )
    employer_overhead_eur_per_year: NonNegative = Field(
        default=0.0, description="payroll and HR of an organisation that keeps the employer role only"
    )
    dissolution_staff_eur: NonNegative = Field(
        default=0.0, description="one-off, when the organisation ends: its non-Wsw staff (redundancy, transfer)"
    )
    dissolution_double_running_eur: NonNegative = Field(
        default=0.0, description="one-off, when it ends: old and new organisations running side by side"
    )
    dissolution_ict_eur: NonNegative = Field(default=0.0, description="one-off, when it ends: ICT split or migration")
    dissolution_reserves_eur: float = Field(
        default=0.0, description="one-off, when it ends: obligations less reserves divided (negative: a gain)"
    )
    commercial_result_eur_per_se: float = Field(
        default=0.0, description="result of the commercial branch per SE-year of Wsw employees (negative: a loss)"
    )

    @property
    def dissolution_eur(self) -> float:
        """Everything an organisation costs once when it ends (EUR of the price year)."""
        return (
            self.dissolution_staff_eur
            + self.dissolution_double_running_eur
            + self.dissolution_ict_eur
            + self.dissolution_reserves_eur
        )

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
    group_contracts_won_per_year_reference: NonNegative = Field(
        default=2.0, description="group contracts the whole region's network wins a year at the start"
    )
    elasticity: Annotated[float, Field(gt=0, le=1.5)] = Field(
        default=0.8, description="elasticity of openings to the network's size (below 1: diminishing returns)"
    )
    loss_on_move: Fraction = Field(
        default=0.2, description="share of its employer network a municipality loses when it changes organisation"
    )


class Site(Frozen):
    """A sheltered-work site: it belongs to the organisation of the municipality it stands in."""

    name: str
    municipality: Municipality
    capacity_persons: int = Field(gt=0)
    fixed_cost_eur_per_year: NonNegative
    closure_cost_eur: NonNegative = 0.0


IndexRate = Annotated[float, Field(ge=-0.05, le=0.3)]


class MoneyConfig(Frozen):
    """Prices (EUR of `price_year`) and their yearly indexation; the allocation key of the balance."""

    price_year: int = Field(default=2019, ge=1990, le=2100)
    wage_cost_eur_per_se: Positive = Field(description="wage cost per SE, EUR a year (price year)")
    wage_index_per_year: Annotated[float, Field(ge=-0.05, le=0.2)] = Field(
        default=0.02, description="yearly wage indexation (CAO SW)"
    )
    wage_index_by_year: dict[int, IndexRate] = Field(default_factory=dict)
    """Wage indexation of given years (the rise from the year before); other years `wage_index_per_year`."""
    subsidy_eur_per_se: NonNegative
    subsidy_index_per_year: Annotated[float, Field(ge=-0.05, le=0.2)] = Field(
        default=0.0193, description="yearly indexation of the subsidy per SE (rijksbijdrage)"
    )
    subsidy_index_by_year: dict[int, IndexRate] = Field(default_factory=dict)
    """Subsidy indexation of given years; other years `subsidy_index_per_year`."""
    sick_leave_years_before_illness_exit: Annotated[float, Field(ge=0, le=3)] = Field(
        default=0.0, description="years of paid sick leave before an illness exit"
    )
    """Before an exit for illness, this long on sick leave: wage and subsidy paid, no added value."""
    added_value_eur_per_se: ByForm
    price_index_per_year: Annotated[float, Field(ge=-0.05, le=0.2)] = Field(
        default=0.02, description="yearly price indexation of the other costs"
    )
    wage_subsidy_eur_per_se: NonNegative = Field(description="wage subsidy per SE in begeleid_werken, EUR a year")
    coach_cost_eur_per_fte_year: NonNegative
    sheltered_place_tariff_eur_per_person_year: NonNegative = Field(
        description="tariff of a sheltered place bought from another organisation, EUR a person a year"
    )
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


class OtherGroup(Frozen):
    """Another target group of a municipality (Participatiewet beschut werk, re-integration, regular staff)
    in whichever organisation the municipality belongs to: on a split each municipality takes its own.

    Persons in a year: `persons_by_year` where given, else `persons_start` (in the horizon's first year) plus
    `persons_change_per_year` a year since, never below zero. They share the organisation's fixed overhead,
    governance, coaches and sites' running costs with the Wsw employees by persons (person-years); what they
    bring in and cost themselves is their own budget, reported in the `organisations` table, not the Wsw's.
    """

    name: str
    municipality: Municipality
    persons_start: NonNegative = Field(description="persons of the target group in the first year")
    persons_change_per_year: float = Field(default=0.0, description="yearly change in the target group's persons")
    persons_by_year: dict[int, NonNegative] = Field(default_factory=dict)
    revenue_eur_per_person_year: NonNegative = Field(
        default=0.0, description="revenue of the target group, EUR a person a year"
    )
    cost_eur_per_person_year: NonNegative = Field(
        default=0.0, description="cost of the target group, EUR a person a year"
    )

    def persons(self, year: int, start_year: int) -> float:
        if year in self.persons_by_year:
            return self.persons_by_year[year]
        return max(0.0, self.persons_start + self.persons_change_per_year * (year - start_year))


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
    other_groups: list[OtherGroup] = Field(default_factory=list)
    _merged: Memo = PrivateAttr(default_factory=lambda: Memo())

    def other_persons(self, municipalities: list[str], years: range) -> np.ndarray:
        """Persons of other target groups by year of `years` and municipality: [year, municipality]."""
        out = np.zeros((len(years), len(municipalities)))
        index = {m: i for i, m in enumerate(municipalities)}
        for group in self.other_groups:
            for k, year in enumerate(years):
                out[k, index[group.municipality]] += group.persons(year, years.start)
        return out

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
