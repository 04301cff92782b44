"""Explorations: every scenario run at each point of a design over the ranged parameters (`wsw-sim explore`).

An exploration is a run folder like a batch's, with the same coordinator, executors, faults handling and
`wsw-sim run --resume`; its chunks are groups of design points instead of replications, and each chunk writes
two tables instead of the batch's six:

- `experiments`: the parameter values of its points (a column per drawn parameter, named by config path);
- `outcomes`: per point, replication, scenario and municipality (and `total`), the discounted contribution over
  the `[analysis]` horizon, its difference from the baseline scenario, placements, the mean wait and the first
  year below viability (`sim.runs.outcomes`).

The stocks, flows and finance of every point are not written: an exploration of 256 points x 3 scenarios would
write 768 batches' worth of rows to answer questions that the outcomes answer. Run `wsw-sim run --set PATH=VALUE`
at a point of interest for its full tables.

Common random numbers: replication r of every design point draws from the streams of (seed, r), as replication r
of a batch does, so that two points differ only by their parameters (and by where those parameters send the
simulation). Memory is flat in the number of points: a chunk holds its own points' outcomes only.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from sim.errors import ConfigError
from sim.inputs.paths import path_parts, with_value
from sim.model import replication
from sim.model.demography import DemographyModel
from sim.model.replication import Model
from sim.runs import folder, schema, store
from sim.runs.batch import Progress, RunResult, start_run
from sim.runs.chunks import ChunkDone, ChunkTask
from sim.runs.design import Design, design_for
from sim.runs.outcomes import cost_definition, outcome_tables
from sim.runs.plan import Executor

MAX_DEFAULT_POINTS_PER_CHUNK = 8
"""Design points per chunk by default: small enough to share among workers, large enough to keep few files."""


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


def run_points(task: ChunkTask, model: Model) -> ChunkDone:
    """Run a chunk of design points: every replication of every scenario at each, and write its two tables.

    As a batch's chunk does, it leaves none of its files behind when anything goes wrong.
    """
    assert task.design is not None
    started = time.perf_counter()
    run_dir = Path(task.run_dir)
    design = _design(json.dumps(task.design, sort_keys=True))
    definition = cost_definition(model.config)
    replications = list(range(task.reps_per_point))
    points = list(range(task.chunk.first, task.chunk.last + 1))
    pieces: dict[str, list[pa.Table]] = {s: [] for s in task.scenarios}
    paths = folder.chunk_paths(run_dir, task.chunk.id, task.scenarios, schema.EXPLORE_TABLES)
    try:
        for point in points:
            at = model_at(model, design.point(point))
            runs = [replication.simulate_replication(at, r, task.root_seed, task.scenarios) for r in replications]
            tables = {s: replication.collect(runs, s) for s in task.scenarios}
            for scenario, rows in outcome_tables(tables, at.config, definition, point, replications).items():
                pieces[scenario].append(rows)
        experiments = experiments_table(design, points)
        store.atomic_write_parquet(experiments, folder.chunk_path(run_dir, "experiments", None, task.chunk.id))
        rows = experiments.num_rows
        for scenario in task.scenarios:
            data = pa.concat_tables(pieces[scenario]).drop_columns([folder.PARTITION])
            data = data.cast(folder.file_schema("outcomes"))
            store.atomic_write_parquet(data, folder.chunk_path(run_dir, "outcomes", scenario, task.chunk.id))
            rows += data.num_rows
    except BaseException:
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return ChunkDone(task.chunk.id, time.perf_counter() - started, rows)


def start_explore(
    config_path: str | Path,
    kind: str,
    samples: int,
    reps_per_point: int,
    root_seed: int,
    out: str | Path,
    *,
    params: Sequence[str] = (),
    overrides: Sequence[str] = (),
    run_id: str | None = None,
    chunk_size: int | None = None,
    executor: Executor = "local",
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Explore `config` over a design into `out/<run-id>/`; resume it with `sim.runs.batch.resume_run`.

    `kind` (lhs, sobol or morris) and `samples` as `sim.runs.design.make_design` takes them; `params` the config
    paths to vary (default: every ranged parameter). Bad input is a `ConfigError`; failed chunks are in the result.
    """
    from sim.inputs.config import load_config

    if reps_per_point < 1:
        raise ConfigError("--reps-per-point", "", "must be at least 1")
    config = load_config(config_path, overrides)
    cost_definition(config)  # a baseline that is not a scenario is bad input before anything runs
    design = design_for(config, kind, samples, root_seed, params)
    size = chunk_size or max(1, min(MAX_DEFAULT_POINTS_PER_CHUNK, -(-design.points // (4 * max(1, workers)))))
    return start_run(
        config_path,
        design.points,
        root_seed,
        out,
        run_id=run_id,
        chunk_size=size,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        overrides=overrides,
        design=design,
        reps_per_point=reps_per_point,
    )
