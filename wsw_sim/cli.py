"""The `wsw-sim` command: thin click commands that parse, call one library function and print a summary.

Exit codes: 0 success, 2 bad input (config, file, arguments), 1 anything else. Bad input never shows a
traceback: `ConfigError` (and click's own usage errors) become one message on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from sim.errors import ConfigError
from sim.inputs.config import load_config

F = TypeVar("F", bound=Callable[..., Any])


def input_errors_exit_2(func: F) -> F:
    """Turn a ConfigError into a one-line message and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


config_argument = click.argument("config", type=click.Path(path_type=Path, dir_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wsw-sim")
def cli() -> None:
    """Simulate the Wsw workforce of the Almelo region under different organisations.

    \b
    Example:
        wsw-sim check configs/soweco_2019.toml
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --workers 2 --out runs
    """


@cli.command()
@config_argument
@input_errors_exit_2
def check(config: Path) -> None:
    """Validate CONFIG (and build its population) without running anything.

    \b
    Example:
        wsw-sim check configs/smoke.toml
    """
    from sim.model.replication import Model

    cfg = load_config(config)
    model = Model.prepare(cfg)
    click.echo(
        f"{config}: ok ({len(model.population)} persons, {len(cfg.municipalities)} municipalities, "
        f"scenarios {', '.join(cfg.scenario_names)}, {cfg.horizon.start_year}-{cfg.horizon.end_year})"
    )


@cli.command()
@config_argument
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="Parquet file.")
@input_errors_exit_2
def population(config: Path, out: Path) -> None:
    """Write the starting population of CONFIG to a Parquet file.

    \b
    Example:
        wsw-sim population configs/soweco_2019.toml --out runs/population.parquet
    """
    from sim.model.population import write_population
    from sim.model.replication import Model

    model = Model.prepare(load_config(config))
    try:
        write_population(model.population, out)
    except OSError as exc:
        raise ConfigError(out, "", f"cannot be written ({exc.strerror or exc})") from None
    pop = model.population
    start = model.config.horizon.start_year * 12
    click.echo(f"{len(pop)} persons, {pop.se.sum():.1f} SE, mean age {pop.age_years(start).mean():.1f} at the start")
    click.echo(str(out))


run_dir_argument = click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))


def _print_backcast(table: Any, tolerance: float) -> bool:
    """Print the backcast table; True when every observed figure is matched within the tolerance."""
    click.echo(f"{'year':>4}  {'quantity':<8} {'observed':>10} {'mean':>10} {'p5':>10} {'p95':>10} {'error':>7}")
    for row in table.itertuples():
        click.echo(
            f"{row.year:>4}  {row.quantity:<8} {row.observed:>10,.0f} {row.simulated_mean:>10,.0f} "
            f"{row.simulated_p5:>10,.0f} {row.simulated_p95:>10,.0f} {row.relative_error:>+7.2%}"
        )
    worst = float(table["relative_error"].abs().max())
    ok = bool(worst <= tolerance)
    click.echo(f"backcast: largest relative error {worst:.2%} ({'within' if ok else 'OUTSIDE'} {tolerance:.0%})")
    return ok


