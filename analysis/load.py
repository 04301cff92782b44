"""Reading a run folder: its manifest, its tables as pandas DataFrames, and SQL over them with DuckDB.

A run folder `DIR/<run-id>/` holds `manifest.json` and one hive-partitioned Parquet dataset per table:
`<table>/scenario=<name>/part-<chunk>.parquet`. The `scenario` column may be stored inside the files as well
as in the folder name; either way it is read as a plain string. A table that was not written (or has no
files yet) reads as an empty frame with the table's columns, so callers can ask `len(df) == 0`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sim.runs.schema import TABLES

MANIFEST = "manifest.json"

Filters: TypeAlias = Mapping[str, Any] | pc.Expression | None
"""Row filters: `{"scenario": "shared", "year": [2021, 2022]}` (a list means "one of"), or a pyarrow expression."""


class RunError(Exception):
    """A run folder, table or scenario that cannot be read; the message names it."""


def _run_path(run_dir: str | Path) -> Path:
    path = Path(run_dir)
    if not path.is_dir():
        raise RunError(f"{path}: not a run folder (no such directory)")
    if not (path / MANIFEST).is_file():
        raise RunError(f"{path}: not a run folder (no {MANIFEST})")
    return path


def manifest(run_dir: str | Path) -> dict[str, Any]:
    """The run's manifest: run_id, created, package_version, git_commit, config_toml, root_seed, ..."""
    path = _run_path(run_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise RunError(f"{path}: is not a JSON object")
    return data


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise RunError(f"unknown table {table!r}; known: {', '.join(TABLES)}")


def has_table(run_dir: str | Path, table: str) -> bool:
    """Whether the run holds at least one Parquet file of `table` (temporary files do not count)."""
    _check_table(table)
    root = _run_path(run_dir) / table
    return root.is_dir() and any(not p.name.startswith((".", "_")) for p in root.glob("scenario=*/*.parquet"))


def dataset(run_dir: str | Path, table: str) -> ds.Dataset | None:
    """The table as a pyarrow dataset with the schema of `sim.runs.schema` (None when the run has no files of it)."""
    if not has_table(run_dir, table):
        return None
    partitioning = ds.partitioning(pa.schema([("scenario", pa.string())]), flavor="hive")
    return ds.dataset(Path(run_dir) / table, format="parquet", partitioning=partitioning, schema=TABLES[table])


def _filter_expression(filters: Filters) -> pc.Expression | None:
    if filters is None or isinstance(filters, pc.Expression):
        return filters
    expr: pc.Expression | None = None
    for column, wanted in filters.items():
        if isinstance(wanted, Sequence) and not isinstance(wanted, str):
            term = ds.field(column).isin(list(wanted))
        else:
            term = ds.field(column) == wanted
        expr = term if expr is None else expr & term
    return expr


def load_arrow(
    run_dir: str | Path, table: str, columns: Sequence[str] | None = None, filters: Filters = None
) -> pa.Table:
    """Like `load`, as an Arrow table."""
    _check_table(table)
    schema = TABLES[table]
    unknown = [c for c in (columns or []) if c not in schema.names]
    if isinstance(filters, Mapping):
        unknown += [c for c in filters if c not in schema.names]
    if unknown:
        raise RunError(f"table {table!r} has no column {unknown[0]!r}")
    data = dataset(run_dir, table)
    wanted = list(columns) if columns is not None else schema.names
    if data is None:
        return schema.empty_table().select(wanted)
    return data.to_table(columns=wanted, filter=_filter_expression(filters))


def load(
    run_dir: str | Path, table: str, columns: Sequence[str] | None = None, filters: Filters = None
) -> pd.DataFrame:
    """Read one table of a run into pandas, sorted by the table's keys.

    `columns` selects columns (default: all of the schema); `filters` keeps matching rows and is pushed down
    to the Parquet reader, e.g. `load(run, "finance", filters={"scenario": ["shared", "split_2021"]})`.
    """
    from sim.runs.schema import KEYS

    frame = load_arrow(run_dir, table, columns, filters).to_pandas()
    keys = [k for k in KEYS[table] if k in frame.columns]
    if keys and len(frame):
        frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return frame


def scenarios(run_dir: str | Path) -> list[str]:
    """The scenarios of a run: from the manifest when it lists them, else from the stocks folders."""
    listed = manifest(run_dir).get("scenarios")
    if isinstance(listed, list) and listed:
        return [str(s) for s in listed]
    root = Path(run_dir) / "stocks"
    return sorted(p.name.split("=", 1)[1] for p in root.glob("scenario=*") if p.is_dir())


def query(run_dir: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL over the run with DuckDB; every table is a view named after it (empty when not written).

    Example: `query(run, "SELECT scenario, year, sum(persons) FROM stocks GROUP BY ALL ORDER BY ALL")`.
    """
    import duckdb

    _run_path(run_dir)
    con = duckdb.connect(":memory:")
    try:
        for table, schema in TABLES.items():
            data = dataset(run_dir, table)
            con.register(table, data if data is not None else schema.empty_table())
        relation = con.sql(sql)
        return relation.df() if relation is not None else pd.DataFrame()
    finally:
        con.close()
