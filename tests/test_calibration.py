"""Calibration: the national config at its own fixed point, and the fit moving a config that is not.

`calibrate` fits the start age profile, the voluntary hazard and the illness level to the national figures
through the exact oracle (sim/checks/calibration.py). One round from a config at its fixed point must
change nothing beyond the tolerance below; the full loop (six rounds) is what `wsw-sim calibrate` runs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from org_configs import merge, smoke

from sim.checks.calibration import calibrate, expected_age_profile, expected_vs_observed, outflow_by_reason
from sim.errors import ConfigError
from sim.inputs.config import Config, config_from_dict, load_config
from sim.model.replication import Model

NATIONAL = Path(__file__).resolve().parent.parent / "configs" / "national_2016.toml"
FIXED_POINT_TOLERANCE = 0.005
"""How far from 1 a fitted factor may be on a config at its fixed point. The fit is not smooth below about
0.3%: the synthetic population's birth months are whole months, so a tiny change in the age targets moves a
few people's AOW dates across a year end, which shifts the retirements the illness level is fitted around."""


def national(changes: dict[str, Any] | None = None) -> Config:
    raw = tomllib.loads(NATIONAL.read_text(encoding="utf-8"))
    return config_from_dict(merge(raw, changes or {}), source="national+changes", base_dir=NATIONAL.parent)


def test_the_national_config_is_at_its_fixed_point() -> None:
    config = load_config(NATIONAL)
    result = calibrate(config, rounds=1)
    assert result.illness_factor == pytest.approx(1.0, abs=FIXED_POINT_TOLERANCE)
    configured = [b.hazard_per_year for b in config.demography.illness.bands]
    np.testing.assert_allclose(result.illness_hazards, configured, rtol=FIXED_POINT_TOLERANCE)
    for hazard in config.demography.voluntary.hazard_per_year.values():
        assert result.voluntary_hazard_per_year == pytest.approx(hazard, rel=FIXED_POINT_TOLERANCE)
    assert result.start_mean_years == pytest.approx(config.population.age.mean_years, abs=0.05)
    assert result.start_share_over_45 == pytest.approx(config.population.age.share_over_45, abs=0.005)
    assert result.table["relative_error"].abs().max() <= config.calibration.tolerance


def test_calibrate_brings_a_config_with_too_much_illness_back() -> None:
    """Illness 25% too high on a small sample (2% of the population): the fit scales it back down, the
    voluntary share comes out at the target and the expected persons at the end meet the observed figure."""
    bands = [
        {"from_age": a, "hazard_per_year": 1.25 * h}
        for a, h in ((0, 0.009535), (45, 0.018966), (55, 0.035651), (60, 0.052337))
    ]
    config = national({"population": {"scale": 0.02}, "demography": {"illness": {"bands": bands}}})
    result = calibrate(config, rounds=2)
    assert result.illness_factor == pytest.approx(1 / 1.25, rel=0.03)  # the sample's discreteness: a few %
    fitted = config_from_dict(
        merge(
            tomllib.loads(NATIONAL.read_text(encoding="utf-8")),
            {
                "population": {
                    "scale": 0.02,
                    "age": {"mean_years": result.start_mean_years, "share_over_45": result.start_share_over_45},
                },
                "demography": {
                    "illness": {
                        "bands": [
                            {"from_age": b["from_age"], "hazard_per_year": h}
                            for b, h in zip(bands, result.illness_hazards, strict=True)
                        ]
                    },
                    "voluntary": {
                        "hazard_per_year": dict.fromkeys(
                            config.demography.voluntary.hazard_per_year, result.voluntary_hazard_per_year
                        )
                    },
                },
            },
        ),
        source="fitted",
    )
    model = Model.prepare(fitted)
    table = expected_vs_observed(model).set_index(["year", "quantity"])
    assert abs(table.loc[(2017, "persons"), "relative_error"]) < 0.002
    flows = outflow_by_reason(model).set_index("year").loc[[2016, 2017]]
    assert flows["voluntary"].sum() / flows["total"].sum() == pytest.approx(1 / 3, abs=0.01)
    mean_age, over_45 = expected_age_profile(model, 2016)
    assert mean_age == pytest.approx(49.2, abs=0.05)
    assert over_45 == pytest.approx(0.70, abs=0.005)


def test_calibrate_without_observed_figures_is_bad_input() -> None:
    with pytest.raises(ConfigError, match="calibration"):
        calibrate(smoke())
