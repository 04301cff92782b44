"""Demography: illness bands, competing exits, and whole-run traces (AOW dates in test_retirement.py, the
Gompertz law in test_mortality.py)."""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from engine_oracle import baseline_only, config, raw, with_changes
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.domain import DEATH, ILLNESS, NO_EXIT, RETIREMENT, VOLUNTARY
from sim.inputs.config import config_from_dict
from sim.model.demography import (
    DemographyModel,
    ExitDraws,
    PiecewiseHazard,
    draw_exits,
    resolve_exits,
    voluntary_exit_from,
)
from sim.model.mortality import Gompertz
from sim.model.population import POPULATION_SCHEMA, Population, month_index
from sim.model.replication import Model, run_replication
from sim.model.retirement import build_aow_table

AOW = config().demography.aow  # the statutory table of smoke.toml (checked by hand in test_retirement.py)

# -------------------------------------------------------------------------------------------- illness

BANDS = PiecewiseHazard(edges=np.array([0.0, 45.0, 55.0, 60.0]), rates=np.array([0.004, 0.008, 0.015, 0.022]))


@pytest.mark.parametrize(
    ("age", "e", "expected"),
    [
        (50.0, 0.01, 50 + 0.01 / 0.008),  # within the band
        (50.0, 0.1, 55 + (0.1 - 0.04) / 0.015),  # 0.04 used up in 50-55
        (50.0, 0.2, 60 + (0.2 - 0.04 - 0.075) / 0.022),  # into the open last band
        (30.0, 0.06, 45 + (0.06 - 0.06) / 0.008),  # exactly at an edge
        (0.0, 0.5, 60 + (0.5 - 0.18 - 0.08 - 0.075) / 0.022),
    ],
)
def test_illness_inverse_by_hand(age: float, e: float, expected: float) -> None:
    assert BANDS.inverse_from(np.array([age]), np.array([e]))[0] == pytest.approx(expected, rel=1e-12)


def test_illness_cumulative_by_hand() -> None:
    assert BANDS.cumulative(np.array([50.0, 70.0])) == pytest.approx([0.18 + 0.04, 0.18 + 0.08 + 0.075 + 0.22])


@pytest.mark.filterwarnings("error")  # a band without hazard is never divided by
def test_illness_skips_a_band_without_hazard_and_never_ends_in_one() -> None:
    gap = PiecewiseHazard(edges=np.array([0.0, 40.0, 50.0]), rates=np.array([0.01, 0.0, 0.02]))
    assert gap.inverse_from(np.array([35.0, 45.0]), np.array([0.1, 0.01])) == pytest.approx([52.5, 50.5])
    closed = PiecewiseHazard(edges=np.array([0.0, 40.0]), rates=np.array([0.01, 0.0]))
    assert closed.inverse_from(np.array([35.0, 35.0, 45.0]), np.array([0.01, 0.1, 1e-9]))[0] == pytest.approx(36.0)
    assert np.all(np.isinf(closed.inverse_from(np.array([35.0, 45.0]), np.array([0.1, 1e-9]))))
    zero = PiecewiseHazard(edges=np.array([0.0, 50.0]), rates=np.array([0.0, 0.0]))
    assert np.all(np.isinf(zero.inverse_from(np.array([20.0, 60.0]), np.array([1e-6, 3.0]))))


@settings(max_examples=50, deadline=None)
@given(age=st.floats(18, 70), e=st.floats(1e-6, 5))
def test_illness_inverse_accumulates_e(age: float, e: float) -> None:
    t = BANDS.inverse_from(np.array([age]), np.array([e]))[0]
    assert t >= age
    assert float(BANDS.cumulative(np.array([t]))[0] - BANDS.cumulative(np.array([age]))[0]) == pytest.approx(e)


# ------------------------------------------------------------------------- competing risks, statistics


def _people(n: int, birth: date, sex: int = 0, form: int = 0) -> Population:
    return Population(
        municipalities=("Almelo",),
        person_id=np.array([f"p{i}" for i in range(n)], dtype=object),
        municipality=np.zeros(n, np.int16),
        birth_month=np.full(n, month_index(birth), np.int32),
        sex=np.full(n, sex, np.int8),
        se=np.ones(n),
        work_form=np.full(n, form, np.int8),
        disability=np.zeros(n, np.int8),
        wsw_start_month=np.full(n, month_index(date(2000, 1, 1)), np.int32),
    )


