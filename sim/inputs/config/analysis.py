"""`[analysis]`: the one definition of cost that the report, `wsw-sim compare` and the analysis package share.

A council asks "what does option B cost us compared with option A?". The answer depends on three choices,
made once here so that every output gives the same number for the same run:

- `baseline`: the scenario the others are compared with (default: the config's first scenario);
- `horizon = [first, last]`: the calendar years whose municipal contributions are added up (default: every
  year of the config's `[horizon]`);
- `discount_rate`: the yearly rate at which a euro paid in year y counts as 1 / (1 + rate)^(y - first) euros
  of the first year (default 0: the plain sum). Amounts are nominal (euros of the year paid);
- `chart_min_persons`: a chart of an organisation ends in the year it has fewer Wsw employees than this
  (median over replications): overhead per SE of a handful of people says nothing.

Cross-checks against the rest of the config (the baseline is a scenario, the horizon lies inside the
config's horizon) are in `check_analysis`, called by the config loader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, ValidationError, field_validator

from sim.errors import ConfigError
from sim.inputs.config.fields import Frozen


class AnalysisConfig(Frozen):
    """How costs are compared: baseline scenario, years added up (inclusive) and the yearly discount rate."""

    baseline: str | None = None
    horizon: tuple[int, int] | None = None
    discount_rate: float = Field(default=0.0, ge=0.0, le=0.2)
    chart_min_persons: int = Field(default=10, ge=0)
    note: str = ""

    @field_validator("horizon")
    @classmethod
    def _horizon_in_order(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError(f"the first year {value[0]} is after the last {value[1]}")
        return value


def check_analysis(analysis: AnalysisConfig, scenarios: Sequence[str], years: range, source: str) -> None:
    """The baseline must be one of `scenarios` and the horizon must lie within `years`."""
    if analysis.baseline is not None and analysis.baseline not in scenarios:
        raise ConfigError(
            source,
            "analysis.baseline",
            f"{analysis.baseline!r} is not a scenario; choose one of {', '.join(scenarios)}",
        )
    if analysis.horizon is not None:
        first, last = analysis.horizon
        if first < years.start or last > years.stop - 1:
            raise ConfigError(
                source,
                "analysis.horizon",
                f"{first}-{last} is not inside the config's horizon {years.start}-{years.stop - 1}",
            )


def analysis_from_table(table: Any, source: str) -> AnalysisConfig:
    """The `[analysis]` table of a parsed TOML document on its own (a run's manifest keeps the config text).

    Documented parameters (`{ value = 0.03, low = ..., note = ... }`) count by their value, as in the loader.
    """
    if table is None:
        return AnalysisConfig()
    if not isinstance(table, Mapping):
        raise ConfigError(source, "analysis", "must be a table")
    plain = {k: v["value"] if isinstance(v, Mapping) and "value" in v else v for k, v in table.items()}
    try:
        return AnalysisConfig.model_validate(plain)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        raise ConfigError(source, f"analysis.{where}" if where else "analysis", msg) from None
