"""The synthetic starting population: age, SE and share targets, bounds, reproducibility, Parquet round trip."""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from engine_oracle import SOWECO, aow_date_month, baseline_only, config, raw, with_changes
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.domain import WORK_FORMS
from sim.errors import ConfigError
from sim.inputs.config import config_from_dict
from sim.model.population import (
    Population,
    fit_age_distribution,
    inflow_population,
    largest_remainder,
    month_index,
    read_population,
    write_population,
)
from sim.model.replication import Model
from sim.model.streams import stream


@pytest.fixture(scope="module")
def soweco() -> Model:
    return Model.prepare(config(path=SOWECO, source=str(SOWECO)))


def _ages(model: Model) -> np.ndarray:
    return model.population.age_years(month_index(model.config.horizon.start_date))


def test_age_law_meets_both_targets_exactly() -> None:
    ages, probs = fit_age_distribution(50.5, 0.74, 22 + 1 / 12, 66.0)
    assert probs.sum() == pytest.approx(1.0)
    assert float(probs @ ages) == pytest.approx(50.5, abs=1e-6)
    assert float(probs[ages > 45].sum()) == pytest.approx(0.74, abs=1e-6)
    assert ages.min() >= 22 + 1 / 12 - 1e-12 and ages.max() <= 66.0


def test_impossible_age_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="share over 45"):
        fit_age_distribution(40.0, 0.99, 22.0, 66.0)
    with pytest.raises(ValueError, match="outside"):
        fit_age_distribution(70.0, 0.9, 22.0, 66.0)


def test_synthetic_ages_hit_the_targets_within_sampling_tolerance(soweco: Model) -> None:
    age = _ages(soweco)
    n = len(age)
    targets = soweco.config.population.age
    assert abs(age.mean() - targets.mean_years) < 4 * age.std() / math.sqrt(n)
    share = float(np.mean(age > 45))
    assert abs(share - targets.share_over_45) < 4 * math.sqrt(targets.share_over_45 * (1 - targets.share_over_45) / n)


def test_nobody_younger_than_a_possible_entrant_and_entry_before_the_stop(soweco: Model) -> None:
    pop = soweco.population
    pc = soweco.config.population
    years_since_stop = (month_index(soweco.config.horizon.start_date) - month_index(pc.age.inflow_stop_date)) / 12
    assert _ages(soweco).min() >= pc.age.min_entry_age_years + years_since_stop
    assert np.all(pop.wsw_start_month < month_index(pc.age.inflow_stop_date))
    assert np.all(pop.wsw_start_month >= pop.birth_month + round(pc.age.min_entry_age_years * 12))
    assert np.all(pop.wsw_start_month >= month_index(pc.earliest_wsw_start))


@pytest.mark.parametrize("path", [SOWECO, None])
def test_nobody_at_or_past_their_aow_date_at_the_start(path: Path | None) -> None:
    cfg = config(path=path) if path else config()
    pop = Model.prepare(cfg).population
    start = month_index(cfg.horizon.start_date)
    aow = cfg.demography.aow
    assert all(aow_date_month(aow, int(b)) > start for b in np.unique(pop.birth_month))


def test_se_per_person_matches_its_expectation_and_the_brief(soweco: Model) -> None:
    """E[SE] = p + (1 - p) * parttime_mean, p the full-time share of the person's contract era."""
    pop = soweco.population
    se_cfg = soweco.config.population.se
    p = np.where(pop.wsw_start_month < 1998 * 12, se_cfg.fulltime_share_before_1998, se_cfg.fulltime_share_since_1998)
    lo, mean = se_cfg.parttime_min_se, se_cfg.parttime_mean_se
    m = (mean - lo) / (1 - lo)
    var_part = (1 - lo) ** 2 * m * (1 - m) / (6 + 1)  # beta with concentration 6, scaled to [lo, 1]
    expected = p + (1 - p) * mean
    variance = p * (1 - p) * (1 - mean) ** 2 + (1 - p) * var_part
    z = (pop.se.sum() - expected.sum()) / math.sqrt(variance.sum())
    assert abs(z) < 4
    assert np.all((pop.se > 0) & (pop.se <= 1))
    # the config says the part-time mean is calibrated to the brief's 0.888 SE per person (2016)
    assert abs(pop.se.mean() - 0.888) < 4 * math.sqrt(variance.mean() / len(pop))


