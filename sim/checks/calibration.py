"""Calibration of the demography against the national figures, done exactly with the oracle.

Three things are fitted, in a loop until they settle, on the national config (`configs/national_2016.toml`):

1. The starting age profile. The brief gives the age profile at 31 December 2016 (mean a little over 49, 70%
   older than 45) but the run starts on 1 January 2016. The start targets (`population.age.mean_years`,
   `share_over_45`) are moved until the *expected survivors* at the end of 2016 have the observed profile.
2. The voluntary hazard (the same for every form of work): so that its share of the expected outflow in the
   observed years is `calibration.outflow_share_voluntary` (brief: about a third).
3. The illness bands, all scaled by one factor (their shape by age is an assumption kept as it is): so that
   the expected outflow over the observed years equals the observed fall in persons.

Every step uses the oracle's expectations, never simulation output, so the result is exact and quick; the
backcast (`sim.checks.backcast`) then shows the simulated batch against the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.checks.oracle import EXIT_COLUMNS, expectations, presence_probabilities
from sim.errors import ConfigError
from sim.inputs.config import Config
from sim.model.replication import Model


def _with(config: Config, **sections: dict[str, Any]) -> Config:
    """A copy of `config` with fields of nested sections replaced; `population__age` names config.population.age.

    Frozen models are copied along the path, never changed.
    """
    out = config
    for path, update in sections.items():
        parts = path.split("__")
        nodes = [out]
        for p in parts:
            nodes.append(getattr(nodes[-1], p))
        new = nodes[-1].model_copy(update=update)
        for parent, p in zip(reversed(nodes[:-1]), reversed(parts), strict=True):
            new = parent.model_copy(update={p: new})
        out = new
    return out


def expected_age_profile(model: Model, year: int) -> tuple[float, float]:
    """Mean age and share over 45 of the expected survivors at 31 December of `year`."""
    p = presence_probabilities(model, year)
    age = (year + 1) - model.population.birth_month / 12.0
    return float((p * age).sum() / p.sum()), float(p[age > 45].sum() / p.sum())


@dataclass(frozen=True)
class CalibrationResult:
    """The fitted values and the expectations they give."""

    start_mean_years: float
    start_share_over_45: float
    illness_factor: float
    illness_hazards: tuple[float, ...]
    voluntary_hazard_per_year: float
    table: pd.DataFrame  # year, quantity, observed, expected, relative_error
    outflow: pd.DataFrame  # year, reason, expected exits (national scale)


def calibrate(config: Config, rounds: int = 6) -> CalibrationResult:
    """Fit the start age profile, the voluntary hazard and the illness level (see the module docstring)."""
    cal = config.calibration
    if cal is None or cal.age_year is None or cal.age_mean_years is None or cal.age_share_over_45 is None:
        raise ConfigError(config.source, "calibration", "needs observed stocks and the age_* targets")
    years = sorted(o.year for o in cal.observed)
    first, last = years[0], years[-1]
    observed_fall = cal.observed[0].persons - cal.observed[-1].persons
    scale = config.population.scale
    base_rates = np.array([b.hazard_per_year for b in config.demography.illness.bands])
    factor = 1.0
    voluntary = float(np.mean(list(config.demography.voluntary.hazard_per_year.values())))
    mean, share = config.population.age.mean_years, config.population.age.share_over_45
    # The fit needs only the years up to the last observed one: expectations of a year do not depend on the
    # years after it, so the loop runs on a horizon cut there (several times faster than the whole horizon).
    fit_end = max(last, cal.age_year, config.horizon.start_year)
    current = _with(config, horizon={"end_year": min(fit_end, config.horizon.end_year)})
    for _ in range(rounds):
        for _ in range(8):  # the start age profile, for the current hazards
            model = Model.prepare(current)
            got_mean, got_share = expected_age_profile(model, cal.age_year)
            mean += cal.age_mean_years - got_mean
            share += cal.age_share_over_45 - got_share
            current = _with(current, population__age={"mean_years": mean, "share_over_45": share})
        model = Model.prepare(current)
        e = expectations(model)
        span = e[(e["year"] > first) & (e["year"] <= last)].groupby("quantity")["expected"].sum() / scale
        share_voluntary = cal.outflow_share_voluntary
        if share_voluntary is None:  # keep the voluntary hazard, fit illness to the rest
            share_voluntary = float(span["exits_voluntary"] / span[list(EXIT_COLUMNS)].sum())
        voluntary *= share_voluntary * observed_fall / span["exits_voluntary"]
        wanted_illness = (1 - share_voluntary) * observed_fall - span["exits_retirement"] - span["exits_death"]
        factor *= max(wanted_illness, 0.0) / span["exits_illness"]
        bands = [
            b.model_copy(update={"hazard_per_year": float(r * factor)})
            for b, r in zip(config.demography.illness.bands, base_rates, strict=True)
        ]
        forms = config.demography.voluntary.hazard_per_year
        current = _with(
            current,
            demography__illness={"bands": bands},
            demography__voluntary={"hazard_per_year": dict.fromkeys(forms, voluntary)},
        )
    model = Model.prepare(_with(current, horizon={"end_year": config.horizon.end_year}))
    e = expectations(model)
    return CalibrationResult(
        start_mean_years=mean,
        start_share_over_45=share,
        illness_factor=factor,
        illness_hazards=tuple(float(r * factor) for r in base_rates),
        voluntary_hazard_per_year=voluntary,
        table=expected_vs_observed(model, e),
        outflow=outflow_by_reason(model, e),
    )


def expected_vs_observed(model: Model, e: pd.DataFrame | None = None) -> pd.DataFrame:
    """The oracle's expected national persons and SE (scaled up by 1/scale) against the observed figures.

    `e`: the model's `expectations`, when already computed.
    """
    cal = model.config.calibration
    if cal is None:
        raise ConfigError(model.config.source, "calibration", "missing table: nothing observed to compare with")
    e = expectations(model) if e is None else e
    totals = e[e["quantity"].isin(["persons", "se"])].groupby(["year", "quantity"])["expected"].sum()
    rows = []
    for o in cal.observed:
        for quantity, value in (("persons", o.persons), ("se", o.se)):
            expected = float(totals.get((o.year, quantity), np.nan)) / model.config.population.scale
            rows.append((o.year, quantity, value, expected, expected / value - 1))
    return pd.DataFrame(rows, columns=["year", "quantity", "observed", "expected", "relative_error"])


def outflow_by_reason(model: Model, e: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected exits per year and reason, national scale, with each reason's share of the year's outflow.

    `e`: the model's `expectations`, when already computed.
    """
    e = expectations(model) if e is None else e
    flows = e[e["quantity"].isin(EXIT_COLUMNS)].groupby(["year", "quantity"])["expected"].sum().unstack()
    flows = flows / model.config.population.scale
    flows.columns = [c.removeprefix("exits_") for c in flows.columns]
    flows["total"] = flows.sum(axis=1)
    flows["share_voluntary"] = flows["voluntary"] / flows["total"]
    return flows.reset_index()
