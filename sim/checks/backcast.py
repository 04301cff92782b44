"""The backcast: simulated national persons and SE against the observed figures of the brief.

A national run (`configs/national_2016.toml`) simulates a fraction `population.scale` of the population; its
stocks are scaled up by 1/scale before they are compared with the observed stocks listed in the config's
`[calibration]` table. This module reads only tables and the config (no SimPy), so the report can use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.inputs.config import Config

SHARES = {
    "seconded_share": ("groepsdetachering", "individuele_detachering"),
    "supported_share": ("begeleid_werken",),
}
"""Shares of persons by form of work that a [calibration] table may hold (`ObservedStock`)."""

BACKCAST_COLUMNS = (
    "year",
    "quantity",
    "observed",
    "simulated_mean",
    "simulated_p5",
    "simulated_p95",
    "relative_error",
)


def backcast(config: Config, stocks: pd.DataFrame, scenario: str | None = None) -> pd.DataFrame:
    """Per observed year and quantity (persons, se): observed, the batch's mean and 5th/95th percentiles.

    `stocks` is the run's stocks table (any number of replications); all municipalities and forms of work
    are summed per replication, then scaled up by 1/scale. `relative_error` = mean / observed - 1; for the
    shares of forms of work (`SHARES`, where observed) it is mean - observed, in share points. When the
    run has several scenarios, `scenario` picks one (default: the config's first).
    """
    cal = config.calibration
    if cal is None:
        raise ConfigError(config.source, "calibration", "missing table: nothing observed to compare with")
    scenario = scenario or config.scenario_names[0]
    mine = stocks[stocks["scenario"].astype(str) == scenario]
    if mine.empty:
        raise ConfigError(config.source, "scenarios", f"the run has no stocks for scenario {scenario!r}")
    per_rep = mine.groupby(["replication", "year"], as_index=False)[["persons", "se"]].sum()
    form = mine["work_form"].astype(str)
    for share, forms in SHARES.items():
        part = mine[form.isin(forms)].groupby(["replication", "year"])["persons"].sum()
        keyed = per_rep.set_index(["replication", "year"])
        per_rep[share] = (
            part.reindex(keyed.index, fill_value=0) / keyed["persons"].where(keyed["persons"] > 0)
        ).to_numpy()
    scale = config.population.scale
    rows = []
    for o in cal.observed:
        sample = per_rep[per_rep["year"] == o.year]
        wanted = [("persons", o.persons), ("se", o.se)]
        wanted += [(share, getattr(o, share)) for share in SHARES if getattr(o, share) is not None]
        for quantity, observed in wanted:
            if quantity in SHARES:  # a share: compared as a difference in points, not scaled
                values = sample[quantity].to_numpy(dtype=float)
                if len(values):
                    mean = float(values.mean())
                    p5, p95 = (float(np.quantile(values, q)) for q in (0.05, 0.95))
                    rows.append((o.year, quantity, float(observed), mean, p5, p95, mean - float(observed)))
                    continue
            values = sample[quantity].to_numpy(dtype=float) / scale
            if len(values) == 0:
                rows.append((o.year, quantity, observed, np.nan, np.nan, np.nan, np.nan))
                continue
            mean = float(values.mean())
            rows.append(
                (
                    o.year,
                    quantity,
                    float(observed),
                    mean,
                    float(np.quantile(values, 0.05)),
                    float(np.quantile(values, 0.95)),
                    mean / observed - 1,
                )
            )
    return pd.DataFrame(rows, columns=list(BACKCAST_COLUMNS))


def backcast_run(run_dir: str | Path, scenario: str | None = None) -> pd.DataFrame:
    """`backcast` for a run folder (its manifest's config and its stocks table)."""
    from sim.runs.folder import read_frame, run_config

    return backcast(run_config(run_dir), read_frame(run_dir, "stocks"), scenario)
