"""What the command line starts: a batch (new or resumed) with its progress bar, and a config's population.

`launch` takes the options of `wsw-sim run` as they were given, refuses combinations that make no sense
(bad input, a `ConfigError` naming the option), and returns what the batch did; `summary` and `problems`
word the result for the person who ran it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from sim.errors import ConfigError
from sim.runs.batch import Progress, RunResult
from sim.runs.plan import Executor


def _check_options(
    config: Path | None,
    reps: int | None,
    seed: int | None,
    out: Path | None,
    run_id: str | None,
    scenarios: Sequence[str],
    chunk_size: int | None,
    resume: Path | None,
    overrides: Sequence[str] = (),
    target_se: float | None = None,
    max_reps: int | None = None,
) -> None:
    if max_reps is not None and target_se is None:
        raise ConfigError("--max-reps", "", "goes with --target-se")
    if resume is not None:
        given = (
            ("--set", overrides),
            ("--target-se", target_se),
            ("CONFIG", config),
            ("--reps", reps),
            ("--seed", seed),
            ("--out", out),
            ("--run-id", run_id),
            ("--scenario", scenarios),
            ("--chunk-size", chunk_size),
        )
        extra = [name for name, value in given if value]
        if extra:
            raise ConfigError("--resume", "", f"cannot be combined with {', '.join(extra)} (the run keeps its own)")
        return
    needed = (("CONFIG", config), ("--reps", reps), ("--seed", seed), ("--out", out))
    missing = [name for name, value in needed if value is None]
    if missing:
        raise ConfigError("run", "", f"missing {', '.join(missing)} (or give --resume RUN_DIR)")


def launch(
    config: Path | None = None,
    *,
    reps: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: Path | None = None,
    run_id: str | None = None,
    scenarios: Sequence[str] = (),
    chunk_size: int | None = None,
    executor: str | None = None,
    scheduler: str | None = None,
    resume: Path | None = None,
    overrides: Sequence[str] = (),
    target_se: float | None = None,
    max_reps: int | None = None,
    show_progress: bool = False,
) -> RunResult:
    """Run a batch of `config` into `out/<run-id>/`, or finish the one in `resume` (then the run keeps its own
    config, seed, replications, scenarios and chunks; executor, workers and scheduler may change).

    `show_progress` draws a progress bar on stderr; `overrides` are `--set PATH=VALUE` settings (a resumed run
    re-applies its own). `target_se` (EUR): more replications, up to `max_reps`, until the paired differences are
    that precise (`sim.runs.precision`). Bad input is a `ConfigError`; failed chunks are in the result.
    """
    _check_options(config, reps, seed, out, run_id, scenarios, chunk_size, resume, overrides, target_se, max_reps)
    if target_se is not None:
        from sim.runs.precision import check_rule

        check_rule(target_se, reps or 0, max_reps)
    if executor != "dask" and (workers or 0) > 1:
        from sim.runs.workers import warm_up

        warm_up()  # the workers' imports, beside ours
    from sim.runs import batch, folder

    total, initial, unit = reps or 0, 0, "replications"
    if show_progress and resume is not None:
        manifest = folder.read_manifest(resume)
        total = int(manifest.replications or 0)
        initial = sum(c.replications for c in manifest.chunks if c.status == "done")
        unit = "design points" if manifest.design else unit
    bar, tick = _progress_bar(show_progress, total, initial, unit)
    chosen = cast("Executor | None", executor)
    try:
        if resume is not None:
            return batch.resume_run(resume, executor=chosen, workers=workers, scheduler=scheduler, progress=tick)
        assert config is not None and reps is not None and seed is not None and out is not None
        start = batch.start_run
        if target_se is not None:
            from functools import partial

            from sim.runs.precision import run_until_precise

            start = partial(run_until_precise, target_se=target_se, max_reps=max_reps)
        return start(
            config,
            reps,
            seed,
            out,
            run_id=run_id,
            scenarios=scenarios,
            chunk_size=chunk_size,
            executor=chosen or "local",
            workers=1 if workers is None else workers,
            scheduler=scheduler,
            progress=tick,
            overrides=overrides,
        )
    finally:
        if bar is not None:
            bar.close()


def _progress_bar(show: bool, total: int, initial: int, unit: str) -> tuple[Any, Progress | None]:
    if not show:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="", desc=unit, file=sys.stderr, dynamic_ncols=True)

    def tick(done: int) -> None:
        bar.update(done)

    return bar, tick


def explore(
    config: Path,
    *,
    kind: str,
    samples: int,
    reps_per_point: int,
    seed: int,
    out: Path,
    params: Sequence[str] = (),
    overrides: Sequence[str] = (),
    run_id: str | None = None,
    chunk_size: int | None = None,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    show_progress: bool = False,
) -> RunResult:
    """`wsw-sim explore`: an exploration of `config` (`sim.runs.explore.start_explore`), with its progress bar."""
    from sim.runs.design import DESIGNS, design_for
    from sim.runs.explore import start_explore

    if kind not in DESIGNS:
        raise ConfigError("--design", kind, f"unknown design; known: {', '.join(DESIGNS)}")
    if executor != "dask" and (workers or 0) > 1:
        from sim.runs.workers import warm_up

        warm_up()
    total = 0
    if show_progress:
        from sim.inputs.config import load_config

        total = design_for(load_config(config, overrides), kind, samples, seed, params).points
    bar, tick = _progress_bar(show_progress, total, 0, "design points")
    try:
        return start_explore(
            config,
            kind,
            samples,
            reps_per_point,
            seed,
            out,
            params=params,
            overrides=overrides,
            run_id=run_id,
            chunk_size=chunk_size,
            executor=cast("Executor", executor or "local"),
            workers=1 if workers is None else workers,
            scheduler=scheduler,
            progress=tick,
        )
    finally:
        if bar is not None:
            bar.close()


def summary(result: RunResult) -> str:
    """One line: what ran, how fast, how much of the batch is written."""
    rate = result.replications_run / result.seconds if result.seconds > 0 else 0.0
    if result.reps_per_point:
        return (
            f"{result.status}: {result.replications_run} design points x {result.reps_per_point} replications x "
            f"{len(result.scenarios)} scenarios in {result.seconds:.1f} s ({rate:.2f} points/s); "
            f"{result.chunks_done} of {result.chunks} chunks written"
        )
    return (
        f"{result.status}: {result.replications_run} replications x {len(result.scenarios)} scenarios in "
        f"{result.seconds:.1f} s ({rate:.1f} replications/s); {result.chunks_done} of {result.chunks} chunks written"
    )


def problems(result: RunResult) -> list[str]:
    """What the person who ran the batch must know: chunks run again, chunks failed, how to finish."""
    from sim.runs.precision import describe

    lines = [f"note: {why}" for why in result.redone]
    lines += list(describe(result.run_dir)) if (result.run_dir / "manifest.json").is_file() else []
    if result.failed:
        names = ", ".join(
            f"{f.chunk.id} (replications {f.chunk.first}-{f.chunk.last}: {f.error})" for f in result.failed
        )
        lines.append(f"error: {len(result.failed)} chunk(s) failed: {names}")
    if result.status != "complete":
        lines.append(f"the run is incomplete ({result.status}); finish it with: wsw-sim run --resume {result.run_dir}")
    return lines


def export_population(config: Path, out: Path) -> str:
    """Write the starting population of a config to a Parquet file; returns a one-line description of it."""
    from sim.inputs.config import load_config
    from sim.model.population import write_population
    from sim.model.replication import Model

    model = Model.prepare(load_config(config))
    try:
        write_population(model.population, out)
    except OSError as exc:
        raise ConfigError(out, "", f"cannot be written ({exc.strerror or exc})") from None
    pop = model.population
    start = model.config.horizon.start_year * 12
    return f"{len(pop)} persons, {pop.se.sum():.1f} SE, mean age {pop.age_years(start).mean():.1f} at the start"
