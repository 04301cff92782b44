"""Reading a run folder into pandas and DuckDB, on top of `sim.runs.folder` (its layout, manifest and reader).

A run folder `DIR/<run-id>/` holds `manifest.json` and one hive-partitioned Parquet dataset per table:
`<table>/scenario=<name>/part-<chunk>.parquet`. A table that was not written (or has no files yet) reads as
an empty frame with the table's columns, so callers can ask `len(df) == 0`. A folder, file, table or column
that cannot be read is a `sim.errors.ConfigError` naming it; `RunError` (one of those) is raised by the
analysis itself, for a scenario or a period the run does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ConfigError
from sim.inputs.config import Config
from sim.runs import folder
from sim.runs.folder import Filters

__all__ = [
    "Filters",
    "RunError",
    "config",
    "experiments",
    "has_table",
    "load",
    "manifest",
    "outcomes",
    "query",
    "scenarios",
    "sensitivity",
]


class RunError(ConfigError):
    """A run that cannot answer the question asked (an unknown scenario, an empty period); the message says why."""

    def __init__(self, message: str) -> None:
        self.source, self.field, self.message = "", "", message
        Exception.__init__(self, message)


def manifest(run_dir: str | Path) -> dict[str, Any]:
    """The run's manifest as in its file: run_id, created, package_version, git_commit, config_toml, root_seed, ..."""
    return folder.read_manifest(run_dir).as_dict()


def config(run_dir: str | Path) -> Config:
    """The run's config, typed and validated, rebuilt from the text its manifest keeps."""
    return folder.run_config(run_dir)


def has_table(run_dir: str | Path, table: str) -> bool:
    """Whether the run holds at least one Parquet file of `table` (temporary files do not count)."""
    return folder.dataset(run_dir, table) is not None


def load(
    run_dir: str | Path, table: str, columns: Sequence[str] | None = None, filters: Filters = None
) -> pd.DataFrame:
    """Read one table of a run into pandas, sorted by the table's keys.

    `columns` selects columns (default: all of the schema); `filters` keeps matching rows and is pushed down
    to the Parquet reader, e.g. `load(run, "finance", filters={"scenario": ["shared", "split_2021"]})`.
    """
    return folder.read_frame(run_dir, table, columns, filters)


def experiments(run_dir: str | Path) -> pd.DataFrame:
    """An exploration's design points (`wsw-sim explore`): `point` and one column per drawn parameter (its config
    path), one row per point."""
    return load(run_dir, "experiments")


def outcomes(run_dir: str | Path, filters: Filters = None) -> pd.DataFrame:
    """An exploration's outcomes: per point, replication, scenario and municipality (and `total`) the discounted
    contribution over the `[analysis]` horizon, its paired difference with the baseline, placements, the mean
    wait and the first year below viability."""
    return load(run_dir, "outcomes", filters=filters)


def sensitivity(run_dir: str | Path, filters: Filters = None) -> pd.DataFrame:
    """The indices `wsw-sim sensitivity` kept: per outcome, scenario, municipality, parameter, method and index
    (mu_star, sigma, S1, ST) the value and its 95% interval; empty when none were computed."""
    return load(run_dir, "sensitivity", filters=filters)


def scenarios(run_dir: str | Path) -> list[str]:
    """The scenarios of a run: from the manifest when it lists them, else from the stocks folders."""
    listed = folder.read_manifest(run_dir).scenarios
    if listed:
        return list(listed)
    root = Path(run_dir) / "stocks"
    return sorted(p.name.split("=", 1)[1] for p in root.glob(f"{folder.PARTITION}=*") if p.is_dir())


def query(run_dir: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL over the run with DuckDB; every table is a view named after it (empty when not written).

    Example: `query(run, "SELECT scenario, year, sum(persons) FROM stocks GROUP BY ALL ORDER BY ALL")`.
    """
    import duckdb

    folder.run_path(run_dir)
    con = duckdb.connect(":memory:")
    try:
        manifest = folder.read_manifest(run_dir)
        for table in folder.KNOWN_TABLES:
            data = folder.dataset(run_dir, table)
            con.register(table, data if data is not None else folder.table_schema(table, manifest).empty_table())
        relation = con.sql(sql)
        return relation.df() if relation is not None else pd.DataFrame()
    finally:
        con.close()
