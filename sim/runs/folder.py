"""The run folder, the contract between `sim` (which writes it) and `analysis` (which reads it), in one place.

Layout of `DIR/<run-id>/`::

    manifest.json                                    what was run, how far it got (rewritten after each chunk)
    .lock                                            the lock a running batch holds (`sim.runs.store.RunLock`)
    <table>/scenario=<name>/part-<chunk:05d>.parquet one zstd file per table, scenario and chunk

The scenario lives in the folder name (hive partitioning), not as a column inside the files: that way
pyarrow.dataset, pandas.read_parquet and DuckDB (with or without hive_partitioning) all read the same
`scenario` column. Older folders that also carry it inside the files read the same way.

This module defines the layout, the typed manifest (`Manifest`), the one reader of a table (`read_table`), the
one reader of the manifest (`read_manifest`) and the one way back from a manifest to the run's `Config`
(`run_config`). Every problem is a `sim.errors.ConfigError` naming the folder or the file. Writing lives in
`sim.runs.store`; `analysis` builds its pandas and DuckDB access on this module.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, ValidationError

from sim.errors import ConfigError
from sim.inputs.config import Config, config_from_dict
from sim.inputs.overrides import apply_overrides
from sim.runs import schema

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

MANIFEST = "manifest.json"
BREAKEVEN = "breakeven"
"""Where `wsw-sim breakeven --out FOLDER` keeps its results (`FOLDER/breakeven/*.json`), for the report."""
LOCK = ".lock"
TEMP_SUFFIX = ".tmp"
"""Files being written carry a hidden name ending in this; readers and the `*.parquet` glob skip them."""
PARTITION = "scenario"

Filters: TypeAlias = "Mapping[str, Any] | pc.Expression | None"
"""Row filters: `{"scenario": "shared", "year": [2021, 2022]}` (a list means "one of"), or a pyarrow expression."""


# -------------------------------------------------------------------------------------------- layout


KNOWN_TABLES = (*schema.TABLES, *schema.EXPLORE_TABLES, "sensitivity")


def table_schema(table: str, manifest: Manifest | None = None) -> pa.Schema:
    """A table's full schema; `experiments` has a column per drawn parameter, named in the manifest's design."""
    if table in schema.TABLES:
        return schema.TABLES[table]
    if table in schema.OTHER_TABLES:
        return schema.OTHER_TABLES[table]
    names = [str(n) for n in (manifest.design or {}).get("names", [])] if manifest is not None else []
    return schema.experiments_schema(names, {n: schema.unit_of(n) for n in names})


def file_schema(table: str, manifest: Manifest | None = None) -> pa.Schema:
    """The schema of a table's files: without the scenario where that is the folder name."""
    full = table_schema(table, manifest)
    if table in schema.UNPARTITIONED:
        return full
    return full.remove(full.get_field_index(PARTITION))


def table_keys(table: str) -> tuple[str, ...]:
    return schema.KEYS[table] if table in schema.KEYS else schema.OTHER_KEYS[table]


def chunk_path(run_dir: Path, table: str, scenario: str | None, chunk: int) -> Path:
    if table in schema.UNPARTITIONED:
        return run_dir / table / f"part-{chunk:05d}.parquet"
    return run_dir / table / f"{PARTITION}={scenario}" / f"part-{chunk:05d}.parquet"


def run_tables(manifest: Manifest | None) -> tuple[str, ...]:
    """The tables every chunk of this run writes: an exploration's two, or a batch's."""
    return schema.EXPLORE_TABLES if manifest is not None and manifest.design else tuple(schema.TABLES)


def chunk_paths(
    run_dir: Path, chunk: int, scenarios: Sequence[str], tables: Sequence[str] = tuple(schema.TABLES)
) -> list[Path]:
    """Every file of one chunk: one per table and scenario (one per table without a scenario)."""
    paths = []
    for t in tables:
        if t in schema.UNPARTITIONED:
            paths.append(chunk_path(run_dir, t, None, chunk))
        else:
            paths.extend(chunk_path(run_dir, t, s, chunk) for s in scenarios)
    return paths


def table_files(run_dir: str | Path, table: str) -> list[Path]:
    """The complete Parquet files of a table (hidden, temporary names left out)."""
    root = Path(run_dir) / table
    if not root.is_dir():
        return []
    pattern = "*.parquet" if table in schema.UNPARTITIONED else f"{PARTITION}=*/*.parquet"
    return sorted(p for p in root.glob(pattern) if not p.name.startswith((".", "_")))


