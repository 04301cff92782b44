"""Reading a run folder: its manifest, its config and its hive-partitioned Parquet tables.

The layout (see README, Outputs): `RUN_DIR/manifest.json` holds the exact config text (`config_toml`) and
where it came from (`config_path`); each table is `RUN_DIR/<table>/scenario=<name>/part-*.parquet`, where the
scenario may be only in the folder name. Problems are `ConfigError`s naming the folder or file. The manifest
and the config come from `sim.runs.store`, which writes them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sim.errors import ConfigError
from sim.runs.store import read_manifest, run_config

__all__ = ["read_manifest", "read_table", "run_config"]


def read_table(run_dir: str | Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One table of the run as a DataFrame, with the scenario column taken from the folder names."""
    folder = Path(run_dir) / table
    if not folder.is_dir():
        raise ConfigError(folder, "", f"not found: the run has no {table} table")
    try:
        files = sorted(folder.glob("*/*.parquet"))
        # the scenario comes from the folder names unless the files carry it too (then the two would clash)
        in_files = bool(files) and "scenario" in pq.read_schema(files[0]).names
        dataset = ds.dataset(folder, format="parquet", partitioning=None if in_files else "hive")
        data = dataset.to_table(columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(folder, "", f"cannot be read as Parquet ({exc})") from None
    frame = data.to_pandas()
    if "scenario" in frame.columns:
        frame["scenario"] = frame["scenario"].astype(str)
    return frame
