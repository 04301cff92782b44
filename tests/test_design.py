"""Experimental designs over the ranged parameters (SALib's samplers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.inputs.config import load_config
from sim.runs.design import Design, design_for, explored_parameters, make_design

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"


def test_every_ranged_parameter_is_explored_by_default_and_population_never():
    config = load_config(SMOKE)
    names, low, high = explored_parameters(config)
    assert names == sorted(config.ranged) and len(names) >= 10
    assert not [n for n in names if n.startswith(("population.", "horizon."))]
    assert all(lo < hi for lo, hi in zip(low, high, strict=True))


@pytest.mark.parametrize(("kind", "samples", "points"), [("lhs", 16, 16), ("sobol", 16, 16 * 5), ("morris", 4, 4 * 4)])
def test_designs_have_their_size_and_stay_in_range(kind, samples, points):
    design = make_design(kind, ["a", "b", "c"], [0.0, 10.0, -1.0], [1.0, 20.0, 1.0], samples, seed=3)
    assert design.values.shape == (points, 3)
    assert (design.values >= np.array(design.low)).all() and (design.values <= np.array(design.high)).all()


def test_a_latin_hypercube_puts_one_point_in_each_stratum():
    design = make_design("lhs", ["a", "b"], [0.0, 0.0], [1.0, 1.0], 20, seed=5)
    for j in range(2):
        assert sorted(np.floor(design.values[:, j] * 20).astype(int).tolist()) == list(range(20))


def test_the_same_seed_gives_the_same_design_and_the_record_rebuilds_it():
    config = load_config(SMOKE)
    first = design_for(config, "lhs", 8, seed=11)
    again = Design.from_record(first.to_record())
    np.testing.assert_array_equal(first.values, again.values)
    assert not np.array_equal(first.values, design_for(config, "lhs", 8, seed=12).values)


@pytest.mark.parametrize(
    ("kind", "samples", "params", "words"),
    [
        ("sobol", 12, (), "power of two"),
        ("lhs", 8, ("organisations.defaults.nope",), "not a parameter"),
        ("lhs", 8, ("viability.min_persons",), "has no range"),
        ("grid", 8, (), "unknown design"),
    ],
)
def test_bad_designs_are_bad_input(kind, samples, params, words):
    with pytest.raises(ConfigError, match=words):
        design_for(load_config(SMOKE), kind, samples, seed=1, params=params)
