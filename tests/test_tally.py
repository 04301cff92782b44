"""Stocks and flows from per-person records, against a person-by-person count, with hypothesis."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.domain import EXIT_REASONS, NO_EXIT, WORK_FORMS
from sim.model import tally
from sim.runs import schema

MUNICIPALITIES = ("Almelo", "Tubbergen", "Wierden")
YEARS = range(2019, 2027)
REASON_COLUMNS = {1: "exits_retirement", 2: "exits_death", 3: "exits_illness", 4: "exits_voluntary"}


@st.composite
def person_records(draw: Any) -> tally.PersonRecords:
    """Random people: some present at the start, some entering later, exits at random (or exact year) times."""
    n = draw(st.integers(1, 40))
    start, end = float(YEARS.start), float(YEARS.stop)
    times = st.one_of(st.floats(start, end + 3), st.integers(YEARS.start, YEARS.stop + 1).map(float))
    entry, exit_time, reason = [], [], []
    is_inflow = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    for inflow in is_inflow:
        t0 = min(draw(times), end - 0.5) if inflow else start
        t1 = max(draw(st.one_of(st.just(np.inf), times)), t0)
        t1 = np.inf if t1 >= end else t1
        entry.append(t0)
        exit_time.append(t1)
        reason.append(NO_EXIT if np.isinf(t1) else draw(st.integers(1, len(EXIT_REASONS) - 1)))
    moves = []
    for person in range(n):
        stay = min(exit_time[person], end) - entry[person]
        for _ in range(draw(st.integers(0, 2)) if stay > 0 else 0):
            t = entry[person] + draw(st.sampled_from([0.0, 0.5, 0.999]) | st.floats(0, 0.999)) * stay
            moves.append((person, t, draw(st.integers(0, len(WORK_FORMS) - 1))))
    return tally.PersonRecords(
        municipality=np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), np.int16),
        se=np.array(draw(st.lists(st.integers(1, 36), min_size=n, max_size=n))) / 36,
        initial_form=np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int8),
        is_inflow=np.array(is_inflow),
        entry=np.array(entry),
        exit_time=np.array(exit_time),
        exit_reason=np.array(reason, np.int8),
        moves=tally.Moves(
            person=np.array([m[0] for m in moves], np.int64),
            time=np.array([m[1] for m in moves], float),
            form=np.array([m[2] for m in moves], np.int8),
        ),
    )


def _form_at(records: tally.PersonRecords, person: int, boundary: float) -> int:
    """The person's form just before `boundary`: the last move before it (ties: the later record)."""
    form = int(records.initial_form[person])
    moves = records.moves
    for i in np.argsort(moves.time, kind="stable"):
        if moves.person[i] == person and moves.time[i] < boundary:
            form = int(moves.form[i])
    return form


def _by_key(table: pa.Table, keys: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row[k] for k in keys): row for row in table.to_pylist()}


@settings(max_examples=80, deadline=None)
@given(records=person_records())
def test_stocks_and_flows_match_a_person_by_person_count(records: tally.PersonRecords) -> None:
    stocks = tally.stocks(records, MUNICIPALITIES, YEARS, "s", [3])
    flows = tally.flows(records, MUNICIPALITIES, YEARS, "s", [3])
    assert stocks.schema.equals(schema.STOCKS) and flows.schema.equals(schema.FLOWS)
    stock = _by_key(stocks, ("year", "municipality", "work_form"))
    flow = _by_key(flows, ("year", "municipality"))
    assert len(stock) == (len(YEARS) + 1) * len(MUNICIPALITIES) * len(WORK_FORMS)
    assert len(flow) == len(YEARS) * len(MUNICIPALITIES)

    expected_persons: dict[tuple[Any, ...], int] = {}
    expected_se: dict[tuple[Any, ...], float] = {}
    for year in [YEARS.start - 1, *YEARS]:
        boundary = year + 1.0
        for p in range(len(records.se)):
            if records.entry[p] < boundary <= records.exit_time[p] or (
                not records.is_inflow[p] and boundary <= records.exit_time[p]
            ):
                key = (year, MUNICIPALITIES[records.municipality[p]], WORK_FORMS[_form_at(records, p, boundary)])
                expected_persons[key] = expected_persons.get(key, 0) + 1
                expected_se[key] = expected_se.get(key, 0.0) + float(records.se[p])
    for key, row in stock.items():
        assert row["persons"] == expected_persons.get(key, 0), key
        assert abs(row["se"] - expected_se.get(key, 0.0)) < 1e-5, key
        assert row["scenario"] == "s" and row["replication"] == 3

    for (year, muni), row in flow.items():
        m = MUNICIPALITIES.index(muni)
        mine = records.municipality == m
        for code, column in REASON_COLUMNS.items():
            hits = mine & (records.exit_reason == code) & (np.floor(records.exit_time) == year)
            assert row[column] == int(hits.sum()), (year, muni, column)
        assert row["inflow"] == int((mine & records.is_inflow & (np.floor(records.entry) == year)).sum())


