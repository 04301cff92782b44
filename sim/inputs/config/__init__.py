"""Typed, frozen configuration loaded from TOML and validated once, at the boundary, one module per section.

A numeric parameter may be written as a plain number or as a table that documents it::

    excess_multiplier = { value = 1.5, low = 1.0, high = 2.5, note = "assumption: no Wsw figure found" }

`low`/`high` give the range for uncertainty analysis; adding `dist = "uniform"` or `dist = "triangular"`
(mode = value) makes a batch draw the parameter once per replication (see `sim.inputs.parameters`). Every such
table is replaced by its value before the typed models see it; the specs are kept in `Config.uncertain`
keyed by the parameter's dotted path.

Any error is raised as `sim.errors.ConfigError`, whose message names the file and the field.
"""

from sim.inputs.config.analysis import AnalysisConfig, analysis_from_table
from sim.inputs.config.calibration import CalibrationConfig, ObservedStock
from sim.inputs.config.demography import (
    AgeBand,
    AowConfig,
    DemographyConfig,
    IllnessConfig,
    InflowConfig,
    MortalityConfig,
    VoluntaryConfig,
)
from sim.inputs.config.fields import SHARE_TOLERANCE, ByForm, Fraction, Frozen, NonNegative, ParamSpec, Positive
from sim.inputs.config.organisations import (
    MoneyConfig,
    NetworkConfig,
    OrganisationParams,
    OrganisationsConfig,
    OtherGroup,
    Partition,
    Rule,
    ScenarioConfig,
    Site,
    ViabilityConfig,
)
from sim.inputs.config.population import MAX_PERSONS, AgeTargets, Horizon, PopulationConfig, SETargets
from sim.inputs.config.root import Config, config_from_dict, load_config

__all__ = [
    "MAX_PERSONS",
    "SHARE_TOLERANCE",
    "AgeBand",
    "AgeTargets",
    "AnalysisConfig",
    "AowConfig",
    "ByForm",
    "CalibrationConfig",
    "Config",
    "DemographyConfig",
    "Fraction",
    "Frozen",
    "Horizon",
    "IllnessConfig",
    "InflowConfig",
    "MoneyConfig",
    "MortalityConfig",
    "NetworkConfig",
    "NonNegative",
    "ObservedStock",
    "OrganisationParams",
    "OrganisationsConfig",
    "OtherGroup",
    "ParamSpec",
    "Partition",
    "PopulationConfig",
    "Positive",
    "Rule",
    "SETargets",
    "ScenarioConfig",
    "Site",
    "ViabilityConfig",
    "VoluntaryConfig",
    "analysis_from_table",
    "config_from_dict",
    "load_config",
]
