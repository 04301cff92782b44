"""The output tables of a run, described once: column types, units and descriptions.

This module is the contract between `sim` (which writes) and `analysis` (which reads). Every Parquet file of
a run carries its table's schema with field metadata (`unit`, `description`) and file metadata
(`wsw_sim.table`, `wsw_sim.schema_version`).

Conventions: a `stocks` row with `year = Y` is the state at 31 December of Y, and the starting population
appears as the year before the first simulated year. `flows`, `finance` and `organisations` rows with
`year = Y` cover the calendar year Y (organisations: membership and staffing at 31 December of Y).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

SCHEMA_VERSION: Final = 1

KEY_TYPES: Final = {
    "scenario": pa.string(),
    "replication": pa.int32(),
    "year": pa.int16(),
    "municipality": pa.string(),
    "organisation": pa.string(),
    "work_form": pa.string(),
    "parameter": pa.string(),
    "age_years": pa.int16(),
}


def _f(name: str, type_: pa.DataType, description: str, unit: str = "", nullable: bool = False) -> pa.Field:
    meta = {"description": description}
    if unit:
        meta["unit"] = unit
    return pa.field(name, type_, nullable=nullable, metadata=meta)


_SCENARIO = _f("scenario", pa.string(), "scenario name from the config")
_REPLICATION = _f("replication", pa.int32(), "replication number (0-based); the same number is paired across scenarios")
_YEAR = _f("year", pa.int16(), "calendar year")
_MUNICIPALITY = _f("municipality", pa.string(), "municipality (employer of record follows the scenario)")
_ORGANISATION = _f("organisation", pa.string(), "organisation name from the scenario's timeline")


def _table_schema(name: str, fields: list[pa.Field], description: str) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={
            "wsw_sim.table": name,
            "wsw_sim.schema_version": str(SCHEMA_VERSION),
            "wsw_sim.description": description,
        },
    )


STOCKS = _table_schema(
    "stocks",
    [
        _SCENARIO,
        _REPLICATION,
        _f(
            "year",
            pa.int16(),
            "state at 31 December of this year; the start appears as the year before the first",
        ),
        _MUNICIPALITY,
        _f(
            "work_form",
            pa.string(),
            "beschut_binnen, groepsdetachering, individuele_detachering or begeleid_werken",
        ),
        _f("persons", pa.int32(), "Wsw employees", "persons"),
        _f("se", pa.float64(), "standaardeenheden: contract size summed over persons", "SE"),
    ],
    "Wsw employees by municipality and form of work at 31 December",
)

FLOWS = _table_schema(
    "flows",
    [
        _SCENARIO,
        _REPLICATION,
        _YEAR,
        _MUNICIPALITY,
        _f("exits_retirement", pa.int32(), "exits on reaching the AOW age during the year", "persons"),
        _f("exits_death", pa.int32(), "deaths during the year", "persons"),
        _f(
            "exits_illness",
            pa.int32(),
            "exits for long-term illness or incapacity during the year",
            "persons",
        ),
        _f("exits_voluntary", pa.int32(), "voluntary and other exits during the year", "persons"),
        _f(
            "inflow",
            pa.int32(),
            "new Wsw employees during the year (zero unless a what-if inflow is set)",
            "persons",
        ),
        _f("placements_started_groepsdetachering", pa.int32(), "moves into group secondment", "persons"),
        _f(
            "placements_started_individuele_detachering",
            pa.int32(),
            "moves into individual secondment",
            "persons",
        ),
        _f("placements_started_begeleid_werken", pa.int32(), "moves into supported employment", "persons"),
        _f("placements_ended", pa.int32(), "placements that ended with a return to beschut_binnen", "persons"),
        _f(
            "waiting_weeks_mean",
            pa.float64(),
            "mean wait for a job coach of placements started in the year (null when none)",
            "weeks",
            nullable=True,
        ),
        _f(
            "waiting_weeks_p95",
            pa.float64(),
            "95th percentile of that wait (null when none)",
            "weeks",
            nullable=True,
        ),
    ],
    "Exits, inflow and placements during each calendar year, by municipality",
)

FINANCE = _table_schema(
    "finance",
    [
        _SCENARIO,
        _REPLICATION,
        _YEAR,
        _ORGANISATION,
        _MUNICIPALITY,
        _f("wage_cost_eur", pa.float64(), "CAO SW wages of employees on the organisation's payroll", "EUR"),
        _f("subsidy_eur", pa.float64(), "state subsidy (rijksbijdrage) for the municipality's SE", "EUR"),
        _f("added_value_eur", pa.float64(), "revenue from production and secondment", "EUR"),
        _f("wage_subsidy_eur", pa.float64(), "wage subsidy paid to employers for begeleid_werken", "EUR"),
        _f("coach_cost_eur", pa.float64(), "job coaches", "EUR"),
        _f("overhead_eur", pa.float64(), "fixed overhead plus cost per employee", "EUR"),
        _f("site_cost_eur", pa.float64(), "sheltered-work sites, or sheltered places bought", "EUR"),
        _f("transition_cost_eur", pa.float64(), "one-off reorganisation costs, stranded sites", "EUR"),
        _f(
            "sick_leave_eur",
            pa.float64(),
            "added value forgone on sick leave before exits for illness (wage and subsidy still paid)",
            "EUR",
        ),
        _f(
            "dissolution_cost_eur",
            pa.float64(),
            "one-off costs of an organisation that ended: non-Wsw staff, double running, ICT, reserves",
            "EUR",
        ),
        _f("commercial_result_eur", pa.float64(), "result of the commercial branch, allocated by the key", "EUR"),
        _f(
            "municipal_contribution_eur",
            pa.float64(),
            "what the municipality pays on top of the subsidy: costs - subsidy - added value - commercial result",
            "EUR",
        ),
    ],
    "Money per organisation and member municipality per calendar year (nominal EUR)",
)

ORGANISATIONS = _table_schema(
    "organisations",
    [
        _SCENARIO,
        _REPLICATION,
        _YEAR,
        _ORGANISATION,
        _f(
            "members",
            pa.string(),
            "member municipalities, comma-separated, at 31 December (an organisation that only employs, buying"
            " places and coaching, lists those it employs for; they are members of the one serving them too)",
        ),
        _f("persons", pa.int32(), "Wsw employees at 31 December", "persons"),
        _f("se", pa.float64(), "SE at 31 December", "SE"),
        _f("coaches_fte", pa.float64(), "job coaches at 31 December", "FTE"),
        _f(
            "persons_per_coach",
            pa.float64(),
            "persons per coach FTE (null without coaches)",
            "persons/FTE",
            True,
        ),
        _f(
            "overhead_eur_per_se",
            pa.float64(),
            "overhead over the year per average SE, in EUR of the price year (deflated by the wage index, as the "
            "viability threshold is stated; null without SE)",
            "EUR/SE (price year)",
            True,
        ),
        _f("other_persons", pa.float64(), "persons of other target groups in the year (config)", "persons"),
        _f(
            "other_groups_result_eur",
            pa.float64(),
            "what other target groups bring in less their own costs and their share of the shared costs",
            "EUR",
        ),
        _f("viable_wsw", pa.bool_(), "the Wsw part meets [viability] (persons, its overhead per SE)"),
        _f(
            "viable_company",
            pa.bool_(),
            "the whole company meets [viability] (other groups counted as one SE a person)",
        ),
    ],
    "Each organisation's size, staffing and overhead per calendar year",
)

PARAMETERS = _table_schema(
    "parameters",
    [
        _SCENARIO,
        _REPLICATION,
        _f("parameter", pa.string(), "dotted path of a config parameter drawn for this replication"),
        _f("value", pa.float64(), "the value drawn"),
    ],
    "Parameters drawn per replication (the same value for every scenario of a replication)",
)

AGES = _table_schema(
    "ages",
    [
        _SCENARIO,
        _REPLICATION,
        _f(
            "year",
            pa.int16(),
            "state at 31 December of this year; the start appears as the year before the first",
        ),
        _MUNICIPALITY,
        _f("age_years", pa.int16(), "age in completed years at 31 December", "years"),
        _f("persons", pa.int32(), "Wsw employees of that age (cells with nobody are left out)", "persons"),
    ],
    "Wsw employees by municipality and age at 31 December, as the stocks",
)

TABLES: Final[dict[str, pa.Schema]] = {
    "stocks": STOCKS,
    "flows": FLOWS,
    "finance": FINANCE,
    "organisations": ORGANISATIONS,
    "parameters": PARAMETERS,
    "ages": AGES,
}

KEYS: Final[dict[str, tuple[str, ...]]] = {
    "stocks": ("scenario", "replication", "year", "municipality", "work_form"),
    "flows": ("scenario", "replication", "year", "municipality"),
    "finance": ("scenario", "replication", "year", "organisation", "municipality"),
    "organisations": ("scenario", "replication", "year", "organisation"),
    "parameters": ("scenario", "replication", "parameter"),
    "ages": ("scenario", "replication", "year", "municipality", "age_years"),
}
"""The columns that identify a row of each table (its natural sort order too)."""


def empty(table: str) -> pa.Table:
    return TABLES[table].empty_table()


def conform(table: str, data: pa.Table) -> pa.Table:
    """Cast `data` to the table's schema (column order, types, metadata); raises on missing columns."""
    schema = TABLES[table]
    return pa.Table.from_arrays([data.column(f.name).cast(f.type) for f in schema], schema=schema)


