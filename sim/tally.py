"""Yearly tallies from per-person records: the `stocks` and `flows` tables of one scenario.

Nothing here runs during the simulation: the model records when people enter, leave and change their form
of work, and these functions turn those records into yearly tables afterwards, vectorised.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sim import schema
from sim.domain import BESCHUT, DEATH, ILLNESS, RETIREMENT, VOLUNTARY, WORK_FORMS


@dataclass(eq=False)
class Moves:
    """Changes of form of work, in time order: who, when, to which form; and coach waits of placements."""

    person: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    form: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    wait_person: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    wait_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wait_weeks: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True, eq=False)
class PersonRecords:
    """Everything the tallies need about the people of one scenario of one replication."""

    municipality: np.ndarray  # int codes
    se: np.ndarray
    initial_form: np.ndarray
    is_inflow: np.ndarray  # bool
    entry: np.ndarray  # time of entry (start time for the initial population)
    exit_time: np.ndarray  # inf when still employed at the horizon
    exit_reason: np.ndarray
    moves: Moves

    @functools.cached_property
    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`_segments(self)`, computed once for the stocks and the exposure."""
        return _segments(self)


@functools.lru_cache(maxsize=256)
def _strings(values: tuple[str, ...], repeat: int, tile: int) -> pa.Array:
    """A string column of `values`, each repeated `repeat` times, the whole tiled `tile` times.

    The label columns are the same for every replication: built once per process (Arrow arrays are immutable).
    """
    column = [value for value in values for _ in range(repeat)] * tile
    return pa.array(column, pa.string())


def _keys(scenario: str, replication: int, n: int) -> dict[str, pa.Array]:
    return {
        "scenario": _strings((scenario,), n, 1),
        "replication": pa.array(np.full(n, replication, np.int32)),
    }


def _segments(records: PersonRecords) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each person's stay cut at their changes of form: (person, start, end, form), by person, then time.

    A segment ends at the person's next change of form, or at their exit (inf if none). Changes at the same
    time keep their record order, so the later one holds (the earlier gets an empty segment).
    """
    n = len(records.se)
    moves = records.moves
    person = np.concatenate([np.arange(n), moves.person])
    start = np.concatenate([records.entry, moves.time])
    form = np.concatenate([records.initial_form, moves.form]).astype(np.int64)
    order = np.lexsort((np.concatenate([np.zeros(n), np.ones(len(moves.person))]), start, person))
    person, start, form = person[order], start[order], form[order]
    same_next = np.concatenate([person[1:] == person[:-1], [False]])
    end = np.where(same_next, np.concatenate([start[1:], [0.0]]), records.exit_time[person])
    return person, start, end, form


def _expand(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (segment, k) pairs with first[segment] <= k <= last[segment], by segment then k."""
    counts = np.maximum(last - first + 1, 0)
    segment = np.repeat(np.arange(len(first)), counts)
    k = first[segment] + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return segment, k


def stock_arrays(records: PersonRecords, n_municipalities: int, years: range) -> tuple[np.ndarray, np.ndarray]:
    """Persons and SE at 31 December of the year before `years` and of every year: [year, municipality, form].

    The stock at 31 December of Y holds a segment when it started before 1 January Y+1 and ends on or after
    it (an exit at that instant counts in Y+1); everybody of the starting population is in the first stock.
    """
    n_f = len(WORK_FORMS)
    n_cells = n_municipalities * n_f
    n_ends = len(years) + 1
    person, start, end, form = records.segments
    initial = ~records.is_inflow[person] & np.concatenate([[True], person[1:] != person[:-1]])
    opens = np.where(initial, -np.inf, start)
    first = np.maximum(np.floor(opens) + 1, years.start) - years.start  # year-end index (0: the start stock)
    last = np.minimum(np.floor(end), years.stop) - years.start
    segment, k = _expand(first.astype(np.int64), last.astype(np.int64))
    key = k * n_cells + records.municipality[person[segment]].astype(np.int64) * n_f + form[segment]
    persons = np.bincount(key, minlength=n_ends * n_cells)
    se = np.bincount(key, weights=records.se[person[segment]], minlength=n_ends * n_cells)
    shape = (n_ends, n_municipalities, n_f)
    return persons.astype(np.int64).reshape(shape), se.reshape(shape)


def stocks_table(
    persons: np.ndarray, se: np.ndarray, municipalities: tuple[str, ...], years: range, scenario: str, replication: int
) -> pa.Table:
    n_m, n_f = len(municipalities), len(WORK_FORMS)
    year_ends = [years.start - 1, *years]
    n = persons.size
    return pa.Table.from_pydict(
        {
            **_keys(scenario, replication, n),
            "year": pa.array(np.repeat(np.array(year_ends, np.int16), n_m * n_f)),
            "municipality": _strings(municipalities, n_f, len(year_ends)),
            "work_form": _strings(WORK_FORMS, 1, n_m * len(year_ends)),
            "persons": pa.array(persons.ravel().astype(np.int32)),
            "se": pa.array(np.round(se.ravel(), 6)),
        },
        schema=schema.STOCKS,
    )