@cli.command()
@run_dir_argument
@click.option("--top", default=15, show_default=True, help="Rows of the z-table to print (worst first).")
@click.option("--z-limit", default=4.0, show_default=True, help="Fail when any |z| exceeds this.")
@input_errors_exit_2
def validate(run_dir: Path, top: int, z_limit: float) -> None:
    """Compare the batch means in RUN_DIR with the exact demography oracle.

    For every scenario, municipality, year and quantity (persons and SE at 31 December, exits by reason and
    inflow during the year): z = (mean - expected) / sqrt(variance / replications). Exits with code 1 when
    any |z| exceeds the limit, and says where. A national run also shows the backcast.

    \b
    Example:
        wsw-sim validate runs/smoke-20190101
    """
    from sim.checks.oracle import validate as compare_with_oracle
    from sim.model.replication import Model
    from sim.runs.folder import read_table, run_config

    config = run_config(run_dir)
    stocks = read_table(run_dir, "stocks")
    flows = read_table(run_dir, "flows")
    result = compare_with_oracle(Model.prepare(config), stocks, flows, z_limit=z_limit)
    table = result.table
    click.echo(
        f"{'scenario':<18} {'municipality':<15} {'year':>4} {'quantity':<17} {'mean':>11} {'expected':>11} {'z':>7}"
    )
    for row in table.head(top).itertuples():
        click.echo(
            f"{row.scenario:<18} {row.municipality:<15} {row.year:>4} {row.quantity:<17} "
            f"{row.mean:>11.4f} {row.expected:>11.4f} {row.z:>+7.2f}"
        )
    for scenario, reason in result.skipped.items():
        click.echo(f"not checked: scenario {scenario} ({reason}); only its inflow count is compared")
    n_reps = int(table["n_reps"].max()) if len(table) else 0
    failures = result.failures
    worst = table.iloc[0] if len(table) else None
    where = (
        f" at {worst.scenario} / {worst.municipality} / {worst.year} / {worst.quantity}" if worst is not None else ""
    )
    click.echo(
        f"validate: {len(table)} comparisons, {table['scenario'].nunique()} scenario(s), {n_reps} replications; "
        f"largest |z| {abs(worst.z) if worst is not None else float('nan'):.2f}{where}; "
        f"{len(failures)} above {z_limit:g}"
    )
    backcast_ok = True
    if config.calibration is not None:
        from sim.checks.backcast import backcast

        click.echo("")
        backcast_ok = _print_backcast(backcast(config, stocks), config.calibration.tolerance)
    if len(table) == 0:
        click.echo("validate: FAILED, nothing the oracle applies to", err=True)
        sys.exit(1)
    if len(failures):
        first = failures.iloc[0]
        click.echo(
            f"validate: FAILED, |z| > {z_limit:g} in {len(failures)} cells, the worst {first.scenario} / "
            f"{first.municipality} / {first.year} / {first.quantity} (z = {first.z:+.2f})",
            err=True,
        )
        sys.exit(1)
    if not backcast_ok:
        sys.exit(1)


@cli.command()
@run_dir_argument
@click.option("--scenario", default=None, help="Scenario to show (default: the config's first).")
@input_errors_exit_2
def backcast(run_dir: Path, scenario: str | None) -> None:
    """Simulated national persons and SE (scaled up by 1/scale) against the observed figures.

    The observed figures and the tolerance are in the config's [calibration] table. Exits with code 1 when
    a simulated mean is further from an observed figure than the tolerance.

    \b
    Example:
        wsw-sim run configs/national_2016.toml --reps 200 --seed 2016 --out runs
        wsw-sim backcast runs/national_2016-2016
    """
    from sim.checks.backcast import backcast_run
    from sim.runs.folder import run_config

    config = run_config(run_dir)
    if config.calibration is None:
        raise ConfigError(config.source, "calibration", "missing table: the run's config has nothing observed")
    if not _print_backcast(backcast_run(run_dir, scenario), config.calibration.tolerance):
        sys.exit(1)


@cli.command()
@config_argument
@input_errors_exit_2
def calibrate(config: Path) -> None:
    """Fit the start age profile, illness level and voluntary hazard of CONFIG to its [calibration] figures.

    Exact (through the oracle, no simulation). Prints the values to write into the configs and the expected
    persons and SE against the observed ones. See README, Calibration.

    \b
    Example:
        wsw-sim calibrate configs/national_2016.toml
    """
    from sim.checks.calibration import calibrate as fit

    result = fit(load_config(config))
    click.echo(f"population.age.mean_years      = {result.start_mean_years:.2f}")
    click.echo(f"population.age.share_over_45   = {result.start_share_over_45:.3f}")
    click.echo(f"demography.illness bands       = {', '.join(f'{h:.4f}' for h in result.illness_hazards)}")
    click.echo(f"  (the configured bands times {result.illness_factor:.3f})")
    click.echo(f"demography.voluntary (all)     = {result.voluntary_hazard_per_year:.4f}")
    click.echo("")
    click.echo(result.table.to_string(index=False, float_format=lambda v: f"{v:,.4f}"))
    click.echo("")
    click.echo(result.outflow.head(3).to_string(index=False, float_format=lambda v: f"{v:,.3f}"))


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="Parquet file.")
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML naming the file's headers for the standard columns (and other spellings of values).",
)
@click.option(
    "--reference-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date at which every age must lie within 16 to 70 (default: today).",
)
@input_errors_exit_2
def import_(file: Path, out: Path, mapping: Path | None, reference_date: Any) -> None:
    """Validate and pseudonymise a personnel FILE (CSV, .xlsx or Parquet) into a population Parquet file.

    Needs the salt in the environment variable WSW_SIM_SALT. Every bad row is reported at once (exit 2,
    nothing written). Columns the model does not use (name, BSN, address...) are dropped; employee ids
    become salted-hash pseudonyms; birth dates keep year and month.

    \b
    Example:
        export WSW_SIM_SALT="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
        wsw-sim import personeel_2019.csv --out data/population_2019.parquet
    """
    from sim.inputs.personnel import import_to_parquet, summary

    reference = reference_date.date() if reference_date is not None else None
    result = import_to_parquet(file, out, mapping, reference)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(summary(result.population))
    click.echo(str(out))