def _model(illness: float, voluntary: float, multiplier: float) -> DemographyModel:
    return DemographyModel(
        aow=build_aow_table(AOW),
        mortality=(Gompertz(a=1e-4, b=0.1), Gompertz(a=0.5e-4, b=0.1)),
        excess_mortality=multiplier,
        illness=PiecewiseHazard(edges=np.array([0.0]), rates=np.array([illness])),
        voluntary_hazard_per_year=np.full(4, voluntary),
    )


def _z(count: int, n: int, p: float) -> float:
    return (count - n * p) / math.sqrt(n * p * (1 - p))


def test_competing_constant_hazards_split_as_expected() -> None:
    """Illness mu and voluntary lam alone: P(reason k before t) = rate_k / (mu + lam) * (1 - e^{-(mu+lam) t})."""
    n, mu, lam, years = 40_000, 0.02, 0.03, 10.0
    model = _model(mu, lam, multiplier=0.0)
    pop = _people(n, date(1990, 1, 1))
    draws = draw_exits(pop, np.full(n, 2019.0), model, np.random.default_rng(11))
    voluntary = draws.entry + draws.voluntary_budget / lam
    time, reason = resolve_exits(draws, voluntary, 2019.0 + years)
    p_any = 1 - math.exp(-(mu + lam) * years)
    assert abs(_z(int(np.sum(reason == ILLNESS)), n, mu / (mu + lam) * p_any)) < 4
    assert abs(_z(int(np.sum(reason == VOLUNTARY)), n, lam / (mu + lam) * p_any)) < 4
    assert abs(_z(int(np.sum(reason == NO_EXIT)), n, 1 - p_any)) < 4
    assert np.all(np.isinf(time[reason == NO_EXIT]))
    # the time to the first exit is exponential with rate mu + lam: its mean below one year is known
    # given an exit within the first year, its time is exponential with rate r = mu + lam truncated to [0, 1):
    # E[T] = 1/r - e^-r / (1 - e^-r) and E[T^2] = (2/r^2 - e^-r (1 + 2/r + 2/r^2)) / (1 - e^-r), exactly
    within = time[time < 2020.0] - 2019.0
    r = mu + lam
    p_within = -math.expm1(-r)
    mean_given_within = 1 / r - math.exp(-r) / p_within
    second_moment = (2 / r**2 - math.exp(-r) * (1 + 2 / r + 2 / r**2)) / p_within
    sd_given_within = math.sqrt(second_moment - mean_given_within**2)
    assert abs((within.mean() - mean_given_within) / (sd_given_within / math.sqrt(len(within)))) < 4


@pytest.mark.parametrize(("sex", "multiplier"), [(0, 1.0), (1, 2.5)])
def test_death_within_ten_years_has_the_gompertz_probability(sex: int, multiplier: float) -> None:
    n = 40_000
    model = _model(0.0, 0.0, multiplier)
    pop = _people(n, date(1969, 1, 1), sex=sex)  # 50 at the start
    draws = draw_exits(pop, np.full(n, 2019.0), model, np.random.default_rng(5 + sex))
    _, reason = resolve_exits(draws, np.full(n, np.inf), 2029.0)
    law = model.mortality[sex]
    p = 1 - math.exp(-multiplier * law.a / law.b * (math.exp(law.b * 60) - math.exp(law.b * 50)))
    assert abs(_z(int(np.sum(reason == DEATH)), n, p)) < 4
    assert set(np.unique(reason)) <= {DEATH, NO_EXIT}


def test_retirement_comes_before_other_risks_once_due() -> None:
    n = 1000
    model = _model(0.05, 0.05, 1.0)
    pop = _people(n, date(1953, 5, 1))  # AOW date 1 September 2019
    draws = draw_exits(pop, np.full(n, 2019.0), model, np.random.default_rng(3))
    time, reason = resolve_exits(draws, draws.entry + draws.voluntary_budget / 0.05, 2070.0)
    assert np.all(time <= 2019 + 8 / 12)
    assert np.all(time[reason == RETIREMENT] == 2019 + 8 / 12)
    assert np.all(time[reason != RETIREMENT] < 2019 + 8 / 12)


# -------------------------------------------------------------------------------- whole-run traces


TRACED = [
    # person_id, municipality, birth, sex, se, form
    ("a", "Almelo", date(1953, 5, 1), "M", 1.0, "beschut_binnen"),  # AOW 1 September 2019
    ("b", "Almelo", date(1955, 9, 1), "V", 0.5, "groepsdetachering"),  # AOW 1 April 2022
    ("c", "Tubbergen", date(1965, 1, 1), "M", 0.75, "begeleid_werken"),  # AOW 1 April 2032, after the horizon
]


