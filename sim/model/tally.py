"""Yearly tallies from per-person records: the `stocks`, `flows` and `ages` tables of one scenario.

Nothing here runs during the simulation: the model records when people enter, leave and change their form
of work, and these functions turn those records into yearly tables afterwards, vectorised.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sim.domain import BESCHUT, DEATH, ILLNESS, RETIREMENT, VOLUNTARY, WORK_FORMS
from sim.runs import schema


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
    birth_month: np.ndarray | None = None
    """Month index of each person's birth (for the `ages` table); None: not known."""
    group: np.ndarray | None = None
    """Per person, which replication of a stack (see `stack`) they belong to; None: all of one."""
    n_groups: int = 1

    @property
    def groups(self) -> np.ndarray:
        return self.group if self.group is not None else np.zeros(len(self.se), np.int64)

    @functools.cached_property
    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`_segments(self)`, computed once for the stocks and the exposure."""
        return _segments(self)


def stack(records: Sequence[PersonRecords]) -> PersonRecords:
    """The records of several replications as one, each person tagged with the position of theirs.

    The tallies then count every replication in one vectorised pass, with the replication as the first axis
    of their arrays.
    """
    if len(records) == 1:
        return records[0]
    sizes = np.array([len(r.se) for r in records])
    offset = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(r, name) for r in records])

    def cat_moves(name: str) -> np.ndarray:
        return np.concatenate([getattr(r.moves, name) for r in records])

    moves = Moves(
        person=np.concatenate([r.moves.person + o for r, o in zip(records, offset, strict=True)]),
        time=cat_moves("time"),
        form=cat_moves("form"),
        wait_person=np.concatenate([r.moves.wait_person + o for r, o in zip(records, offset, strict=True)]),
        wait_time=cat_moves("wait_time"),
        wait_weeks=cat_moves("wait_weeks"),
    )
    return PersonRecords(
        municipality=cat("municipality"),
        se=cat("se"),
        initial_form=cat("initial_form"),
        is_inflow=cat("is_inflow"),
        entry=cat("entry"),
        exit_time=cat("exit_time"),
        exit_reason=cat("exit_reason"),
        moves=moves,
        birth_month=cat("birth_month") if all(r.birth_month is not None for r in records) else None,
        group=np.repeat(np.arange(len(records)), sizes),
        n_groups=len(records),
    )


def labels(values: Sequence[str], codes: np.ndarray) -> pa.Array:
    """A string column holding `values[code]` for each code: built by Arrow, not from Python strings."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), _dictionary(tuple(values))).dictionary_decode()


@functools.lru_cache(maxsize=64)
def _dictionary(values: tuple[str, ...]) -> pa.Array:
    return pa.array(values, pa.string())  # the same few label lists every time: built once (Arrow arrays are immutable)


def by_name(values: Sequence[str]) -> np.ndarray:
    """The positions of `values` in the order of their names: what puts rows in key order."""
    return np.array(sorted(range(len(values)), key=list(values).__getitem__), np.int64)


