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
simulation). Memory is flat in the number of points: a chunk holds its own points' outcomes only. A worker's
side (a point's model, a chunk of points run and written) is `sim.runs.points`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.errors import ConfigError
from sim.runs.batch import Progress, RunResult, start_run
from sim.runs.design import design_for
from sim.runs.outcomes import cost_definition
from sim.runs.plan import Executor

MAX_DEFAULT_POINTS_PER_CHUNK = 8
"""Design points per chunk by default: small enough to share among workers, large enough to keep few files."""


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