def _traced_run(tmp_path: Path, changes: dict[str, Any]) -> dict[str, pa.Table]:
    """Run the three traced employees (written as a personnel Parquet file) through one replication."""
    table = pa.table(
        {
            "person_id": [p[0] for p in TRACED],
            "municipality": [p[1] for p in TRACED],
            "birth_year": [p[2].year for p in TRACED],
            "birth_month": [p[2].month for p in TRACED],
            "sex": [p[3] for p in TRACED],
            "se": [p[4] for p in TRACED],
            "work_form": [p[5] for p in TRACED],
            "disability_type": ["onbekend"] * 3,
            "wsw_start_date": [date(1990, 1, 1)] * 3,
        }
    ).cast(POPULATION_SCHEMA)
    path = tmp_path / "three.parquet"
    pq.write_table(table, path)
    data = with_changes(baseline_only(raw()), {"population": {"file": str(path)}, **changes})
    model = Model.prepare(config_from_dict(data, source="three.toml"))
    return {name: pa.concat_tables(pieces) for name, pieces in run_replication(model, 0, 1).items() if pieces}


NO_RISKS = {
    "demography": {
        "mortality": {"excess_multiplier": 0.0},
        "illness": {"bands": [{"from_age": 0, "hazard_per_year": 0.0}]},
        "voluntary": {
            "hazard_per_year": dict.fromkeys(
                ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken"), 0.0
            )
        },
    },
}


def _cell(table: pa.Table, **keys: object) -> dict[str, Any]:
    rows = table.to_pylist()
    match = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    assert len(match) == 1, keys
    return match[0]


def test_three_employees_retire_on_their_aow_dates(tmp_path: Path) -> None:
    out = _traced_run(tmp_path, NO_RISKS)
    stocks, flows = out["stocks"], out["flows"]
    assert _cell(stocks, year=2018, municipality="Almelo", work_form="beschut_binnen")["persons"] == 1
    assert _cell(stocks, year=2018, municipality="Almelo", work_form="groepsdetachering")["se"] == 0.5
    assert _cell(stocks, year=2019, municipality="Almelo", work_form="beschut_binnen")["persons"] == 0
    assert _cell(stocks, year=2021, municipality="Almelo", work_form="groepsdetachering")["persons"] == 1
    assert _cell(stocks, year=2022, municipality="Almelo", work_form="groepsdetachering")["persons"] == 0
    for year in range(2018, 2031):
        assert _cell(stocks, year=year, municipality="Tubbergen", work_form="begeleid_werken")["se"] == 0.75
    retirements = {(r["year"], r["municipality"]): r["exits_retirement"] for r in flows.to_pylist()}
    assert retirements[(2019, "Almelo")] == 1 and retirements[(2022, "Almelo")] == 1
    assert sum(retirements.values()) == 2
    for name in ("exits_death", "exits_illness", "exits_voluntary", "inflow"):
        assert sum(flows.column(name).to_pylist()) == 0


def test_a_sure_voluntary_exit_comes_first(tmp_path: Path) -> None:
    """With a huge voluntary hazard everybody leaves voluntarily within days of the start."""
    forms = ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken")
    changes = with_changes(NO_RISKS, {"demography": {"voluntary": {"hazard_per_year": dict.fromkeys(forms, 1e4)}}})
    flows = _traced_run(tmp_path, changes)["flows"]
    assert _cell(flows, year=2019, municipality="Almelo")["exits_voluntary"] == 2
    assert _cell(flows, year=2019, municipality="Tubbergen")["exits_voluntary"] == 1
    assert sum(flows.column("exits_retirement").to_pylist()) == 0


def test_illness_hazard_by_band_by_hand() -> None:
    ages = np.array([-5.0, 10.0, 44.999, 45.0, 50.0, 55.0, 59.999, 60.0, 80.0])
    expected = [0.004, 0.004, 0.004, 0.008, 0.008, 0.015, 0.015, 0.022, 0.022]  # an edge opens its band
    assert BANDS.hazard(ages).tolist() == expected


def test_illness_bands_from_the_config() -> None:
    hazard = PiecewiseHazard.from_config(config().demography.illness)  # smoke.toml's four bands
    assert hazard.edges.tolist() == [0.0, 45.0, 55.0, 60.0]
    assert hazard.rates.tolist() == [b["hazard_per_year"] for b in raw()["demography"]["illness"]["bands"]]


