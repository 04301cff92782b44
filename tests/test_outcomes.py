"""The one cost: the discounted contribution over the [analysis] horizon, and the outcomes built on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from analysis.compare import compare
from sim.inputs.config import load_config
from sim.runs import batch, folder
from sim.runs.outcomes import CostDefinition, contribution_npv, cost_definition

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"


def test_a_euro_counts_discounted_to_the_first_year_and_not_outside_the_horizon() -> None:
    definition = CostDefinition(baseline="a", first_year=2021, last_year=2022, discount_rate=0.1)
    finance = pa.table(
        {
            "replication": pa.array([0, 0, 0, 1], pa.int32()),
            "year": pa.array([2020, 2021, 2022, 2022], pa.int16()),
            "municipality": ["X", "X", "Y", "X"],
            "municipal_contribution_eur": [5.0, 100.0, 110.0, 11.0],
        }
    )
    got = contribution_npv(finance, definition, ["X", "Y"], [0, 1])
    np.testing.assert_allclose(got, [[100.0, 100.0, 200.0], [10.0, 0.0, 10.0]])


def test_the_definition_comes_from_the_analysis_table() -> None:
    config = load_config(SMOKE)
    definition = cost_definition(config)
    assert definition.baseline == config.scenario_names[0]
    assert (definition.first_year, definition.last_year) == (config.horizon.years[0], config.horizon.years[-1])
    assert definition.discount_rate == config.analysis.discount_rate
    with pytest.raises(Exception, match="is not a scenario"):
        cost_definition(config, "nope")


def test_compare_and_the_outcomes_give_the_same_paired_difference(tmp_path: Path) -> None:
    """analysis.compare (what the report prints) and sim.runs.outcomes (what explore writes) agree."""
    run_dir = batch.start_run(SMOKE, 4, 5, tmp_path, run_id="c").run_dir
    config = folder.run_config(run_dir)
    definition = cost_definition(config)
    municipalities = sorted(config.municipalities)
    npv = {
        s: contribution_npv(folder.read_table(run_dir, "finance", scenarios=[s]), definition, municipalities, range(4))
        for s in ("shared", "per_municipality")
    }
    mine = (npv["per_municipality"] - npv["shared"]).mean(axis=0)
    table, _ = compare(run_dir, "shared", "per_municipality")
    theirs = table.set_index("municipality")["mean_difference"]
    for j, name in enumerate(municipalities):
        assert mine[j] == pytest.approx(theirs[name], rel=1e-9)
    assert mine[-1] == pytest.approx(theirs.drop(municipalities).iloc[0], rel=1e-9)
