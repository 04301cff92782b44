"""Retirement: the AOW age by calendar year, its projection in whole steps, and each person's AOW date.

The known answers are the statutory table of the domain brief (svb.nl), written here by hand, and AOW dates
worked out by hand from it; the property test walks the calendar month by month (tests/engine_oracle.py).
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from engine_oracle import aow_age_months, aow_date_month
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.inputs.config import AowConfig
from sim.model.population import month_index, month_to_date
from sim.model.retirement import build_aow_table, retirement_month

# The domain brief, "Retirement": the statutory AOW age (months) by the calendar year in which it is reached.
STATUTORY = {
    2015: 783,
    2016: 786,
    2017: 789,
    2018: 792,
    2019: 796,
    2020: 796,
    2021: 796,
    2022: 799,
    2023: 802,
    2024: 804,
    2025: 804,
    2026: 804,
    2027: 804,
    2028: 807,
    2029: 807,
    2030: 807,
    2031: 807,
}
AOW = AowConfig(months_by_year=STATUTORY, projection=[(2035, 813.0), (2050, 825.0)], step_months=3)


def aow_date(birth: date) -> date:
    month = retirement_month(np.array([month_index(birth)]), build_aow_table(AOW))[0]
    return month_to_date(int(month))


# ------------------------------------------------------------------------------------------------ AOW


@pytest.mark.parametrize(
    ("born", "aow_date_expected", "why"),
    [
        (date(1952, 5, 1), date(2018, 5, 1), "66y in May 2018, the 2018 AOW age"),
        (date(1953, 5, 1), date(2019, 9, 1), "66y in May 2019 is too young: 2019 asks 66y4m"),
        (date(1955, 8, 1), date(2021, 12, 1), "66y4m in December 2021, still the 2021 age"),
        (date(1955, 9, 1), date(2022, 4, 1), "66y4m would be January 2022, when 66y7m applies"),
        (date(1956, 1, 1), date(2022, 8, 1), "66y7m, the 2022 age"),
        (date(1957, 11, 1), date(2024, 11, 1), "67y, the 2024 age"),
        (date(1965, 1, 1), date(2032, 4, 1), "67y3m: the projection stays at 807 months in 2032"),
        (date(1980, 1, 1), date(2048, 7, 1), "68y6m: 822.6 projected months in 2047 and 2048, down to 822"),
        (date(2000, 1, 1), date(2068, 10, 1), "68y9m, constant after the last projection point"),
    ],
)
def test_aow_date_of_known_birth_months(born: date, aow_date_expected: date, why: str) -> None:
    assert aow_date(born) == aow_date_expected, why


def test_aow_table_projection_in_whole_steps() -> None:
    table = build_aow_table(AOW)
    expected = {2031: 807, 2032: 807, 2033: 810, 2034: 810, 2035: 813, 2036: 813, 2038: 813, 2039: 816, 2050: 825}
    for year, months in expected.items():
        assert int(table.months_in(year)) == months, year
    assert int(table.months_in(2120)) == 825
    assert np.all(np.diff(table.months) >= 0)


@settings(max_examples=60, deadline=None)
@given(
    birth=st.integers(1940 * 12, 2005 * 12),
    projection=st.lists(st.integers(807, 900), min_size=0, max_size=3),
    step=st.sampled_from([1, 3, 5, 6, 12]),
)
def test_retirement_month_matches_a_month_by_month_walk(birth: int, projection: list[int], step: int) -> None:
    points = [(2031 + 7 * (i + 1), float(m)) for i, m in enumerate(sorted(projection))]
    cfg = AowConfig(months_by_year=STATUTORY, projection=points, step_months=step)
    got = int(retirement_month(np.array([birth]), build_aow_table(cfg))[0])
    assert got == aow_date_month(cfg, birth)
    assert got - birth >= aow_age_months(cfg, got // 12)


@pytest.mark.parametrize("name", ["smoke.toml", "soweco_2019.toml", "national_2016.toml"])
def test_every_config_has_the_statutory_table(name: str) -> None:
    path = Path(__file__).resolve().parent.parent / "configs" / name
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert {int(y): m for y, m in raw["demography"]["aow"]["months_by_year"].items()} == STATUTORY


def test_years_before_the_table_take_its_first_age_and_many_people_at_once() -> None:
    table = build_aow_table(AOW)
    assert int(table.months_in(1990)) == 783
    assert table.months_in(np.array([2014, 2019, 2031])).tolist() == [783, 796, 807]
    births = np.array([month_index(date(1952, 5, 1)), month_index(date(1955, 9, 1)), month_index(date(1940, 3, 1))])
    # born March 1940: 65y3m (the first age) in June 2005, long before the table's first year
    expected = [month_index(d) for d in (date(2018, 5, 1), date(2022, 4, 1), date(2005, 6, 1))]
    assert retirement_month(births, table).tolist() == expected


def test_years_after_the_materialised_table_keep_its_last_age() -> None:
    table = build_aow_table(AOW)
    assert table.first_year == 2015 and int(table.months_in(2500)) == 825 == int(table.months[-1])


def test_the_aow_age_never_falls_even_when_the_projection_does() -> None:
    """A table to 2020 (799 months), a projection rising to 810 in 2025 and falling to 800 from 2026: in steps
    of 3 above 799 the ages are 799, 802, 805, 805, 808 for 2021-2025 (801.2, 803.4, 805.6, 807.8, 810 rounded
    down), then 808 for good: the projection's 800 would be 799, below the peak already reached."""
    cfg = AowConfig(months_by_year={2019: 796, 2020: 799}, projection=[(2025, 810.0), (2026, 800.0)], step_months=3)
    table = build_aow_table(cfg)
    assert table.months_in(np.arange(2019, 2031)).tolist() == [796, 799, 799, 802, 805, 805] + [808] * 6