def stocks(
    records: PersonRecords, municipalities: tuple[str, ...], years: range, scenario: str, replication: int
) -> pa.Table:
    """Persons and SE by municipality and form at 31 December of the year before `years` and of every year."""
    persons, se = stock_arrays(records, len(municipalities), years)
    return stocks_table(persons, se, municipalities, years, scenario, replication)


def exposure(records: PersonRecords, n_municipalities: int, years: range) -> tuple[np.ndarray, np.ndarray]:
    """SE-years and person-years spent in each year, municipality and form: arrays [year, municipality, form].

    Each person's time from entry to exit (or the horizon) is cut into segments at their changes of form,
    and each segment into the calendar years it overlaps.
    """
    n_f = len(WORK_FORMS)
    n_cells = n_municipalities * n_f
    person, start, end, form = records.segments
    end = np.minimum(end, float(years.stop))
    first = np.floor(start).astype(np.int64) - years.start
    last = np.minimum(np.floor(end).astype(np.int64), years.stop - 1) - years.start
    segment, k = _expand(np.maximum(first, 0), np.where(end > start, last, -1))
    year = (k + years.start).astype(float)
    overlap = np.clip(np.minimum(end[segment], year + 1.0) - np.maximum(start[segment], year), 0.0, None)
    key = k * n_cells + records.municipality[person[segment]].astype(np.int64) * n_f + form[segment]
    size = len(years) * n_cells
    person_years = np.bincount(key, weights=overlap, minlength=size)
    se_years = np.bincount(key, weights=overlap * records.se[person[segment]], minlength=size)
    shape = (len(years), n_municipalities, n_f)
    return se_years.reshape(shape), person_years.reshape(shape)


def _count(year: np.ndarray, municipality: np.ndarray, mask: np.ndarray, first: int, n_y: int, n_m: int) -> np.ndarray:
    y = year[mask] - first
    keep = (y >= 0) & (y < n_y)
    return np.bincount(y[keep] * n_m + municipality[mask][keep], minlength=n_y * n_m)


def _wait_statistics(moves: Moves, muni: np.ndarray, first: int, n_y: int, n_m: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95th percentile (inverted CDF, as numpy's) of coach waits per (year, municipality) cell."""
    n_cells = n_y * n_m
    mean = np.full(n_cells, np.nan)
    p95 = np.full(n_cells, np.nan)
    if not len(moves.wait_weeks):
        return mean, p95
    cell = (np.floor(moves.wait_time).astype(np.int64) - first) * n_m + muni[moves.wait_person]
    keep = (cell >= 0) & (cell < n_cells)
    cell, weeks = cell[keep], moves.wait_weeks[keep]
    count = np.bincount(cell, minlength=n_cells)
    has = count > 0
    mean[has] = np.bincount(cell, weights=weeks, minlength=n_cells)[has] / count[has]
    order = np.lexsort((weeks, cell))
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.ceil(0.95 * count).astype(np.int64) - 1
    p95[has] = weeks[order][starts[has] + rank[has]]
    return mean, p95


def flows(
    records: PersonRecords, municipalities: tuple[str, ...], years: range, scenario: str, replication: int
) -> pa.Table:
    """Exits by reason, inflow, placements and coach waits during each year of `years`, by municipality."""
    n_m, n_y, first = len(municipalities), len(years), years.start
    muni = records.municipality.astype(np.int64)
    finite = np.isfinite(records.exit_time)
    exit_year = np.where(finite, np.floor(np.where(finite, records.exit_time, 0)), -1).astype(np.int64)
    cols: dict[str, np.ndarray] = {}
    for name, reason in (
        ("exits_retirement", RETIREMENT),
        ("exits_death", DEATH),
        ("exits_illness", ILLNESS),
        ("exits_voluntary", VOLUNTARY),
    ):
        cols[name] = _count(exit_year, muni, records.exit_reason == reason, first, n_y, n_m)
    entry_year = np.floor(records.entry).astype(np.int64)
    cols["inflow"] = _count(entry_year, muni, records.is_inflow, first, n_y, n_m)

    moves = records.moves
    move_year = np.floor(moves.time).astype(np.int64)
    move_muni = muni[moves.person]
    for code in (1, 2, 3):
        cols[f"placements_started_{WORK_FORMS[code]}"] = _count(
            move_year, move_muni, moves.form == code, first, n_y, n_m
        )
    cols["placements_ended"] = _count(move_year, move_muni, moves.form == BESCHUT, first, n_y, n_m)

    mean, p95 = _wait_statistics(moves, muni, first, n_y, n_m)
    n = n_y * n_m
    data: dict[str, pa.Array] = {
        **_keys(scenario, replication, n),
        "year": pa.array(np.repeat(np.arange(first, first + n_y, dtype=np.int16), n_m)),
        "municipality": _strings(municipalities, 1, n_y),
    }
    for name, values in cols.items():
        data[name] = pa.array(values.astype(np.int32))
    data["waiting_weeks_mean"] = pa.array(np.round(mean, 6), from_pandas=True)
    data["waiting_weeks_p95"] = pa.array(np.round(p95, 6), from_pandas=True)
    return pa.Table.from_pydict(data, schema=schema.FLOWS)