def _run_errors_exit_2(func: F) -> F:
    """Turn an unreadable run folder, unknown scenario or unwritable output into a message and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from analysis.load import RunError

        try:
            return func(*args, **kwargs)
        except RunError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@cli.command()
@run_dir_argument
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="FILE.html, or FILE.pdf to print it to A4 (needs a headless Chromium on the PATH).",
)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="Language.")
@click.option("--baseline", default=None, help="Scenario the others are compared with [analysis.baseline].")
@click.option("--from-year", type=int, default=None, help="First year money is added up over [analysis.horizon].")
@click.option("--to-year", type=int, default=None, help="Last year of that period [analysis.horizon].")
@click.option("--discount-rate", type=float, default=None, help="Yearly discount rate [analysis.discount_rate].")
@_run_errors_exit_2
def report(
    run_dir: Path,
    out: Path,
    lang: str,
    baseline: str | None,
    from_year: int | None,
    to_year: int | None,
    discount_rate: float | None,
) -> None:
    """Write the report of RUN_DIR: the decision page, a page per municipality, the region, the assumptions.

    Every choice not given comes from the [analysis] table of the run's config, as in `wsw-sim compare`.

    \b
    Example:
        wsw-sim report runs/20190101-abc --out report.html --lang en
        wsw-sim report runs/20190101-abc --out report.pdf
    """
    from analysis.load import RunError
    from analysis.report import write_report

    try:
        path = write_report(run_dir, out, lang, baseline, from_year, to_year, discount_rate)  # type: ignore[arg-type]
    except OSError as exc:
        raise RunError(f"{out}: cannot be written ({exc.strerror or exc})") from None
    click.echo(str(path))


@cli.command()
@run_dir_argument
@click.option("--baseline", default=None, help="Scenario A [the config's analysis.baseline].")
@click.option("--alternative", required=True, help="Scenario B; differences are B - A.")
@click.option("--from-year", type=int, default=None, help="First year added up [analysis.horizon].")
@click.option("--to-year", type=int, default=None, help="Last year added up [analysis.horizon].")
@click.option(
    "--discount-rate", type=float, default=None, help="Yearly, for net present value [analysis.discount_rate]."
)
@click.option("--base-year", type=int, default=None, help="Year values are discounted to [the first year].")
@click.option("--value", default="municipal_contribution_eur", show_default=True, help="A finance column.")
@_run_errors_exit_2
def compare(
    run_dir: Path,
    baseline: str | None,
    alternative: str,
    from_year: int | None,
    to_year: int | None,
    discount_rate: float | None,
    base_year: int | None,
    value: str,
) -> None:
    """Print the paired difference B - A per municipality, over the replications both scenarios share.

    Every choice not given comes from the [analysis] table of the run's config (the definitions the report
    uses), and the header says which were used. Amounts are added up over the period and discounted to its
    first year; the 95% interval is the paired t-interval of the mean difference; p5 and p95 bound 90 of 100
    replications; "P(B cheaper)" is the share of replications in which B costs less.

    \b
    Example:
        wsw-sim compare runs/20190101-abc --alternative per_municipality
        wsw-sim compare runs/20190101-abc --baseline shared --alternative split_2021 --discount-rate 0
    """
    from analysis.compare import compare as paired_compare

    table, definition = paired_compare(
        run_dir, baseline, alternative, from_year, to_year, discount_rate, base_year, value
    )
    click.echo(f"definitions: {definition.describe()}")
    click.echo(
        f"{value}: {alternative} - {definition.baseline}, {definition.period.label()}, "
        f"{int(table['n'].max())} paired replications (EUR)"
    )
    shown = table.rename(
        columns={
            "mean_difference": "mean_diff",
            "ci_low": "ci95_low",
            "ci_high": "ci95_high",
            "p_alternative_cheaper": "P(B cheaper)",
        }
    )[
        [
            "municipality",
            "n",
            "baseline_mean",
            "alternative_mean",
            "mean_diff",
            "ci95_low",
            "ci95_high",
            "p5",
            "p95",
            "P(B cheaper)",
        ]
    ]
    money = {c: "{:,.0f}".format for c in shown.columns[2:-1]}
    click.echo(shown.to_string(index=False, formatters={**money, "P(B cheaper)": "{:.2f}".format}))


@cli.command()
@click.argument("config", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--reps", type=int, help="Replications (Monte Carlo runs of every scenario).")
@click.option("--seed", type=int, help="Root seed; replication r draws from streams derived from (seed, r).")
@click.option("--workers", type=int, default=None, help="Worker processes of the local executor [1].")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Folder that receives the run folder.")
@click.option("--run-id", help="Name of the run folder [UTC time stamp plus a hash of config, seed and reps].")
@click.option("--scenario", "scenarios", multiple=True, help="Run only this scenario (repeatable) [all].")
@click.option("--chunk-size", type=int, help="Replications per chunk file [reps/20, at most 50].")
@click.option("--executor", type=click.Choice(["local", "dask"]), default=None, help="Where chunks run [local].")
@click.option("--scheduler", help="Dask scheduler address, tcp://HOST:PORT (with --executor dask).")
@click.option("--resume", type=click.Path(path_type=Path, file_okay=False), help="Finish the run in this folder.")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary (the run folder is still printed).")
@input_errors_exit_2
def run(
    config: Path | None,
    reps: int | None,
    seed: int | None,
    workers: int | None,
    out: Path | None,
    run_id: str | None,
    scenarios: tuple[str, ...],
    chunk_size: int | None,
    executor: str | None,
    scheduler: str | None,
    resume: Path | None,
    quiet: bool,
) -> None:
    """Run a batch of CONFIG into OUT/<run-id>/, or finish one with --resume; prints the run folder last.

    Exit 0 when every chunk is written, 1 when some failed or the run was interrupted (resume it), 2 for bad
    input.

    \b
    Example:
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --workers 2 --out runs
        wsw-sim run --resume runs/20190101T000000Z-1a2b3c4d
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --out /shared/runs \\
            --executor dask --scheduler tcp://10.0.0.5:8786
    """
    if executor != "dask" and (workers or 0) > 1:
        from sim.runs.workers import warm_up

        warm_up()  # the workers' imports, beside ours
    from sim.runs import batch

    if resume is not None:
        extra = [
            name
            for name, value in (
                ("CONFIG", config),
                ("--reps", reps),
                ("--seed", seed),
                ("--out", out),
                ("--run-id", run_id),
                ("--scenario", scenarios),
                ("--chunk-size", chunk_size),
            )
            if value
        ]
        if extra:
            raise ConfigError("--resume", "", f"cannot be combined with {', '.join(extra)} (the run keeps its own)")
    else:
        missing = [
            name
            for name, value in (("CONFIG", config), ("--reps", reps), ("--seed", seed), ("--out", out))
            if value is None
        ]
        if missing:
            raise ConfigError("run", "", f"missing {', '.join(missing)} (or give --resume RUN_DIR)")
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        total, initial = reps, 0
        if resume is not None:
            manifest = batch.store.read_manifest(resume)
            total = int(manifest["replications"])
            initial = sum(c["last"] - c["first"] + 1 for c in manifest["chunks"] if c["status"] == "done")
        bar = tqdm(total=total, initial=initial, unit="rep", desc="replications", file=sys.stderr, dynamic_ncols=True)

    def progress(replications: int) -> None:
        if bar is not None:
            bar.update(replications)

    chosen = cast("batch.Executor | None", executor)
    try:
        if resume is not None:
            result = batch.resume_run(
                resume,
                executor=chosen,
                workers=workers,
                scheduler=scheduler,
                progress=progress,
            )
        else:
            assert config is not None and reps is not None and seed is not None and out is not None
            result = batch.start_run(
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
                progress=progress,
            )
    finally:
        if bar is not None:
            bar.close()
    if not quiet:
        rate = result.replications_run / result.seconds if result.seconds > 0 else 0.0
        click.echo(
            f"{result.status}: {result.replications_run} replications x {len(result.scenarios)} scenarios in "
            f"{result.seconds:.1f} s ({rate:.1f} replications/s); "
            f"{result.chunks_done} of {result.chunks} chunks written",
            err=True,
        )
    if result.failed:
        names = ", ".join(
            f"{f.chunk.id} (replications {f.chunk.first}-{f.chunk.last}: {f.error})" for f in result.failed
        )
        click.echo(f"error: {len(result.failed)} chunk(s) failed: {names}", err=True)
    if result.status != "complete":
        click.echo(
            f"the run is incomplete ({result.status}); finish it with: wsw-sim run --resume {result.run_dir}", err=True
        )
    click.echo(str(result.run_dir))
    if result.status != "complete":
        sys.exit(1)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