# ------------------------------------------------------------------------------------------ manifest


class ChunkEntry(BaseModel):
    """One chunk of the batch: replications `first` to `last`, its status, and what it held when done.

    `rows`: the rows its files held together when written (None in folders written before it was recorded);
    a resume compares it with the files on disk.
    """

    model_config = ConfigDict(extra="allow")

    id: int
    first: int
    last: int
    status: str = "pending"
    error: str | None = None
    seconds: float | None = None
    rows: int | None = None

    @property
    def replications(self) -> int:
        return self.last - self.first + 1


class Manifest(BaseModel):
    """What was run and how far it got: `manifest.json`, read back typed.

    Only `config_toml` (the exact config text) is required, so that the minimal manifests of older or
    hand-made folders still read; keys this model does not name are kept (`extra="allow"`). `schema_version`
    is the version of the table schemas and of this layout (`sim.runs.schema.SCHEMA_VERSION`).
    """

    model_config = ConfigDict(extra="allow")

    run_id: str | None = None
    created: str | None = None
    package_version: str | None = None
    git_commit: str | None = None
    schema_version: int = schema.SCHEMA_VERSION
    config_path: str | None = None
    config_sha256: str | None = None
    config_toml: str
    population_file: str | None = None
    population_sha256: str | None = None
    root_seed: int | None = None
    replications: int | None = None
    scenarios: list[str] = []
    tables: list[str] = list(schema.TABLES)
    chunk_size: int | None = None
    executor: str | None = None
    workers: int | None = None
    scheduler: str | None = None
    status: str | None = None
    timings: dict[str, Any] = {}
    chunks: list[ChunkEntry] = []
    sessions: list[dict[str, Any]] = []
    overrides: list[str] = []
    """`--set PATH=VALUE` overrides, applied to `config_toml` in this order wherever the config is rebuilt."""
    design: dict[str, Any] | None = None
    """An exploration's design (`sim.runs.design.Design.to_record`); its chunks are design points, not replications."""
    reps_per_point: int | None = None
    target_se: dict[str, Any] | None = None
    """`wsw-sim run --target-se`: the rule (target, minimum and maximum replications), every check, why it stopped."""

    def as_dict(self) -> dict[str, Any]:
        """The manifest as the JSON object in the file (keys never set are left out)."""
        return self.model_dump(mode="json", exclude_unset=True)

    def to_json(self) -> str:
        """The text of `manifest.json`: every key, the ones an older folder lacked with their defaults."""
        return self.model_dump_json(indent=2) + "\n"


def run_path(run_dir: str | Path) -> Path:
    """`run_dir` when it is a run folder (a directory with a manifest); else a `ConfigError` naming it."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ConfigError(path, "", "not a run folder (no such directory)")
    if not (path / MANIFEST).is_file():
        raise ConfigError(path, "", f"not a run folder (no {MANIFEST})")
    return path


def read_manifest(run_dir: str | Path) -> Manifest:
    """The manifest of a run folder; a missing, unreadable or malformed one is a `ConfigError` naming it."""
    path = run_path(run_dir) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot be read ({exc})") from None
    try:
        return Manifest.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "json_invalid":
            raise ConfigError(path, "", f"cannot be read (not JSON: {err['msg']})") from None
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(path, where, f"is not a wsw-sim manifest ({err['msg']})") from None


def config_from_toml(text: str, config_path: str, where: str | Path, overrides: Sequence[str] = ()) -> Config:
    """The config as every process of a batch sees it: parsed from the text kept in the manifest.

    `config_path` is where the text came from (relative paths in it, a population file, are taken from its
    folder); `where` names the file to blame when the text is not TOML. `overrides` (`PATH=VALUE`) are applied
    to the document first, as `wsw-sim run --set` did.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, "config_toml", f"is not valid TOML ({exc})") from None
    if overrides:
        raw = apply_overrides(raw, overrides, source=config_path)
    return config_from_dict(raw, source=config_path, base_dir=Path(config_path).parent)


def run_config(run_dir: str | Path) -> Config:
    """The config of a run, rebuilt from the text kept in its manifest (the file itself is not needed)."""
    manifest = read_manifest(run_dir)
    manifest_path = Path(run_dir) / MANIFEST
    return config_from_toml(
        manifest.config_toml, manifest.config_path or str(manifest_path), manifest_path, manifest.overrides
    )