def key_columns(scenario: str, replications: Sequence[int], rows_each: int) -> dict[str, pa.Array]:
    """The scenario and replication columns of `rows_each` rows per replication, in replication order."""
    n = rows_each * len(replications)
    return {
        "scenario": pa.repeat(pa.scalar(scenario, pa.string()), n),
        "replication": pa.array(np.repeat(np.asarray(replications, np.int32), rows_each)),
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


def _running(
    on: np.ndarray, off: np.ndarray, weights: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """What is on from flat cell `on` and off from flat cell `off`, run along the year axis (1) of `shape`.

    Returns the count (exact) and the sum of `weights` per cell. A running sum of floats can keep a rounding
    residue after the last one has gone: a cell with nobody in it holds exactly 0.
    """
    size = int(np.prod(shape))
    count = (np.bincount(on, minlength=size) - np.bincount(off, minlength=size)).reshape(shape).cumsum(axis=1)
    change = np.bincount(on, weights=weights, minlength=size) - np.bincount(off, weights=weights, minlength=size)
    return count, np.where(count > 0, change.reshape(shape).cumsum(axis=1), 0.0)


def stock_arrays(records: PersonRecords, n_municipalities: int, years: range) -> tuple[np.ndarray, np.ndarray]:
    """Persons and SE at 31 December of the year before `years` and of every year.

    Arrays [replication, year, municipality, form] (the replications of a stack; one without). The stock at
    31 December of Y holds a segment when it started before 1 January Y+1 and ends on or after it (an exit at
    that instant counts in Y+1); everybody of the starting population is in the first stock.

    A segment is counted where it enters the stock and taken off after its last year-end, and the stocks are
    the running sums over the year-ends: work in proportion to the segments, not to segments times years.
    """
    n_f = len(WORK_FORMS)
    n_cells = n_municipalities * n_f
    n_ends = len(years) + 1
    person, start, end, form = records.segments
    initial = ~records.is_inflow[person] & np.concatenate([[True], person[1:] != person[:-1]])
    opens = np.where(initial, -np.inf, start)
    first = (np.maximum(np.floor(opens) + 1, years.start) - years.start).astype(np.int64)  # year-end index
    last = (np.minimum(np.floor(end), years.stop) - years.start).astype(np.int64)
    held = first <= last
    person, form, first, last = person[held], form[held], first[held], last[held]
    cell = records.municipality[person].astype(np.int64) * n_f + form
    base = records.groups[person] * (n_ends + 1)  # one spare year-end per replication for the take-offs
    on = (base + first) * n_cells + cell
    off = (base + last + 1) * n_cells + cell
    persons, se = _running(on, off, records.se[person], (records.n_groups, n_ends + 1, n_municipalities, n_f))
    return persons[:, :n_ends].astype(np.int64), se[:, :n_ends]


def stocks_table(
    persons: np.ndarray,
    se: np.ndarray,
    municipalities: tuple[str, ...],
    years: range,
    scenario: str,
    replications: Sequence[int],
) -> pa.Table:
    """The `stocks` rows of arrays [replication, year, municipality, form] (`stock_arrays`), in key order."""
    n_m, n_f = len(municipalities), len(WORK_FORMS)
    year_ends = np.array([years.start - 1, *years], np.int16)
    m_order, f_order = by_name(municipalities), by_name(WORK_FORMS)
    persons = persons[:, :, m_order][:, :, :, f_order]
    se = se[:, :, m_order][:, :, :, f_order]
    each = persons[0].size
    return pa.Table.from_pydict(
        {
            **key_columns(scenario, replications, each),
            "year": pa.array(np.tile(np.repeat(year_ends, n_m * n_f), len(replications))),
            "municipality": labels(
                municipalities, np.tile(np.repeat(m_order, n_f), len(replications) * len(year_ends))
            ),
            "work_form": labels(WORK_FORMS, np.tile(f_order, len(replications) * len(year_ends) * n_m)),
            "persons": pa.array(persons.ravel().astype(np.int32)),
            "se": pa.array(np.round(se.ravel(), 6)),
        },
        schema=schema.STOCKS,
    )


def stocks(
    records: PersonRecords,
    municipalities: tuple[str, ...],
    years: range,
    scenario: str,
    replications: Sequence[int],
) -> pa.Table:
    """Persons and SE by municipality and form at 31 December of the year before `years` and of every year."""
    persons, se = stock_arrays(records, len(municipalities), years)
    return stocks_table(persons, se, municipalities, years, scenario, replications)


def exposure(
    records: PersonRecords, n_municipalities: int, years: range, since: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """SE-years and person-years spent in each year, municipality and form (only from `since`, per person,
    when given: the sick leave before an illness exit, say; inf leaves a person out).

    Arrays [replication, year, municipality, form]. Each person's time from entry to exit (or the horizon) is
    cut into segments at their changes of form. A segment spends part of its first and last calendar years
    and the whole of the years between, which are counted as running sums (as the stocks are).
    """
    n_f = len(WORK_FORMS)
    n_cells = n_municipalities * n_f
    n_y = len(years)
    person, start, end, form = records.segments
    start = np.maximum(start, float(years.start))
    if since is not None:
        start = np.maximum(start, since[person])
    end = np.minimum(end, float(years.stop))
    spent = end > start
    person, start, end, form = person[spent], start[spent], end[spent], form[spent]
    first = np.floor(start).astype(np.int64) - years.start
    last = np.floor(end).astype(np.int64) - years.start  # n_y when the segment lasts to the horizon
    cell = records.municipality[person].astype(np.int64) * n_f + form
    base = records.groups[person] * (n_y + 1)  # a spare year per replication for the take-offs
    size = records.n_groups * (n_y + 1) * n_cells
    se = records.se[person]
    one_year = first == last
    # partial years: all of a segment within one year; else the rest of its first year and the start of its last
    part_at = np.concatenate([(base + first) * n_cells + cell, ((base + last) * n_cells + cell)[~one_year]])
    part = np.concatenate(
        [np.where(one_year, end, first + years.start + 1.0) - start, (end - (last + years.start))[~one_year]]
    )
    part_se = part * np.concatenate([se, se[~one_year]])
    # whole years between: on from the year after the first, off from the last
    whole = last > first + 1
    on = ((base + first + 1) * n_cells + cell)[whole]
    off = ((base + last) * n_cells + cell)[whole]
    shape = (records.n_groups, n_y + 1, n_municipalities, n_f)
    count, se_whole = _running(on, off, se[whole], shape)  # whole years spent in each cell
    person_years = count + np.bincount(part_at, weights=part, minlength=size).reshape(shape)
    se_years = se_whole + np.bincount(part_at, weights=part_se, minlength=size).reshape(shape)
    return se_years[:, :n_y], person_years[:, :n_y]


def _cells(
    year: np.ndarray, municipality: np.ndarray, group: np.ndarray, mask: np.ndarray, first: int, n_y: int, n_m: int
) -> np.ndarray:
    """The flat (replication, year, municipality) cell of each masked record; records outside the years dropped."""
    y = year[mask] - first
    keep = (y >= 0) & (y < n_y)
    return (group[mask][keep] * n_y + y[keep]) * n_m + municipality[mask][keep]


def _wait_statistics(
    moves: Moves,
    muni: np.ndarray,
    first: int,
    n_y: int,
    n_m: int,
    group: np.ndarray | None = None,
    n_groups: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95th percentile (inverted CDF, as numpy's) of coach waits per (replication, year, municipality)
    cell, flat; `group` gives each person's replication (none: all of one)."""
    n_cells = n_groups * n_y * n_m
    mean = np.full(n_cells, np.nan)
    p95 = np.full(n_cells, np.nan)
    if not len(moves.wait_weeks):
        return mean, p95
    y = np.floor(moves.wait_time).astype(np.int64) - first
    keep = (y >= 0) & (y < n_y)
    g = group[moves.wait_person[keep]] if group is not None else 0
    cell = (g * n_y + y[keep]) * n_m + muni[moves.wait_person[keep]]
    weeks = moves.wait_weeks[keep]
    count = np.bincount(cell, minlength=n_cells)
    has = count > 0
    mean[has] = np.bincount(cell, weights=weeks, minlength=n_cells)[has] / count[has]
    order = np.lexsort((weeks, cell))
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.ceil(0.95 * count).astype(np.int64) - 1
    p95[has] = weeks[order][starts[has] + rank[has]]
    return mean, p95


def flows(
    records: PersonRecords,
    municipalities: tuple[str, ...],
    years: range,
    scenario: str,
    replications: Sequence[int],
) -> pa.Table:
    """Exits by reason, inflow, placements and coach waits during each year of `years`, by municipality."""
    n_m, n_y, first = len(municipalities), len(years), years.start
    n_cells = records.n_groups * n_y * n_m
    muni = records.municipality.astype(np.int64)
    group = records.groups

    def count(year: np.ndarray, municipality: np.ndarray, group: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(_cells(year, municipality, group, mask, first, n_y, n_m), minlength=n_cells)

    finite = np.isfinite(records.exit_time)
    exit_year = np.where(finite, np.floor(np.where(finite, records.exit_time, 0)), -1).astype(np.int64)
    cols: dict[str, np.ndarray] = {}
    for name, reason in (
        ("exits_retirement", RETIREMENT),
        ("exits_death", DEATH),
        ("exits_illness", ILLNESS),
        ("exits_voluntary", VOLUNTARY),
    ):
        cols[name] = count(exit_year, muni, group, records.exit_reason == reason)
    entry_year = np.floor(records.entry).astype(np.int64)
    cols["inflow"] = count(entry_year, muni, group, records.is_inflow)

    moves = records.moves
    move_year = np.floor(moves.time).astype(np.int64)
    move_muni = muni[moves.person]
    move_group = group[moves.person]
    for code in (1, 2, 3):
        cols[f"placements_started_{WORK_FORMS[code]}"] = count(move_year, move_muni, move_group, moves.form == code)
    cols["placements_ended"] = count(move_year, move_muni, move_group, moves.form == BESCHUT)

    cols["waiting_weeks_mean"], cols["waiting_weeks_p95"] = _wait_statistics(
        moves, muni, first, n_y, n_m, group, records.n_groups
    )
    m_order = by_name(municipalities)  # rows in key order
    data: dict[str, pa.Array] = {
        **key_columns(scenario, replications, n_y * n_m),
        "year": pa.array(np.tile(np.repeat(np.arange(first, first + n_y, dtype=np.int16), n_m), len(replications))),
        "municipality": labels(municipalities, np.tile(m_order, len(replications) * n_y)),
    }
    for name, values in cols.items():
        values = values.reshape(-1, n_m)[:, m_order].ravel()
        if name.startswith("waiting_weeks"):
            data[name] = pa.array(np.round(values, 6), from_pandas=True)
        else:
            data[name] = pa.array(values.astype(np.int32))
    return pa.Table.from_pydict(data, schema=schema.FLOWS)


def ages(
    records: PersonRecords,
    municipalities: tuple[str, ...],
    years: range,
    december_before: int,
    scenario: str,
    replications: Sequence[int],
) -> pa.Table:
    """Persons by municipality and age in completed years at 31 December of the year before `years` and of
    every year (as the stocks), cells with nobody left out: the `ages` table.

    `december_before` is the month index of December of the year before the first (`records.birth_month` is
    a month index; a birthday falls on the first of its month). A person's age at the year-ends they are
    present grows by one a year, so people are counted by their age at the first year-end (their cohort) as
    running sums over the year-ends, and the age is the cohort plus the year-ends since.
    """
    assert records.birth_month is not None
    n_m, n_ends = len(municipalities), len(years) + 1
    # present at the year-ends first..last (index 0: 31 December before the first year), as `stock_arrays`
    opens = np.where(records.is_inflow, records.entry, -np.inf)
    first = (np.maximum(np.floor(opens) + 1, years.start) - years.start).astype(np.int64)
    last = (np.minimum(np.floor(records.exit_time), years.stop) - years.start).astype(np.int64)
    held = first <= last
    cohort = (december_before - records.birth_month.astype(np.int64)) // 12
    if not held.any():
        return schema.empty("ages")
    youngest = int(cohort[held].min())
    n_c = int(cohort[held].max()) - youngest + 1
    cell = (records.municipality.astype(np.int64) * n_c + cohort - youngest)[held]
    base = records.groups[held] * (n_ends + 1)
    shape = (records.n_groups, n_ends + 1, n_m, n_c)
    size = int(np.prod(shape))
    on = np.bincount((base + first[held]) * n_m * n_c + cell, minlength=size)
    off = np.bincount((base + last[held] + 1) * n_m * n_c + cell, minlength=size)
    count = (on - off).reshape(shape).cumsum(axis=1)[:, :n_ends]
    m_order = by_name(municipalities)
    g, i, m, c = np.nonzero(count[:, :, m_order])  # in key order: replication, year, municipality, age
    return pa.Table.from_pydict(
        {
            "scenario": pa.repeat(pa.scalar(scenario, pa.string()), len(g)),
            "replication": pa.array(np.asarray(replications, np.int32)[g]),
            "year": pa.array((years.start - 1 + i).astype(np.int16)),
            "municipality": labels(municipalities, m_order[m]),
            "age_years": pa.array((youngest + c + i).astype(np.int16)),
            "persons": pa.array(count[:, :, m_order][g, i, m, c].astype(np.int32)),
        },
        schema=schema.AGES,
    )
