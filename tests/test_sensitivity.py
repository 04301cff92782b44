"""Sensitivity indices and scenario discovery find effects planted in a known function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity import Box, describe_box, discover, morris_indices, ranking, sobol_indices
from sim.runs.design import make_design

NAMES = ["a.wide", "b.narrow", "c.narrow", "d.narrow"]
LOW, HIGH = [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]
BOUNDS = dict(zip(NAMES, zip(LOW, HIGH, strict=True), strict=True))


def planted(x: pd.DataFrame) -> np.ndarray:
    """One parameter matters a hundred times more than the others."""
    return 100.0 * x["a.wide"] + 1.0 * x["b.narrow"] + 0.5 * x["c.narrow"] * x["d.narrow"]


def frame(kind: str, samples: int) -> pd.DataFrame:
    design = make_design(kind, NAMES, LOW, HIGH, samples, seed=2)
    return pd.DataFrame(design.values, columns=NAMES)


def test_morris_ranks_the_planted_effect_first():
    x = frame("morris", 20)
    indices = morris_indices(x, planted(x), BOUNDS)
    assert ranking(indices)[0] == "a.wide"
    mu = indices[indices["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu["a.wide"] == pytest.approx(100.0, rel=1e-9)  # linear: every elementary effect is the slope
    assert mu["b.narrow"] == pytest.approx(1.0, rel=1e-9)
    assert set(indices.columns) == {"parameter", "method", "index", "value", "ci_low", "ci_high"}


def test_sobol_gives_the_planted_parameter_nearly_all_the_variance():
    x = frame("sobol", 512)
    indices = sobol_indices(x, planted(x), BOUNDS)
    assert ranking(indices)[0] == "a.wide"
    st = indices[indices["index"] == "ST"].set_index("parameter")
    assert st.at["a.wide", "value"] > 0.99
    assert st.at["b.narrow", "value"] < 0.01
    row = st.loc["a.wide"]
    assert row["ci_low"] <= row["value"] <= row["ci_high"]


def test_prim_finds_a_planted_box():
    x = frame("lhs", 2000)
    yes = (x["a.wide"] < 0.3) & (x["b.narrow"] > 0.6)
    box = discover(x, yes.to_numpy())  # the widest box at least 80% dense: it may take in some no cases
    assert box is not None and set(box.limits) == {"a.wide", "b.narrow"}
    assert box.density >= 0.8 and box.coverage > 0.95
    assert 0.25 < box.limits["a.wide"][1] < 0.35 and 0.45 < box.limits["b.narrow"][0] < 0.65
    strict = discover(x, yes.to_numpy(), threshold=0.95)
    assert strict is not None and strict.density >= 0.95
    assert strict.limits["a.wide"][1] == pytest.approx(0.3, abs=0.02)
    assert strict.limits["b.narrow"][0] == pytest.approx(0.6, abs=0.02)
    words = describe_box(box, "splitting is cheaper for Hellendoorn", x, {"a.wide": "the own fixed overhead"})
    assert words.startswith("Splitting is cheaper for Hellendoorn when the own fixed overhead is below 0.3")
    assert "b.narrow is above 0.5" in words and "% of such cases" in words


def test_nothing_to_discover_when_the_answer_never_changes():
    x = frame("lhs", 50)
    assert discover(x, np.zeros(50, bool)) is None
    assert "No region" in describe_box(None, "it is cheaper", x)


def test_a_box_that_restricts_nothing_is_said_as_such():
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    box = Box(limits={}, coverage=1.0, density=0.25, cases=4)
    words = describe_box(box, "splitting is cheaper for Hellendoorn", x)
    assert words == (
        "Splitting is cheaper for Hellendoorn in 25% of the explored cases, with no region of the ranges where it "
        "holds more often."
    )
    assert "zonder gebied" in describe_box(box, "splitsen is goedkoper", x, lang="nl")


def test_dutch_words_write_dutch_numbers():
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [0.0, 5000.0, 10000.0, 20000.0]})
    box = Box(limits={"a": (0.0, 1.25), "b": (2500.5, 20000.0)}, coverage=0.5, density=0.75, cases=2)
    words = describe_box(box, "splitsen is goedkoper", x, lang="nl")
    assert "a lager is dan 1,25 en b hoger is dan 2.500" in words