# --------------------------------------------------------------------------------- explorations (`explore`)

_POINT = _f("point", pa.int32(), "design point (0-based, in the order of the design in the manifest)")

OUTCOMES = _table_schema(
    "outcomes",
    [
        _SCENARIO,
        _POINT,
        _REPLICATION,
        _f("municipality", pa.string(), "municipality, or 'total' for the six together"),
        _f(
            "contribution_npv_eur",
            pa.float64(),
            "municipal contribution summed over the [analysis] horizon, discounted to its first year "
            "(sim.runs.outcomes.contribution_npv); null for a scenario without organisations",
            "EUR",
            nullable=True,
        ),
        _f(
            "contribution_npv_diff_eur",
            pa.float64(),
            "contribution_npv_eur minus that of the baseline scenario at the same point and replication",
            "EUR",
            nullable=True,
        ),
        _f("placements", pa.int32(), "placements started (all three forms) over the [analysis] horizon", "persons"),
        _f(
            "waiting_weeks_mean",
            pa.float64(),
            "mean wait for a job coach of the placements started over the horizon (null when none)",
            "weeks",
            nullable=True,
        ),
        _f(
            "first_year_below_viability",
            pa.int16(),
            "first year of the horizon in which the organisation the municipality belongs to (for 'total': any "
            "organisation) is below a [viability] threshold; null if never",
            "year",
            nullable=True,
        ),
    ],
    "Per design point, replication, scenario and municipality: what an exploration measures",
)

