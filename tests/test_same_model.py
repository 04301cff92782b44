"""The organisations model against a small reference, to guard refactors that should not change the model.

tests/data/organisations_reference.json holds, for configs/smoke.toml, the mean and standard deviation over
2,000 replications (seed 424242) of the persons by form of work and municipal contribution, per
scenario, municipality and a few years (`python benchmarks/same_model.py OLD_RUN --reference FILE`). It was
made again from a run of the model of issue 13 (the voluntary hazard by age and the recalibrated hazards
changed smoke.toml's demography on purpose). The
new code runs here with another seed, so the two samples are independent, and every cell is z-tested:
z = (mean_new - mean_old) / sqrt(sd_new^2 / n_new + sd_old^2 / n_old). With the same model and 80 cells a
|z| above 4 has a chance of about 0.5%; the change the last test makes (placements twice as long) gives
|z| far above it. The full paired comparison of 2,000 replications is benchmarks/same_model.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from org_configs import smoke

from sim.inputs.config import Config
from sim.model.replication import Model, collect, simulate_replication

REFERENCE = Path(__file__).parent / "data" / "organisations_reference.json"
REPLICATIONS = 300
SEED = 20261202
THRESHOLD = 4.0


def cell_z(config: Config) -> pd.DataFrame:
    """Every reference cell with the new code's mean and standard deviation and the z-score."""
    reference = json.loads(REFERENCE.read_text())
    years = reference["years"]
    model = Model.prepare(config)
    runs = [simulate_replication(model, r, SEED) for r in range(REPLICATIONS)]
    frames = []
    for scenario in config.scenario_names:
        tables = collect(runs, scenario)
        for table, keys, value in (
            ("stocks", ["municipality", "year", "work_form"], "persons"),
            ("finance", ["municipality", "year"], "municipal_contribution_eur"),
        ):
            data: pa.Table = tables[table]
            frame = data.select([*keys, "replication", value]).to_pandas()
            frame = frame[frame["year"].isin(years)].groupby([*keys, "replication"], as_index=False)[value].sum()
            stats = frame.groupby(keys)[value].agg(["mean", "std", "size"]).reset_index()
            stats.insert(0, "scenario", scenario)
            stats.insert(0, "table", table)
            frames.append(stats)
    new = pd.concat(frames, ignore_index=True)
    old = pd.DataFrame(reference["cells"])
    both = old.merge(new, on=["table", "scenario", "municipality", "year", "work_form"], how="left")
    both = both.rename(columns={"mean_x": "old", "sd": "sd_old", "n": "n_old", "mean_y": "new", "std": "sd_new"})
    assert both["size"].eq(REPLICATIONS).all(), "every reference cell is in the new run"
    se = np.sqrt(both["sd_old"] ** 2 / both["n_old"] + both["sd_new"] ** 2 / both["size"])
    both["z"] = np.where(se > 0, (both["new"] - both["old"]) / se.where(se > 0, 1.0), 0.0)
    return both


def test_the_rebuilt_model_matches_the_reference_of_the_old_code():
    cells = cell_z(smoke())
    worst = cells.loc[cells["z"].abs().idxmax()]
    assert len(cells) == 80
    assert cells["z"].abs().max() < THRESHOLD, f"largest |z| {worst['z']:.2f}:\n{worst}"
    assert (cells["z"].abs() > 2).mean() < 0.2  # about 5% for the same model


def test_the_reference_check_fails_when_the_model_changes():
    longer = {"individuele_detachering": 20, "begeleid_werken": 20}
    cells = cell_z(smoke({"organisations": {"defaults": {"placement_duration_years_mean": longer}}}))
    assert cells["z"].abs().max() > 2 * THRESHOLD
