"""A small run folder for the analysis tests, in the layout of the batch store (INTERFACE.md).

The tables come from `sim.model.replication.run_replication` on `configs/smoke.toml` with a third scenario (split
in 2021, merged again in 2027); they are written as `<table>/scenario=<name>/part-<chunk>.parquet` (zstd),
one chunk per `chunk_size` replications, with a `manifest.json`. Options drop tables, leave the `scenario`
column out of the files, or mark the population as a real file (`population_sha256`).
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from sim.inputs.config import config_from_dict
from sim.model.replication import Model, run_replication
from sim.runs import schema
from sim.runs.store import atomic_write_parquet

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke.toml"

MERGE_AGAIN = """
[scenarios.merge_2027]
description = "Split in 2021, merged again in 2027"
timeline = [
  { start = 2019-01-01, organisations = { Regio = ["Almelo", "Tubbergen"] } },
  { start = 2021-01-01, organisations = { Almelo = ["Almelo"], Tubbergen = ["Tubbergen"] } },
  { start = 2027-01-01, organisations = { Regio = ["Almelo", "Tubbergen"] } },
]
"""

ROOT_SEED = 20190101


def config_text() -> str:
    return SMOKE.read_text(encoding="utf-8") + MERGE_AGAIN


@functools.lru_cache(maxsize=4)
def _tables(replications: int) -> tuple[tuple[int, dict[str, pa.Table]], ...]:
    """Per replication, every table of every scenario (cached: the model runs once per test process)."""
    config = config_from_dict(tomllib.loads(config_text()), source=str(SMOKE), base_dir=SMOKE.parent)
    model = Model.prepare(config)
    out = []
    for rep in range(replications):
        pieces = run_replication(model, rep, ROOT_SEED)
        out.append((rep, {t: pa.concat_tables(p) if p else schema.empty(t) for t, p in pieces.items()}))
    return tuple(out)


def build_run(
    parent: Path,
    replications: int = 8,
    chunk_size: int = 3,
    tables: Iterable[str] = tuple(schema.TABLES),
    scenario_in_files: bool = True,
    population_sha256: str | None = None,
    run_id: str = "test-run",
) -> Path:
    """Write a run folder under `parent` and return its path."""
    run = parent / run_id
    run.mkdir(parents=True)
    wanted = set(tables)
    data = _tables(replications)
    scenarios: list[str] = []
    for chunk, start in enumerate(range(0, replications, chunk_size)):
        reps = data[start : start + chunk_size]
        for table in schema.TABLES:
            if table not in wanted:
                continue
            merged = pa.concat_tables([t[table] for _, t in reps])
            if merged.num_rows == 0:
                continue
            for name in dict.fromkeys(merged.column("scenario").to_pylist()):
                if name not in scenarios:
                    scenarios.append(name)
                part = merged.filter(pa.compute.equal(merged.column("scenario"), name))
                if not scenario_in_files:
                    part = part.drop_columns(["scenario"])
                atomic_write_parquet(part, run / table / f"scenario={name}" / f"part-{chunk:05d}.parquet")
    manifest = {
        "run_id": run_id,
        "created": "2026-11-28T06:00:00Z",
        "package_version": "0.1.0",
        "git_commit": "0123456789abcdef",
        "config_path": "configs/smoke.toml",
        "config_toml": config_text(),
        "root_seed": ROOT_SEED,
        "replications": replications,
        "scenarios": scenarios or ["shared", "per_municipality", "merge_2027"],
        "chunks": [
            {"id": i, "first": first, "last": min(first + chunk_size, replications) - 1, "status": "done"}
            for i, first in enumerate(range(0, replications, chunk_size))
        ],
        "status": "complete",
    }
    if population_sha256 is not None:
        manifest["population_sha256"] = population_sha256
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return run