# -------------------------------------------- one person's hazard in plain floats, and the voluntary exit

AGE_MULTIPLIER = PiecewiseHazard(edges=np.array([0.0, 45.0, 55.0]), rates=np.array([2.0, 1.0, 0.6]))
"""A voluntary-hazard multiplier by age: it integrates to 90 at age 45 and to 100 at 55."""


@pytest.mark.parametrize(("age", "expected"), [(30.0, 60.0), (45.0, 90.0), (50.0, 95.0), (60.0, 103.0)])
def test_one_persons_cumulative_hazard_by_hand(age: float, expected: float) -> None:
    assert AGE_MULTIPLIER.cumulative_at(age) == pytest.approx(expected, rel=1e-14)
    assert AGE_MULTIPLIER.cumulative_at(age) == AGE_MULTIPLIER.cumulative(np.array([age]))[0]  # the same bits


@pytest.mark.parametrize(
    ("age", "e", "expected"),
    [
        (10.0, 20.0, 20.0),  # within the first band: 40 at rate 2
        (40.0, 12.0, 47.0),  # 80 at 40, 90 at 45, then 2 more at rate 1
        (50.0, 1.0, 51.0),  # within a band at rate 1
        (30.0, 43.0, 60.0),  # 60 at 30, 100 at 55, then 3 at rate 0.6: five years into the open last band
    ],
)
def test_one_persons_inverse_by_hand(age: float, e: float, expected: float) -> None:
    assert AGE_MULTIPLIER.inverse_at(age, e) == pytest.approx(expected, rel=1e-14)
    assert AGE_MULTIPLIER.inverse_at(age, e) == AGE_MULTIPLIER.inverse_from(np.array([age]), np.array([e]))[0]


def test_one_persons_inverse_never_ends_in_a_band_without_hazard() -> None:
    closed = PiecewiseHazard(edges=np.array([0.0, 40.0]), rates=np.array([1.0, 0.0]))
    assert closed.inverse_at(35.0, 2.0) == pytest.approx(37.0)
    assert math.isinf(closed.inverse_at(35.0, 10.0)) and math.isinf(closed.inverse_at(45.0, 1e-9))


@pytest.mark.filterwarnings("error")  # no division by the zero hazard
@pytest.mark.parametrize(
    ("edges", "rates", "expected"),
    [
        ([0.0], [1.0], [2013.0, 2025.0]),  # the same hazard at every age: budget / rate years
        ([0.0], [2.0], [2011.5, 2017.5]),  # twice the hazard at every age
        ([0.0, 45.0], [1.0, 0.5], [2013.0, 2035.0]),  # 15: 5 up to 45, 10 more at half the hazard: 20 years
        ([0.0, 45.0], [2.0, 1.0], [2011.5, 2020.0]),  # 15: 10 up to 45, 5 more at the plain hazard
    ],
)
def test_voluntary_exit_times_by_hand(edges: list[float], rates: list[float], expected: list[float]) -> None:
    """Three people aged 40 on 1 January 2010, budgets 0.3, 1.5 and 0.7, hazards 0.1, 0.1 and 0 per year: the
    hazard x the age multiplier spends 3 and 15 (in multiplier-years); the third never leaves."""
    model = dataclasses.replace(
        _model(0.0, 0.1, 1.0), voluntary_by_age=PiecewiseHazard(edges=np.array(edges), rates=np.array(rates))
    )
    got = voluntary_exit_from(
        np.full(3, 2010.0), np.full(3, 1970.0), np.array([0.3, 1.5, 0.7]), np.array([0.1, 0.1, 0.0]), model
    )
    assert got[:2] == pytest.approx(expected, rel=1e-14)
    assert math.isinf(got[2])


def test_an_exit_on_the_horizon_end_is_beyond_it() -> None:
    """Horizon end 2031.0 (1 January 2031): a retirement on that day is after the horizon, one a month
    earlier within it; the reasons are int8 codes."""
    n = 2
    draws = ExitDraws(
        entry=np.full(n, 2019.0),
        retirement=np.array([2031.0, 2031.0 - 1 / 12]),
        death=np.full(n, np.inf),
        illness=np.full(n, np.inf),
        voluntary_budget=np.ones(n),
        birth=np.full(n, 1965.0),
    )
    time, reason = resolve_exits(draws, np.full(n, np.inf), 2031.0)
    assert time.tolist() == [math.inf, 2031.0 - 1 / 12]
    assert reason.tolist() == [NO_EXIT, RETIREMENT] and reason.dtype == np.int8
