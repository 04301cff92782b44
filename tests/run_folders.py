"""Test run folders in the batch store's layout, made with `run_replication` (no batch machinery needed).

`RUN_DIR/manifest.json` (config_toml, config_path, root_seed, replications, scenarios) and
`RUN_DIR/<table>/scenario=<name>/part-00000.parquet`, the scenario only in the folder name (or also in the
files, with `scenario_in_files`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.inputs.config import config_from_dict
from sim.model.replication import Model, run_replication

Replicate = Callable[[Model, int, int], dict[str, list[pa.Table]]]


def write_run_folder(
    config_path: Path,
    out: Path,
    replications: int,
    root_seed: int,
    replicate: Replicate = run_replication,
    tables: tuple[str, ...] = ("stocks", "flows"),
    scenario_in_files: bool = False,
) -> Path:
    """Run `replications` replications of the config at `config_path` and write them as a run folder."""
    import tomllib

    text = config_path.read_text(encoding="utf-8")
    config = config_from_dict(tomllib.loads(text), source=str(config_path), base_dir=config_path.parent)
    model = Model.prepare(config)
    pieces: dict[str, list[pa.Table]] = {t: [] for t in tables}
    for r in range(replications):
        out_r = replicate(model, r, root_seed)
        for t in tables:
            pieces[t].extend(out_r[t])
    out.mkdir(parents=True, exist_ok=True)
    for t in tables:
        whole = pa.concat_tables(pieces[t])
        for scenario in config.scenario_names:
            mask = pa.compute.equal(whole["scenario"], scenario)
            part = whole.filter(mask)
            if not scenario_in_files:
                part = part.drop_columns(["scenario"])
            folder = out / t / f"scenario={scenario}"
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, folder / "part-00000.parquet", compression="zstd")
    manifest = {
        "config_toml": text,
        "config_path": str(config_path),
        "root_seed": root_seed,
        "replications": replications,
        "scenarios": list(config.scenario_names),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out
