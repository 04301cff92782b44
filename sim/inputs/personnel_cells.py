"""From a cell of a personnel file to a value of the model: dates to months, SE, the named categories.

Each parser raises `BadCell` with the reason a clerk can act on ("unreadable date", "SE outside (0, 1]");
the import adds the row and the column header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sim.domain import DISABILITY_TYPES, MUNICIPALITIES, WORK_FORMS
from sim.inputs.personnel_columns import ColumnMapping, normalise
from sim.model.population import month_index

SEX_VALUES = {"m": "M", "man": "M", "male": "M", "v": "V", "f": "V", "vrouw": "V", "female": "V"}
DISABILITY_VALUES = {"lichamelijk": "lichamelijk", "verstandelijk": "verstandelijk", "psychisch": "psychisch"}
DISABILITY_VALUES |= {"onbekend": "onbekend", "": "onbekend"}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DUTCH = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class BadCell(ValueError):
    """A cell that cannot be used; the message says why."""


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_month(value: Any) -> int:
    """A month index from a date cell: YYYY-MM-DD, YYYY-MM, or the Dutch day-first DD-MM-YYYY; the day is dropped."""
    if isinstance(value, datetime | date):
        return month_index(value)
    text = cell_text(value)
    iso, dutch = _ISO.match(text), _DUTCH.match(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3] or 1)
    elif dutch:
        day, month, year = int(dutch[1]), int(dutch[2]), int(dutch[3])
    else:
        raise BadCell("unreadable date (expected YYYY-MM-DD or YYYY-MM)")
    try:
        return month_index(date(year, month, day))
    except ValueError:
        raise BadCell("unreadable date (no such date)") from None


def parse_se(value: Any) -> float:
    """Contract size in SE; a decimal comma (0,75) is read as a decimal point."""
    if isinstance(value, bool):
        raise BadCell("not a number")
    if isinstance(value, int | float):
        se = float(value)
    else:
        text = cell_text(value).replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            se = float(text)
        except ValueError:
            raise BadCell("not a number") from None
    if not 0 < se <= 1:
        raise BadCell("SE outside (0, 1]")
    return se


def _choice(value: Any, table: Mapping[str, str], what: str, expected: tuple[str, ...]) -> str:
    key = normalise(cell_text(value))
    if key in table:
        return table[key]
    raise BadCell(f"unknown {what}; expected one of {', '.join(expected)}")


def cell_parsers(mapping: ColumnMapping) -> dict[str, Callable[[Any], Any]]:
    """Per standard column, the function from a cell to its value (raising `BadCell` with the reason)."""
    extra = mapping.values
    municipalities = {normalise(prefix + m): m for m in MUNICIPALITIES for prefix in ("", "gemeente ")}
    municipalities |= extra.get("municipality", {})
    forms = {normalise(f): f for f in WORK_FORMS} | extra.get("work_form", {})
    sexes = SEX_VALUES | extra.get("sex", {})
    disabilities = DISABILITY_VALUES | extra.get("disability_type", {})
    return {
        "employee_id": cell_text,
        "municipality": lambda v: _choice(v, municipalities, "municipality", MUNICIPALITIES),
        "birth_date": parse_month,
        "sex": lambda v: _choice(v, sexes, "sex", ("M", "V", "F")),
        "se": parse_se,
        "work_form": lambda v: _choice(v, forms, "form of work", WORK_FORMS),
        "wsw_start_date": parse_month,
        "disability_type": lambda v: _choice(v, disabilities, "disability type", DISABILITY_TYPES),
    }