# ------------------------------------------------------------------------------------------- tables


def _check_table(run_dir: str | Path, table: str) -> None:
    if table not in KNOWN_TABLES:
        raise ConfigError(run_dir, "", f"unknown table {table!r}; known: {', '.join(KNOWN_TABLES)}")


def _manifest_if_needed(run_dir: str | Path, table: str) -> Manifest | None:
    return read_manifest(run_dir) if table == "experiments" else None


def dataset(run_dir: str | Path, table: str) -> ds.Dataset | None:
    """A table as a pyarrow dataset in its full schema (None when the run has no file of it).

    The scenario comes from the folder names; where the files carry it too, the two agree.
    """
    import pyarrow.dataset as ds  # here, not at the top: it imports pandas, which writing a run never needs

    _check_table(run_dir, table)
    files = table_files(run_path(run_dir), table)
    if not files:
        return None
    if table in schema.UNPARTITIONED:
        try:
            return ds.dataset(
                [str(f) for f in files],
                format="parquet",
                schema=table_schema(table, _manifest_if_needed(run_dir, table)),
            )
        except (OSError, pa.ArrowException) as exc:
            raise ConfigError(Path(run_dir) / table, "", f"cannot be read as Parquet ({exc})") from None
    partitioning = ds.partitioning(pa.schema([pa.field(PARTITION, pa.string())]), flavor="hive")
    try:
        return ds.dataset(
            [str(f) for f in files],
            format="parquet",
            partitioning=partitioning,
            partition_base_dir=str(Path(run_dir) / table),
            schema=table_schema(table),
        )
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(Path(run_dir) / table, "", f"cannot be read as Parquet ({exc})") from None


def _filter_expression(filters: Filters) -> pc.Expression | None:
    import pyarrow.compute as pc

    if filters is None or isinstance(filters, pc.Expression):
        return filters
    expr: pc.Expression | None = None
    for column, wanted in filters.items():
        if isinstance(wanted, Sequence) and not isinstance(wanted, str):
            term = pc.field(column).isin(list(wanted))
        else:
            term = pc.field(column) == wanted
        expr = term if expr is None else expr & term
    return expr


def read_table(
    run_dir: str | Path,
    table: str,
    columns: Sequence[str] | None = None,
    filters: Filters = None,
    scenarios: Sequence[str] | None = None,
) -> pa.Table:
    """A table of a run in its schema (`sim.runs.schema`: scenario first, types and metadata), sorted by its keys.

    `columns` selects columns (default: all); `filters` keeps matching rows, pushed down to the Parquet reader;
    `scenarios` keeps those scenarios. A table with no files reads as an empty table. It reads whatever complete
    files there are: `read_manifest(run_dir).status` says whether the run finished.
    """
    _check_table(run_dir, table)
    full = table_schema(table, _manifest_if_needed(run_dir, table))
    named = [*(columns or []), *(filters if isinstance(filters, Mapping) else [])]
    unknown = [c for c in named if c not in full.names]
    if unknown:
        raise ConfigError(Path(run_dir) / table, "", f"table {table!r} has no column {unknown[0]!r}")
    wanted = list(columns) if columns is not None else full.names
    expr = _filter_expression(filters)
    if scenarios is not None:
        import pyarrow.compute as pc

        by_scenario = pc.field(PARTITION).isin(list(scenarios))
        expr = by_scenario if expr is None else expr & by_scenario
    data = dataset(run_dir, table)
    if data is None:
        return full.empty_table().select(wanted)
    need = list(dict.fromkeys([*wanted, *table_keys(table)]))  # the keys too, to sort by
    try:
        got = data.to_table(columns=need, filter=expr)
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(Path(run_dir) / table, "", f"cannot be read as Parquet ({exc})") from None
    typed = pa.schema([full.field(n) for n in need], metadata=full.metadata)
    got = pa.Table.from_arrays([got.column(n).cast(typed.field(n).type) for n in need], schema=typed)
    return got.sort_by([(k, "ascending") for k in table_keys(table)]).select(wanted)


def read_frame(
    run_dir: str | Path,
    table: str,
    columns: Sequence[str] | None = None,
    filters: Filters = None,
    scenarios: Sequence[str] | None = None,
) -> pd.DataFrame:
    """`read_table` as a pandas DataFrame (the scenario a plain string column)."""
    return read_table(run_dir, table, columns, filters, scenarios).to_pandas()
