"""The points of an exploration: a design point's model, and a chunk of points run and written (by a worker).

This is what a worker runs for a chunk of an exploration (`sim.runs.chunks.run_chunk` hands it over when the
chunk carries a design); the coordinator side is `sim.runs.explore`. Replication r of every design point
draws from the streams of (seed, r), as replication r of a batch does (common random numbers).
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from sim.inputs.paths import path_parts, with_value
from sim.model import replication
from sim.model.demography import DemographyModel
from sim.model.replication import Model
from sim.runs import folder, schema, store
from sim.runs.design import Design
from sim.runs.outcomes import cost_definition, outcome_tables
from sim.runs.plan import Chunk


@functools.lru_cache(maxsize=4)
def _design(record_json: str) -> Design:
    return Design.from_record(json.loads(record_json))


def model_at(model: Model, values: Mapping[str, float]) -> Model:
    """The model with the parameters of a design point set (population kept, demography laws rebuilt).

    Parameters set by the design are no longer drawn per replication; any other uncertain parameter still is,
    from the replication's own stream, the same at every point.
    """
    config = model.config
    for path, value in values.items():
        config = with_value(config, path_parts(path), value)
    uncertain = {k: v for k, v in config.uncertain.items() if k not in values}
    config = config.model_copy(update={"uncertain": uncertain})
    return Model(config=config, population=model.population, demography=DemographyModel.from_config(config.demography))


def experiments_table(design: Design, points: Sequence[int]) -> pa.Table:
    """The `experiments` rows of these points."""
    target = folder.table_schema("experiments", folder.Manifest(config_toml="", design=design.to_record()))
    columns: dict[str, pa.Array] = {"point": pa.array(list(points), pa.int32())}
    for j, name in enumerate(design.names):
        columns[name] = pa.array(design.values[list(points), j], pa.float64())
    return pa.Table.from_pydict(columns, schema=target)


def run_points(
    run_dir: Path,
    design_record: Mapping[str, object],
    reps_per_point: int,
    root_seed: int,
    scenarios: Sequence[str],
    chunk: Chunk,
    model: Model,
) -> int:
    """Run a chunk of design points (`chunk.first` to `chunk.last`): every replication of every scenario at
    each, and write its two tables; returns the rows written.

    As a batch's chunk does, it leaves none of its files behind when anything goes wrong.
    """
    design = _design(json.dumps(design_record, sort_keys=True))
    definition = cost_definition(model.config)
    replications = list(range(reps_per_point))
    points = list(range(chunk.first, chunk.last + 1))
    pieces: dict[str, list[pa.Table]] = {s: [] for s in scenarios}
    paths = folder.chunk_paths(run_dir, chunk.id, scenarios, schema.EXPLORE_TABLES)
    try:
        for point in points:
            at = model_at(model, design.point(point))
            runs = [replication.simulate_replication(at, r, root_seed, scenarios) for r in replications]
            tables = {s: replication.collect(runs, s) for s in scenarios}
            for scenario, rows in outcome_tables(tables, at.config, definition, point, replications).items():
                pieces[scenario].append(rows)
        experiments = experiments_table(design, points)
        store.atomic_write_parquet(experiments, folder.chunk_path(run_dir, "experiments", None, chunk.id))
        rows = experiments.num_rows
        for scenario in scenarios:
            data = pa.concat_tables(pieces[scenario]).drop_columns([folder.PARTITION])
            data = data.cast(folder.file_schema("outcomes"))
            store.atomic_write_parquet(data, folder.chunk_path(run_dir, "outcomes", scenario, chunk.id))
            rows += data.num_rows
    except BaseException:
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return rows
