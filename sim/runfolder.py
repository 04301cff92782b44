"""Reading a run folder: its manifest, its config and its hive-partitioned Parquet tables.

The layout (see README, Outputs): `RUN_DIR/manifest.json` holds the exact config text (`config_toml`) and
where it came from (`config_path`); each table is `RUN_DIR/<table>/scenario=<name>/part-*.parquet`, where the
scenario may be only in the folder name. Problems are `ConfigError`s naming the folder or file.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from sim.config import Config, ConfigError, config_from_dict


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "", "not found: is this a run folder?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(path, "", f"cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or "config_toml" not in manifest:
        raise ConfigError(path, "config_toml", "missing key")
    return manifest


def run_config(run_dir: str | Path) -> Config:
    """The config the run was made with, from the exact text kept in its manifest."""
    manifest = read_manifest(run_dir)
    source = str(manifest.get("config_path") or Path(run_dir) / "manifest.json")
    try:
        raw = tomllib.loads(manifest["config_toml"])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(Path(run_dir) / "manifest.json", "config_toml", f"is not valid TOML ({exc})") from None
    return config_from_dict(raw, source=source, base_dir=Path(source).parent)


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