def test_sex_and_work_form_shares(soweco: Model) -> None:
    pop, pc = soweco.population, soweco.config.population
    n = len(pop)
    share_men = float(np.mean(pop.sex == 0))
    assert abs(share_men - pc.share_men) < 4 * math.sqrt(pc.share_men * (1 - pc.share_men) / n)
    counts = np.bincount(pop.work_form, minlength=len(WORK_FORMS))
    shares: dict[str, float] = {str(k): v for k, v in pc.work_form_shares.items()}
    for code, form in enumerate(WORK_FORMS):
        assert abs(counts[code] - n * shares[form]) <= 1, form  # stratified: within one person


def test_municipality_counts_by_largest_remainder(soweco: Model) -> None:
    # 1150 x shares: 506.69, 127.88, 138.805, 94.07, 179.975, 102.58; the 4 left over go to the largest
    # remainders (Twenterand .975, Hellendoorn .88, Rijssen-Holten .805, Almelo .69)
    counts = np.bincount(soweco.population.municipality, minlength=6)
    assert soweco.config.municipalities == (
        "Almelo",
        "Hellendoorn",
        "Rijssen-Holten",
        "Tubbergen",
        "Twenterand",
        "Wierden",
    )
    assert counts.tolist() == [507, 128, 139, 94, 180, 102]


def test_largest_remainder_by_hand() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(7, [0.5, 0.25, 0.25]) == [3, 2, 2]  # 3.5, 1.75, 1.75
    assert largest_remainder(8, [0.45, 0.35, 0.2]) == [4, 3, 1]  # 3.6, 2.8, 1.6
    assert largest_remainder(0, [0.3, 0.7]) == [0, 0]


@settings(max_examples=100, deadline=None)
@given(total=st.integers(0, 100_000), shares=st.lists(st.floats(0.001, 1.0), min_size=1, max_size=8))
def test_largest_remainder_sums_and_stays_within_one(total: int, shares: list[float]) -> None:
    counts = largest_remainder(total, shares)
    assert sum(counts) == total
    for count, share in zip(counts, shares, strict=True):
        assert abs(count - total * share / sum(shares)) < 1


def _same(a: Population, b: Population) -> bool:
    return a.municipalities == b.municipalities and all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(a) if f.name != "municipalities"
    )


def test_reproducible_from_the_seed() -> None:
    first = Model.prepare(config()).population
    again = Model.prepare(config()).population
    other = Model.prepare(config({"population": {"seed": 8}})).population
    assert _same(first, again)
    assert not np.array_equal(first.birth_month, other.birth_month)
    assert not np.array_equal(first.se, other.se)


def test_unreachable_age_targets_are_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        Model.prepare(config({"population": {"age": {"mean_years": 40.0, "share_over_45": 0.99}}}))
    assert info.value.field == "population.age" and info.value.source == "test.toml"


def test_parquet_round_trip(soweco: Model, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "population.parquet"
    write_population(soweco.population, path)
    back = read_population(path, soweco.config.municipalities)
    assert _same(soweco.population, back)
    assert [p.name for p in tmp_path.joinpath("sub").iterdir()] == ["population.parquet"]  # no temporary left


def test_a_written_population_runs_like_the_synthetic_one(soweco: Model, tmp_path: Path) -> None:
    path = tmp_path / "population.parquet"
    write_population(soweco.population, path)
    data = with_changes(baseline_only(raw(SOWECO)), {"population": {"file": str(path)}})
    from_file = Model.prepare(config_from_dict(data, source="file.toml"))
    assert _same(from_file.population, soweco.population)


def test_inflow_newcomers_per_year_and_ages() -> None:
    cfg = config({"demography": {"inflow": {"persons_per_year": 50, "first_year": 2020, "last_year": 2022}}})
    newcomers, entry = inflow_population(cfg, stream(1, 0, "inflow"))
    assert len(newcomers) == 150
    assert np.bincount(np.floor(entry).astype(int) - 2020).tolist() == [50, 50, 50]
    age = (np.floor(entry * 12) - newcomers.birth_month) / 12
    assert np.all(age >= cfg.population.age.min_entry_age_years) and np.all(age <= 60)
    assert np.all(newcomers.wsw_start_month == np.floor(entry * 12))