@settings(max_examples=80, deadline=None)
@given(records=person_records())
def test_start_minus_exits_plus_inflow_is_end(records: tally.PersonRecords) -> None:
    stocks = tally.stocks(records, MUNICIPALITIES, YEARS, "s", [0]).to_pylist()
    flows = _by_key(tally.flows(records, MUNICIPALITIES, YEARS, "s", [0]), ("year", "municipality"))
    persons: dict[tuple[int, str], int] = {}
    for row in stocks:
        assert row["persons"] >= 0 and row["se"] >= 0
        key = (row["year"], row["municipality"])
        persons[key] = persons.get(key, 0) + row["persons"]
    for year in YEARS:
        for muni in MUNICIPALITIES:
            row = flows[(year, muni)]
            exits = sum(row[c] for c in REASON_COLUMNS.values())
            assert min(row[c] for c in (*REASON_COLUMNS.values(), "inflow")) >= 0
            assert persons[(year - 1, muni)] - exits + row["inflow"] == persons[(year, muni)], (year, muni)


def test_one_person_by_hand() -> None:
    """In at the start, groepsdetachering from mid-2020, dies on 1 January 2022: counted in 2022."""
    records = tally.PersonRecords(
        municipality=np.array([1], np.int16),
        se=np.array([0.5]),
        initial_form=np.array([0], np.int8),
        is_inflow=np.array([False]),
        entry=np.array([2019.0]),
        exit_time=np.array([2022.0]),
        exit_reason=np.array([2], np.int8),
        moves=tally.Moves(person=np.array([0]), time=np.array([2020.5]), form=np.array([1], np.int8)),
    )
    stock = _by_key(tally.stocks(records, MUNICIPALITIES, YEARS, "s", [0]), ("year", "municipality", "work_form"))
    assert stock[(2018, "Tubbergen", "beschut_binnen")]["persons"] == 1
    assert stock[(2019, "Tubbergen", "beschut_binnen")]["persons"] == 1
    assert stock[(2020, "Tubbergen", "beschut_binnen")]["persons"] == 0
    assert stock[(2021, "Tubbergen", "groepsdetachering")]["se"] == 0.5
    assert sum(row["persons"] for key, row in stock.items() if key[0] >= 2022) == 0
    flow = _by_key(tally.flows(records, MUNICIPALITIES, YEARS, "s", [0]), ("year", "municipality"))
    assert flow[(2022, "Tubbergen")]["exits_death"] == 1
    assert flow[(2020, "Tubbergen")]["placements_started_groepsdetachering"] == 1
    assert sum(row["exits_death"] for row in flow.values()) == 1


def test_exposure_from_a_time_on_counts_only_the_time_after_it() -> None:
    """Sick leave: two years before an exit on 1 July 2022, across a move to groepsdetachering in mid-2021."""
    records = tally.PersonRecords(
        municipality=np.array([0, 1], np.int16),
        se=np.array([0.5, 1.0]),
        initial_form=np.array([0, 0], np.int8),
        is_inflow=np.array([False, False]),
        entry=np.array([2019.0, 2019.0]),
        exit_time=np.array([2022.5, 2023.0]),
        exit_reason=np.array([3, 2], np.int8),
        moves=tally.Moves(person=np.array([0]), time=np.array([2021.5]), form=np.array([1], np.int8)),
    )
    since = np.array([2020.5, np.inf])  # the second person is left out
    se_years, person_years = tally.exposure(records, len(MUNICIPALITIES), YEARS, since=since)
    y = {year: year - YEARS.start for year in (2020, 2021, 2022)}
    assert person_years[0, y[2020], 0, 0] == 0.5 and person_years[0, y[2021], 0, 0] == 0.5
    assert person_years[0, y[2021], 0, 1] == 0.5 and person_years[0, y[2022], 0, 1] == 0.5
    assert person_years.sum() == 2.0 and se_years.sum() == 1.0


def _spent_by_hand(records: tally.PersonRecords) -> tuple[np.ndarray, np.ndarray]:
    """SE-years and person-years [year, municipality, form], person by person and year by year."""
    shape = (len(YEARS), len(MUNICIPALITIES), len(WORK_FORMS))
    se_years, person_years = np.zeros(shape), np.zeros(shape)
    moves = records.moves
    for person in range(len(records.se)):
        changes = sorted(
            (float(moves.time[i]), i, int(moves.form[i])) for i in range(len(moves.person)) if moves.person[i] == person
        )
        times = [float(records.entry[person])] + [t for t, _, _ in changes]
        forms = [int(records.initial_form[person])] + [f for _, _, f in changes]
        ends = [*times[1:], float(records.exit_time[person])]
        for start, end, form in zip(times, ends, forms, strict=True):
            for k, year in enumerate(YEARS):
                overlap = max(0.0, min(end, year + 1.0) - max(start, float(year)))
                person_years[k, records.municipality[person], form] += overlap
                se_years[k, records.municipality[person], form] += overlap * records.se[person]
    return se_years, person_years


