"""Typed, frozen configuration loaded from TOML and validated once, at the boundary.

A numeric parameter may be written as a plain number or as a table that documents it::

    excess_multiplier = { value = 1.5, low = 1.0, high = 2.5, note = "assumption: no Wsw figure found" }

`low`/`high` give the range for uncertainty analysis; adding `dist = "uniform"` or `dist = "triangular"`
(mode = value) makes a batch draw the parameter once per replication (see `sim.parameters`). Every such
table is replaced by its value before the typed models see it; the specs are kept in `Config.uncertain`
keyed by the parameter's dotted path.

Any error is raised as `ConfigError`, whose message names the file and the field.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.domain import DISABILITY_TYPES, KNOWN_MUNICIPALITIES, SEXES, WORK_FORMS

SHARE_TOLERANCE = 1e-3
"""How far shares may sum from one (the brief's own shares are rounded to three decimals)."""


class ConfigError(Exception):
    """A configuration (or other input) that cannot be used; the message names the file and the field."""

    def __init__(self, source: str | Path, field: str, message: str) -> None:
        self.source = str(source)
        self.field = field
        self.message = message
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {message}")


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


# ----------------------------------------------------------------------------------------- demography


class AgeBand(Frozen):
    from_age: NonNegative
    hazard_per_year: NonNegative


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
    excess_multiplier: NonNegative = 1.0

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


class VoluntaryConfig(Frozen):
    """Voluntary and other exits: a constant hazard that may differ by form of work."""

    hazard_per_year: ByForm


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


class ObservedStock(Frozen):
    """An observed national stock at 31 December of `year` (1 January of the next year)."""

    year: int
    persons: Positive
    se: Positive
    note: str = ""


class CalibrationConfig(Frozen):
    """Observed figures a config is calibrated against (the national backcast) and how close it must come.

    `age_year`, `age_mean_years`, `age_share_over_45`: the observed age profile at 31 December of `age_year`,
    which the starting age profile is fitted to (see `sim.calibration`). `outflow_share_voluntary`: the share
    of the outflow that is not death, pension or illness.
    """

    observed: list[ObservedStock]
    tolerance: float = Field(default=0.02, gt=0, lt=1)
    age_year: int | None = None
    age_mean_years: Positive | None = None
    age_share_over_45: Fraction | None = None
    outflow_share_voluntary: Fraction | None = None
    source: str = ""


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


# ---------------------------------------------------------------------------------------------- config


class Config(Frozen):
    """A whole configuration. `source` is the file it came from (for messages and the manifest)."""

    name: str
    description: str = ""
    horizon: Horizon
    population: PopulationConfig
    demography: DemographyConfig
    scenarios: dict[str, ScenarioConfig] = Field(default_factory=lambda: {"baseline": ScenarioConfig()})
    organisations: OrganisationsConfig | None = None
    money: MoneyConfig | None = None
    viability: ViabilityConfig = ViabilityConfig()
    calibration: CalibrationConfig | None = None
    source: str = ""
    uncertain: dict[str, ParamSpec] = Field(default_factory=dict)

    @field_validator("scenarios")
    @classmethod
    def _some_scenario(cls, value: dict[str, ScenarioConfig]) -> dict[str, ScenarioConfig]:
        if not value:
            raise ValueError("at least one scenario is needed")
        for name in value:
            if not name or not all(c.isalnum() or c in "_-" for c in name):
                raise ValueError(f"scenario name {name!r} may hold only letters, digits, '_' and '-'")
        return value

    @property
    def municipalities(self) -> tuple[str, ...]:
        return self.population.municipalities

    @property
    def scenario_names(self) -> tuple[str, ...]:
        return tuple(self.scenarios)


# ---------------------------------------------------------------------------------------------- loading


def _extract_param_specs(node: Any, path: str, specs: dict[str, ParamSpec], source: str) -> Any:
    """Replace every `{ value = ... }` table by its value, collecting the specs by dotted path."""
    if isinstance(node, dict):
        if "value" in node and not isinstance(node["value"], dict | list):
            try:
                spec = ParamSpec.model_validate(node)
            except ValidationError as exc:
                err = exc.errors()[0]
                sub = ".".join(str(p) for p in err["loc"])
                raise ConfigError(source, f"{path}.{sub}" if sub else path, err["msg"]) from None
            specs[path] = spec
            return spec.value
        return {k: _extract_param_specs(v, f"{path}.{k}" if path else str(k), specs, source) for k, v in node.items()}
    if isinstance(node, list):
        return [_extract_param_specs(v, f"{path}[{i}]", specs, source) for i, v in enumerate(node)]
    return node


def _field_name(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dict key: the key itself is already named
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def config_from_dict(raw: Mapping[str, Any], source: str = "<config>", base_dir: Path | None = None) -> Config:
    """Validate a parsed TOML document. Relative paths in it are taken from `base_dir`."""
    specs: dict[str, ParamSpec] = {}
    data = _extract_param_specs(dict(raw), "", specs, source)
    for forbidden in ("source", "uncertain"):
        if forbidden in data:
            raise ConfigError(source, forbidden, "is set by the loader, not in the file")
    data["source"] = source
    data["uncertain"] = {k: v for k, v in specs.items() if v.dist is not None}
    population = data.get("population")
    if isinstance(population, dict) and isinstance(population.get("file"), str) and base_dir is not None:
        population["file"] = str((base_dir / population["file"]).resolve())
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "missing key"
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ConfigError(source, _field_name(loc), msg) from None
    _check_references(config)
    from sim.parameters import check_uncertain_paths  # the paths must name numeric fields

    check_uncertain_paths(config)
    return config


def _check_references(config: Config) -> None:
    """Cross-field rules that pydantic validators of one model cannot see."""
    municipalities = set(config.municipalities)
    for name, scenario in config.scenarios.items():
        previous: date | None = None
        for i, part in enumerate(scenario.timeline):
            field = f"scenarios.{name}.timeline[{i}]"
            if previous is not None and part.start <= previous:
                raise ConfigError(config.source, f"{field}.start", "timeline dates must increase")
            previous = part.start
            seen: dict[str, str] = {}
            for org, members in part.organisations.items():
                if not members:
                    raise ConfigError(config.source, f"{field}.organisations.{org}", "an organisation needs members")
                for m in members:
                    if m not in municipalities:
                        raise ConfigError(config.source, f"{field}.organisations.{org}", f"unknown municipality {m!r}")
                    if m in seen:
                        raise ConfigError(
                            config.source,
                            f"{field}.organisations.{org}",
                            f"{m} is already in organisation {seen[m]!r}: a municipality belongs to exactly one",
                        )
                    seen[m] = org
            missing = sorted(municipalities - set(seen))
            if missing:
                raise ConfigError(config.source, f"{field}.organisations", f"{missing[0]} belongs to no organisation")
        if scenario.timeline and scenario.timeline[0].start > config.horizon.start_date:
            raise ConfigError(
                config.source,
                f"scenarios.{name}.timeline[0].start",
                "the first partition must hold from the start",
            )
        if scenario.timeline and (config.organisations is None or config.money is None):
            table = "organisations" if config.organisations is None else "money"
            raise ConfigError(config.source, table, f"missing table: scenario {name!r} has organisations")
    if config.organisations is not None:
        names = {org for s in config.scenarios.values() for p in s.timeline for org in p.organisations}
        for org in config.organisations.overrides:
            field = f"organisations.overrides.{org}"
            if org not in names:
                raise ConfigError(config.source, field, "no scenario has an organisation of that name")
            try:
                config.organisations.params(org)
            except ValidationError as exc:
                err = exc.errors()[0]
                msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                raise ConfigError(config.source, f"{field}.{_field_name(tuple(err['loc']))}", msg) from None
        for i, site in enumerate(config.organisations.sites):
            if site.municipality not in municipalities:
                raise ConfigError(
                    config.source,
                    f"organisations.sites[{i}].municipality",
                    f"unknown municipality {site.municipality!r}",
                )
    if config.money is not None and config.money.allocation_key == "fixed":
        odd = sorted(set(config.money.fixed_allocation) ^ municipalities)
        if odd:
            raise ConfigError(
                config.source, "money.fixed_allocation", f"must list exactly the municipalities ({odd[0]!r})"
            )


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config; every problem is a `ConfigError` naming the file and the field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(path, "", "is a directory, not a config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"is not valid TOML ({exc})") from None
    return config_from_dict(raw, source=str(path), base_dir=path.parent)
