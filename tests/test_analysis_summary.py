"""Summary arithmetic against hand computations, viability first years, thresholds from the config."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.summary import (
    TOTAL,
    Thresholds,
    describe,
    first_failures,
    quantiles_by,
    summarise,
    t_quantile,
    viability,
    with_total,
)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        # textbook table values of Student's t
        (0.975, 1, 12.7062),
        (0.975, 2, 4.3027),
        (0.975, 4, 2.7764),
        (0.975, 9, 2.2622),
        (0.975, 29, 2.0452),
        (0.975, 100, 1.9840),
        (0.95, 10, 1.8125),
        (0.995, 5, 4.0321),
        (0.025, 5, -2.5706),
        (0.975, math.inf, 1.9600),
    ],
)
def test_t_quantile_matches_tables(p: float, df: float, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError):
        t_quantile(0.9, 0)


def test_describe_by_hand() -> None:
    stats = describe([1, 2, 3, 4, 10])
    assert stats["n"] == 5
    assert stats["mean"] == pytest.approx(4.0)
    # sd: squared deviations 9 + 4 + 1 + 0 + 36 = 50, over n - 1 = 4
    assert stats["sd"] == pytest.approx(math.sqrt(12.5))
    assert stats["mcse"] == pytest.approx(math.sqrt(12.5) / math.sqrt(5))
    # linear interpolation at positions 0.05 * 4 = 0.2, 2 and 0.95 * 4 = 3.8 of the sorted values
    assert stats["p5"] == pytest.approx(1.2)
    assert stats["p50"] == pytest.approx(3.0)
    assert stats["p95"] == pytest.approx(4 + 0.8 * 6)


def test_describe_leaves_out_missing_values() -> None:
    assert describe([2.0, math.nan, 4.0])["mean"] == pytest.approx(3.0)
    assert describe([])["n"] == 0


def _stocks() -> pd.DataFrame:
    """Two municipalities, two forms of work, three replications, one year."""
    rows = []
    persons = {  # (replication, municipality) -> persons by form of work
        (0, "Almelo"): (2, 3),
        (1, "Almelo"): (4, 4),
        (2, "Almelo"): (1, 1),
        (0, "Tubbergen"): (1, 0),
        (1, "Tubbergen"): (2, 2),
        (2, "Tubbergen"): (0, 3),
    }
    for (rep, muni), counts in persons.items():
        for form, n in zip(("beschut_binnen", "groepsdetachering"), counts, strict=True):
            rows.append({"scenario": "s", "replication": rep, "year": 2020, "municipality": muni, "work_form": form})
            rows[-1]["persons"] = n
    return pd.DataFrame(rows)


def test_summarise_adds_up_within_a_replication_first() -> None:
    out = summarise(_stocks(), ["scenario", "year", "municipality"], ["persons"])
    almelo = out[out["municipality"] == "Almelo"].iloc[0]
    # per replication: 5, 8, 2
    assert almelo["n"] == 3
    assert almelo["mean"] == pytest.approx(5.0)
    assert almelo["sd"] == pytest.approx(3.0)
    assert almelo["mcse"] == pytest.approx(3.0 / math.sqrt(3))
    assert almelo["p5"] == pytest.approx(2.3)  # sorted 2, 5, 8 at position 0.1
    assert almelo["p50"] == pytest.approx(5.0)
    assert almelo["p95"] == pytest.approx(7.7)  # position 1.9


def test_with_total_is_the_sum_over_municipalities() -> None:
    out = summarise(with_total(_stocks(), "municipality"), ["year", "municipality"], ["persons"])
    total = out[out["municipality"] == TOTAL].iloc[0]
    # per replication: 5 + 1, 8 + 4, 2 + 3
    assert total["mean"] == pytest.approx((6 + 12 + 5) / 3)
    assert total["sd"] == pytest.approx(np.std([6, 12, 5], ddof=1))


def test_summarise_mean_within_ignores_missing() -> None:
    frame = pd.DataFrame(
        {
            "scenario": ["s"] * 4,
            "replication": [0, 0, 1, 1],
            "year": [2020] * 4,
            "wait": [2.0, np.nan, 4.0, 6.0],
        }
    )
    out = summarise(frame, ["scenario", "year"], ["wait"], within="mean")
    assert out.iloc[0]["mean"] == pytest.approx((2.0 + 5.0) / 2)


def test_quantiles_by_wide() -> None:
    q = quantiles_by(_stocks()[lambda d: d["municipality"] == "Almelo"], ["year"], "persons", (0.5,))
    assert q.iloc[0]["q50"] == pytest.approx(5.0)


def _organisations() -> pd.DataFrame:
    rows = []
    # org A: rep 0 falls below 100 persons in 2022; rep 1 never; rep 2 exceeds the overhead in 2021
    series = {
        ("A", 0): [(2020, 120, 4000), (2021, 110, 4500), (2022, 90, 4800), (2023, 80, 5200)],
        ("A", 1): [(2020, 150, 3000), (2021, 140, 3100), (2022, 130, 3200), (2023, 120, 3300)],
        ("A", 2): [(2020, 150, 4000), (2021, 140, 5100), (2022, 130, 3000), (2023, 95, 3300)],
        # org B exists 2022-2023 only, with no SE in 2023 (overhead per SE null)
        ("B", 0): [(2022, 100, 4000), (2023, 100, None)],
    }
    for (org, rep), years in series.items():
        for year, persons, overhead in years:
            rows.append(
                {
                    "scenario": "s",
                    "replication": rep,
                    "year": year,
                    "organisation": org,
                    "persons": persons,
                    "overhead_eur_per_se": overhead,
                }
            )
    return pd.DataFrame(rows)


def test_first_failures_by_hand() -> None:
    fails = first_failures(_organisations(), Thresholds(min_persons=100, max_overhead_eur_per_se=5000))
    got = {(r.organisation, r.replication): (r.first_year, r.reason) for r in fails.itertuples()}
    assert got[("A", 0)] == (2022.0, "persons")
    assert math.isnan(got[("A", 1)][0])
    assert got[("A", 2)] == (2021.0, "overhead")
    assert math.isnan(got[("B", 0)][0])  # 100 persons is not below 100; a null overhead is no failure


def test_viability_distribution() -> None:
    table = viability(_organisations(), Thresholds(min_persons=100, max_overhead_eur_per_se=5000))
    a = table[table["organisation"] == "A"].iloc[0]
    assert a["replications"] == 3
    assert a["failing"] == 2
    assert a["share_failing"] == pytest.approx(2 / 3)
    # first years 2021, 2022, never: order statistics (inverted cdf)
    assert a["p5"] == 2021
    assert a["p50"] == 2022
    assert math.isnan(a["p95"])  # the 95th percentile replication never falls below
    b = table[table["organisation"] == "B"].iloc[0]
    assert (b["first_year_exists"], b["last_year_exists"], b["failing"]) == (2022, 2023, 0)


def test_thresholds_from_the_typed_config() -> None:
    from sim.inputs.config import ViabilityConfig, config_from_dict

    smoke = tomllib.loads((Path(__file__).resolve().parent.parent / "configs" / "smoke.toml").read_text())
    smoke["viability"] = {"min_persons": 60, "max_overhead_eur_per_se": {"value": 7000, "note": "a"}}
    t = Thresholds.of(config_from_dict(smoke))
    assert (t.min_persons, t.max_overhead_eur_per_se, t.from_config) == (60, 7000, True)
    del smoke["viability"]
    default = Thresholds.of(config_from_dict(smoke))
    assert (default.min_persons, default.max_overhead_eur_per_se, default.from_config) == (100, 5000, False)
    # the defaults are the config's own, not repeated here
    assert (default.min_persons, default.max_overhead_eur_per_se) == tuple(ViabilityConfig().model_dump().values())
    assert Thresholds.of(None) == default