@settings(max_examples=80, deadline=None)
@given(records=person_records())
def test_years_spent_match_a_person_by_person_sum(records: tally.PersonRecords) -> None:
    se_years, person_years = tally.exposure(records, len(MUNICIPALITIES), YEARS)
    want_se, want_persons = _spent_by_hand(records)
    assert se_years.shape == (1, *want_se.shape)
    np.testing.assert_allclose(person_years[0], want_persons, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(se_years[0], want_se, rtol=1e-12, atol=1e-9)
    assert (se_years[person_years == 0] == 0).all()  # nobody there: exactly nothing, no rounding residue


@settings(max_examples=40, deadline=None)
@given(st.lists(person_records(), min_size=2, max_size=4))
def test_a_stack_of_replications_is_tallied_as_each_alone(several: list[tally.PersonRecords]) -> None:
    stacked = tally.stack(several)
    replications = [7 + 2 * i for i in range(len(several))]  # any numbers, in the stack's order
    persons, se = tally.stock_arrays(stacked, len(MUNICIPALITIES), YEARS)
    se_years, person_years = tally.exposure(stacked, len(MUNICIPALITIES), YEARS)
    for g, records in enumerate(several):
        alone_persons, alone_se = tally.stock_arrays(records, len(MUNICIPALITIES), YEARS)
        alone_se_years, alone_person_years = tally.exposure(records, len(MUNICIPALITIES), YEARS)
        assert np.array_equal(persons[g], alone_persons[0]) and np.array_equal(se[g], alone_se[0])
        assert np.array_equal(se_years[g], alone_se_years[0])
        assert np.array_equal(person_years[g], alone_person_years[0])
    for tabulate in (tally.stocks, tally.flows):
        together = tabulate(stacked, MUNICIPALITIES, YEARS, "s", replications)
        alone = pa.concat_tables(
            [tabulate(r, MUNICIPALITIES, YEARS, "s", [n]) for r, n in zip(several, replications, strict=True)]
        )
        assert together.equals(alone, check_metadata=True)


# ------------------------------------------------------------------------------------------------- ages

DECEMBER_BEFORE = (YEARS.start - 1) * 12 + 11  # month index of December of the year before the first


def test_ages_of_one_person_by_hand() -> None:
    """Born in June 1970, in Tubbergen from the start, leaves on 1 January 2022: 48 at 31 December 2018 ..."""
    records = tally.PersonRecords(
        municipality=np.array([1], np.int16),
        se=np.array([1.0]),
        initial_form=np.array([0], np.int8),
        is_inflow=np.array([False]),
        entry=np.array([2019.0]),
        exit_time=np.array([2022.0]),
        exit_reason=np.array([2], np.int8),
        moves=tally.Moves(),
        birth_month=np.array([1970 * 12 + 5]),
    )
    rows = tally.ages(records, MUNICIPALITIES, YEARS, DECEMBER_BEFORE, "s", [3]).to_pylist()
    assert [(r["year"], r["municipality"], r["age_years"], r["persons"], r["replication"]) for r in rows] == [
        (2018, "Tubbergen", 48, 1, 3),
        (2019, "Tubbergen", 49, 1, 3),
        (2020, "Tubbergen", 50, 1, 3),
        (2021, "Tubbergen", 51, 1, 3),
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(person_records(), min_size=1, max_size=3), st.integers(1930 * 12, 1990 * 12))
def test_ages_add_up_to_the_stocks_and_match_a_person_by_person_count(
    several: list[tally.PersonRecords], born: int
) -> None:
    with_births = [dataclasses.replace(r, birth_month=born + 7 * np.arange(len(r.se)) % 600) for r in several]
    stacked = tally.stack(with_births)
    table = tally.ages(stacked, MUNICIPALITIES, YEARS, DECEMBER_BEFORE, "s", list(range(len(several))))
    assert min(table.column("persons").to_pylist(), default=1) > 0  # zero rows left out
    keys = [(r["replication"], r["year"], r["municipality"], r["age_years"]) for r in table.to_pylist()]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1], k[2], k[3]))
    got = {k: r["persons"] for k, r in zip(keys, table.to_pylist(), strict=True)}
    want: dict[tuple[int, int, str, int], int] = {}
    for g, records in enumerate(with_births):
        for p in range(len(records.se)):
            for year in (YEARS.start - 1, *YEARS):
                end = year + 1.0  # present at 31 December of `year`: in before, out on or after
                came = not records.is_inflow[p] or records.entry[p] < end
                if came and records.exit_time[p] >= end:
                    age = (year * 12 + 11 - int(records.birth_month[p])) // 12
                    key = (g, year, MUNICIPALITIES[records.municipality[p]], age)
                    want[key] = want.get(key, 0) + 1
    assert got == want
    persons, _ = tally.stock_arrays(stacked, len(MUNICIPALITIES), YEARS)
    assert sum(got.values()) == persons.sum()