SENSITIVITY = _table_schema(
    "sensitivity",
    [
        _f("outcome", pa.string(), "the outcomes column analysed (a mean over each point's replications)"),
        _SCENARIO,
        _f("municipality", pa.string(), "municipality, or 'total'"),
        _f("parameter", pa.string(), "config path of the parameter"),
        _f("method", pa.string(), "morris or sobol"),
        _f("index", pa.string(), "mu_star and sigma (Morris, in the outcome's unit), S1 and ST (Sobol, shares)"),
        _f("value", pa.float64(), "the index"),
        _f("ci_low", pa.float64(), "95% confidence interval, low end (null where none)", nullable=True),
        _f("ci_high", pa.float64(), "95% confidence interval, high end (null where none)", nullable=True),
    ],
    "Sensitivity indices of an exploration (wsw-sim sensitivity), per outcome, scenario and municipality",
)


def experiments_schema(names: list[str] | tuple[str, ...], units: dict[str, str] | None = None) -> pa.Schema:
    """The `experiments` table of a design: `point` and one float column per drawn parameter (its config path).

    `units`: the unit of each parameter where its name tells it (field metadata, like every other table).
    """
    units = units or {}
    fields = [_POINT] + [
        _f(name, pa.float64(), "value of this config parameter at the design point", units.get(name, ""))
        for name in names
    ]
    return _table_schema("experiments", fields, "Parameter values of every design point of an exploration")


EXPLORE_TABLES: Final[tuple[str, ...]] = ("experiments", "outcomes")
"""What a chunk of an exploration writes (instead of `TABLES`)."""
UNPARTITIONED: Final[tuple[str, ...]] = ("experiments", "sensitivity")
"""Tables without a scenario: files directly in `<table>/`, no `scenario=` folder."""
OTHER_TABLES: Final[dict[str, pa.Schema]] = {"outcomes": OUTCOMES, "sensitivity": SENSITIVITY}

OTHER_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "experiments": ("point",),
    "outcomes": ("scenario", "point", "replication", "municipality"),
    "sensitivity": ("outcome", "scenario", "municipality", "parameter", "method", "index"),
}


def unit_of(path: str) -> str:
    """The unit a parameter's config path names (`..._eur_per_year` -> 'EUR/year'), else ''."""
    name = path.rsplit(".", 1)[-1]
    for suffix, unit in (
        ("_eur_per_se", "EUR/SE"),
        ("_eur_per_person_year", "EUR/person/year"),
        ("_eur_per_year", "EUR/year"),
        ("_eur", "EUR"),
        ("_per_year", "1/year"),
        ("_weeks", "weeks"),
        ("_years_mean", "years"),
        ("_years", "years"),
        ("_fte", "FTE"),
    ):
        if name.endswith(suffix):
            return unit
    return ""
