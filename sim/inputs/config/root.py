"""A whole configuration, and its loading from TOML: every problem a `ConfigError` naming the file and field."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    field_validator,
)

from sim.errors import ConfigError
from sim.inputs.config.analysis import AnalysisConfig, check_analysis
from sim.inputs.config.calibration import CalibrationConfig
from sim.inputs.config.demography import DemographyConfig
from sim.inputs.config.fields import (
    Frozen,
    ParamSpec,
)
from sim.inputs.config.organisations import MoneyConfig, OrganisationsConfig, ScenarioConfig, ViabilityConfig
from sim.inputs.config.population import Horizon, PopulationConfig
from sim.inputs.overrides import apply_overrides
from sim.inputs.paths import get_at, path_parts, with_value

FIXED_FOR_A_RUN = ("population.", "horizon.", "analysis.")
"""Config paths no replication or design point may change: the people and the period simulated, and the
definition of cost the results are read with."""

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
    analysis: AnalysisConfig = AnalysisConfig()
    source: str = ""
    uncertain: dict[str, ParamSpec] = Field(default_factory=dict)
    """The parameters drawn once per replication (those given a `dist`), by config path."""
    ranged: dict[str, ParamSpec] = Field(default_factory=dict)
    """Every parameter with a range (`low` and `high`), by config path: what an exploration may vary. The
    population and the horizon are fixed for a run and never listed."""

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
    for forbidden in ("source", "uncertain", "ranged"):
        if forbidden in data:
            raise ConfigError(source, forbidden, "is set by the loader, not in the file")
    data["source"] = source
    data["uncertain"] = {k: v for k, v in specs.items() if v.dist is not None}
    data["ranged"] = {
        k: v for k, v in specs.items() if v.low is not None and v.high is not None and not k.startswith(FIXED_FOR_A_RUN)
    }
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
    check_analysis(config.analysis, config.scenario_names, config.horizon.years, config.source)
    _check_uncertain_paths(config)
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
        _check_employers(config, name, scenario)
        _check_rules(config, name, scenario)
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
        for i, group in enumerate(config.organisations.other_groups):
            if group.municipality not in municipalities:
                raise ConfigError(
                    config.source,
                    f"organisations.other_groups[{i}].municipality",
                    f"unknown municipality {group.municipality!r}",
                )
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


def _check_employers(config: Config, name: str, scenario: ScenarioConfig) -> None:
    """An employer organisation of a partition employs municipalities of that partition, each once, and is
    not itself one of its organisations."""
    for i, part in enumerate(scenario.timeline):
        seen: set[str] = set()
        for employer, members in part.employers.items():
            field = f"scenarios.{name}.timeline[{i}].employers.{employer}"
            if employer in part.organisations:
                raise ConfigError(config.source, field, "is an organisation of this partition, not an employer only")
            for m in members:
                if m not in config.municipalities or m in seen:
                    raise ConfigError(config.source, field, f"{m!r}: unknown, or employed by two organisations")
                seen.add(m)


def _check_rules(config: Config, name: str, scenario: ScenarioConfig) -> None:
    """Rules name organisations of the timeline; a rule by date targets one that exists then; no cycles."""
    if scenario.rules and not scenario.timeline:
        raise ConfigError(config.source, f"scenarios.{name}.rules", "rules need a timeline of organisations")
    existing = [set(part.organisations) for part in scenario.timeline]
    known = set().union(*existing) if existing else set()
    edges: dict[str, set[str]] = {}
    for i, rule in enumerate(scenario.rules):
        field = f"scenarios.{name}.rules[{i}]"
        if rule.organisation not in known:
            raise ConfigError(config.source, f"{field}.organisation", f"unknown organisation {rule.organisation!r}")
        if rule.target not in known:
            raise ConfigError(config.source, f"{field}.target", f"unknown organisation {rule.target!r}")
        if rule.at is not None:
            before = [k for k, part in enumerate(scenario.timeline) if part.start <= rule.at]
            if not before or rule.target not in existing[before[-1]]:
                raise ConfigError(
                    config.source, f"{field}.target", f"{rule.target!r} does not exist on {rule.at.isoformat()}"
                )
        elif not any(rule.organisation in orgs and rule.target in orgs for orgs in existing):
            raise ConfigError(
                config.source, f"{field}.target", f"{rule.target!r} never exists beside {rule.organisation!r}"
            )
        edges.setdefault(rule.organisation, set()).add(rule.target)
    for start in edges:  # a cycle: following the targets leads back to where it started
        seen, todo = set(), list(edges[start])
        while todo:
            org = todo.pop()
            if org == start:
                raise ConfigError(config.source, f"scenarios.{name}.rules", f"a cycle of merges through {start!r}")
            if org not in seen:
                seen.add(org)
                todo.extend(edges.get(org, ()))


def check_range_allowed(config: Config, path: str) -> None:
    """`path`'s range holds only values its field accepts (an exploration checks the parameters it varies)."""
    _check_range_allowed(config, path)


def _check_uncertain_paths(config: Config) -> None:
    """Every uncertain parameter must name a numeric field of the typed config."""
    for path in config.uncertain:
        if path.startswith(FIXED_FOR_A_RUN):
            raise ConfigError(
                config.source,
                path,
                "the population, the horizon and the analysis are fixed for a run; no distribution here",
            )
        node: Any = config
        try:
            for part in path_parts(path):
                node = get_at(node, part)
        except (KeyError, IndexError, AttributeError, ValueError):
            raise ConfigError(config.source, path, "no such parameter") from None
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise ConfigError(config.source, path, "a distribution can only be given for a number")
        _check_range_allowed(config, path)


def _check_range_allowed(config: Config, path: str) -> None:
    """Both ends of the range must be values the field accepts, or a replication could draw, say, a negative
    hazard that the config would have refused as a plain value (the fields' bounds are intervals)."""
    spec = config.ranged.get(path) or config.uncertain[path]
    for end in ("low", "high"):
        bound = getattr(spec, end)
        try:
            type(config).model_validate(with_value(config, path_parts(path), bound).model_dump())
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise ConfigError(
                config.source, f"{path}.{end}", f"{bound} is not allowed for this field ({reason})"
            ) from None


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Config:
    """Read and validate a TOML config; every problem is a `ConfigError` naming the file and the field.

    `overrides`: `PATH=VALUE` settings applied to the document before validation (`sim.inputs.overrides`).
    """
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
    raw = apply_overrides(raw, overrides, source=str(path))
    return config_from_dict(raw, source=str(path), base_dir=path.parent)
