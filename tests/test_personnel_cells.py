"""One cell to one value: dates to month indices (year * 12 + month - 1), SE, categories, exact reasons."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sim.inputs.personnel_cells import BadCell, cell_parsers, cell_text, parse_month, parse_se
from sim.inputs.personnel_columns import ColumnMapping

MARCH_1965 = 1965 * 12 + 2


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (5001.0, "5001"), (-3.0, "-3"), (0.5, "0.5"), ("  A 1 ", "A 1"), (7, "7"), (True, "True")],
)
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    "value",
    [
        "1965-03-15",
        "1965-3-1",
        "1965-03",
        "1965-03-31T00:00:00",
        "1965-03-15 13:45:10.5",
        "15-03-1965",
        "31/3/1965",
        "1.3.1965",
        dt.date(1965, 3, 15),
        dt.datetime(1965, 3, 31, 23, 59),
    ],
)
def test_dates_become_months(value: Any) -> None:
    assert parse_month(value) == MARCH_1965


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("15 maart 1965", "unreadable date (expected YYYY-MM-DD or YYYY-MM)"),
        ("1965/03/15", "unreadable date (expected YYYY-MM-DD or YYYY-MM)"),
        (19650315, "unreadable date (expected YYYY-MM-DD or YYYY-MM)"),
        ("1965-13", "unreadable date (no such date)"),
        ("1965-02-30", "unreadable date (no such date)"),
        ("31-04-2019", "unreadable date (no such date)"),  # day first: 31 April does not exist
        ("30-02-2019", "unreadable date (no such date)"),
        ("00-03-1965", "unreadable date (no such date)"),
    ],
)
def test_unreadable_dates(value: Any, reason: str) -> None:
    with pytest.raises(BadCell) as info:
        parse_month(value)
    assert str(info.value) == reason


def test_day_first_reads_the_month_from_the_middle() -> None:
    assert parse_month("01-12-1970") == 1970 * 12 + 11
    assert parse_month("12-01-1970") == 1970 * 12


@pytest.mark.parametrize(
    ("value", "se"),
    [(1, 1.0), (0.75, 0.75), ("0,75", 0.75), (" 0 , 5 ", 0.5), ("1.0", 1.0), ("1", 1.0), (1e-9, 1e-9)],
)
def test_se_values(value: Any, se: float) -> None:
    assert parse_se(value) == se


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "not a number"),
        ("abc", "not a number"),
        ("1.000,5", "not a number"),
        ("", "not a number"),
        (0, "SE outside (0, 1]"),
        ("0,0", "SE outside (0, 1]"),
        (1.0000001, "SE outside (0, 1]"),
        ("-0.5", "SE outside (0, 1]"),
    ],
)
def test_bad_se(value: Any, reason: str) -> None:
    with pytest.raises(BadCell) as info:
        parse_se(value)
    assert str(info.value) == reason


def test_categories_with_built_in_and_mapped_spellings() -> None:
    mapping = ColumnMapping(
        values={
            "municipality": {"gem_almelo": "Almelo"},
            "sex": {"vr": "V"},
            "work_form": {"bw": "beschut_binnen"},
            "disability_type": {"ggz": "psychisch"},
        }
    )
    parse = cell_parsers(mapping)
    assert parse["municipality"]("Gem. Almelo") == "Almelo"
    assert parse["municipality"]("Gemeente Rijssen-Holten") == "Rijssen-Holten"
    assert parse["municipality"](" rijssen holten") == "Rijssen-Holten"
    assert parse["sex"]("VR") == "V" and parse["sex"]("Female") == "V" and parse["sex"]("man") == "M"
    assert parse["work_form"]("BW") == "beschut_binnen"
    assert parse["work_form"]("Begeleid Werken") == "begeleid_werken"
    assert parse["disability_type"]("GGZ") == "psychisch"
    assert parse["disability_type"](None) == "onbekend"
    assert parse["employee_id"](5001.0) == "5001"
    assert parse["birth_date"]("1965-03") == parse["wsw_start_date"]("1965-03") == MARCH_1965
    assert parse["se"]("0,5") == 0.5
    plain = cell_parsers(ColumnMapping())
    for column, value in [
        ("municipality", "Gem. Almelo"),
        ("sex", "vr"),
        ("work_form", "bw"),
        ("disability_type", "ggz"),
    ]:
        with pytest.raises(BadCell):
            plain[column](value)


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        (
            "municipality",
            "unknown municipality; expected one of Almelo, Hellendoorn, Rijssen-Holten, Tubbergen, Twenterand, Wierden",
        ),
        ("sex", "unknown sex; expected one of M, V, F"),
        (
            "work_form",
            "unknown form of work; expected one of beschut_binnen, groepsdetachering, individuele_detachering, "
            "begeleid_werken",
        ),
        ("disability_type", "unknown disability type; expected one of lichamelijk, verstandelijk, psychisch, onbekend"),
    ],
)
def test_unknown_categories_name_the_expected_values(column: str, reason: str) -> None:
    with pytest.raises(BadCell) as info:
        cell_parsers(ColumnMapping())[column]("Enschede")
    assert str(info.value) == reason
