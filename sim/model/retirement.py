"""Retirement at the AOW age: the statutory table by calendar year, its projection, and each person's AOW date.

A person retires on the first day of the month in which their age reaches the AOW age of that calendar year
(statutory ages to 2031; after that a scenario parameter, stepped as the law steps it).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sim.inputs.config import AowConfig

AOW_TABLE_LAST_YEAR = 2200
"""Years up to which the AOW table is materialised (constant after the last projection point)."""


@dataclass(frozen=True)
class AowTable:
    """AOW age in months for every calendar year from `first_year` to AOW_TABLE_LAST_YEAR."""

    first_year: int
    months: np.ndarray  # int32

    def months_in(self, year: int | np.ndarray) -> np.ndarray:
        idx = np.clip(np.asarray(year) - self.first_year, 0, len(self.months) - 1)
        return self.months[idx]


def build_aow_table(cfg: AowConfig) -> AowTable:
    """The statutory table, then the projection interpolated and rounded down to whole steps above its last age."""
    first, last = min(cfg.months_by_year), max(cfg.months_by_year)
    months = [cfg.months_by_year[y] for y in range(first, last + 1)]
    base = cfg.months_by_year[last]  # the rule adds whole steps to the current (last statutory) age
    points = [(last, float(base)), *cfg.projection]
    for year in range(last + 1, AOW_TABLE_LAST_YEAR + 1):
        value = points[-1][1]
        for (y0, m0), (y1, m1) in itertools.pairwise(points):
            if y0 <= year <= y1:
                value = m0 + (m1 - m0) * (year - y0) / (y1 - y0)
                break
        stepped = base + math.floor((value - base) / cfg.step_months + 1e-9) * cfg.step_months
        months.append(max(stepped, months[-1]))
    return AowTable(first_year=first, months=np.array(months, dtype=np.int32))


def retirement_month(birth_month: np.ndarray, table: AowTable) -> np.ndarray:
    """The month index of each person's AOW date.

    A person born in month b reaches the AOW age of year y in month b + A(y); the AOW date is the first month
    m with m >= b + A(year of m). Since A never falls, that is the smallest max(12y, b + A(y)) over the years y
    with b + A(y) before the end of y.
    """
    b = np.asarray(birth_month, dtype=np.int64)[:, None]
    birth_year = b // 12
    # The AOW date falls in a year from birth year + A_min // 12 (it cannot come earlier) to birth year +
    # A_max // 12 + 1 (there b + A(y) <= b + A_max lies within y): only these few years are candidates.
    lowest, highest = int(table.months.min()) // 12, int(table.months.max()) // 12 + 1
    years = birth_year + np.arange(lowest, highest + 1)[None, :]
    candidate = b + table.months_in(years)
    valid = candidate < 12 * (years + 1)
    month = np.where(valid, np.maximum(12 * years, candidate), np.iinfo(np.int64).max)
    return month.min(axis=1).astype(np.int64)
