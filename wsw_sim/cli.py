"""The `wsw-sim` command: thin click commands that parse, call one library function and print a summary.

Exit codes: 0 success, 2 bad input (config, file, arguments), 1 anything else. Bad input never shows a
traceback (`wsw_sim.options.bad_input_exits_2`). The command line sits above both packages: `sim` simulates
and checks, `analysis` reads run folders; neither imports this.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sim.errors import ConfigError
from sim.inputs.config import load_config
from wsw_sim.options import (
    bad_input_exits_2,
    config_argument,
    executor_options,
    exploration_option,
    keep_option,
    out_file,
    period_options,
    run_dir_argument,
    set_option,
    show_check,
)


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
@bad_input_exits_2
def check(config: Path) -> None:
    """Validate CONFIG (and build its population) without running anything.

    \b
    Example:
        wsw-sim check configs/smoke.toml
    """
    from sim.checks.validate import check_config

    click.echo(check_config(config))


@cli.command()
@config_argument
@out_file("Parquet file.")
@bad_input_exits_2
def population(config: Path, out: Path) -> None:
    """Write the starting population of CONFIG to a Parquet file.

    \b
    Example:
        wsw-sim population configs/soweco_2019.toml --out runs/population.parquet
    """
    from sim.runs.launch import export_population

    click.echo(export_population(config, out))
    click.echo(str(out))


@cli.command()
@run_dir_argument
@click.option("--top", default=15, show_default=True, help="Rows of the z-table to print (worst first).")
@click.option("--z-limit", default=4.0, show_default=True, help="Fail when any |z| exceeds this.")
@bad_input_exits_2
def validate(run_dir: Path, top: int, z_limit: float) -> None:
    """Compare the batch means in RUN_DIR with the exact demography oracle.

    For every scenario, municipality, year and quantity (persons and SE at 31 December, exits by reason and
    inflow during the year): z = (mean - expected) / sqrt(variance / replications). Exits with code 1 when
    any |z| exceeds the limit, and says where. A national run also shows the backcast.

    \b
    Example:
        wsw-sim validate runs/smoke-20190101
    """
    from sim.checks.validate import validate_run

    show_check(validate_run(run_dir, top, z_limit))


@cli.command()
@run_dir_argument
@click.option("--scenario", default=None, help="Scenario to show (default: the config's first).")
@bad_input_exits_2
def backcast(run_dir: Path, scenario: str | None) -> None:
    """Simulated national persons and SE (scaled up by 1/scale) against the observed figures.

    The observed figures and the tolerance are in the config's [calibration] table. Exits with code 1 when
    a simulated mean is further from an observed figure than the tolerance.

    \b
    Example:
        wsw-sim run configs/national_2016.toml --reps 200 --seed 2016 --out runs
        wsw-sim backcast runs/national_2016-2016
    """
    from sim.checks.validate import backcast_run

    show_check(backcast_run(run_dir, scenario))


@cli.command()
@config_argument
@bad_input_exits_2
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
@out_file("Parquet file.")
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
@bad_input_exits_2
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
@period_options
@exploration_option
@bad_input_exits_2
def report(run_dir: Path, out: Path, lang: str, baseline: str | None, exploration: Path | None, **period: Any) -> None:
    """Write the report of RUN_DIR: the decision page, a page per municipality, the region, the assumptions.

    Every choice not given comes from the [analysis] table of the run's config, as in `wsw-sim compare`.
    --exploration adds the band from the parameters and, per municipality, what decides.

    \b
    Example:
        wsw-sim report runs/20190101-abc --out report.html --lang en
        wsw-sim report runs/20190101-abc --out report.pdf --exploration runs/soweco-morris
    """
    from analysis.report import write_report

    try:
        path = write_report(run_dir, out, lang, baseline, exploration=exploration, **period)  # type: ignore[arg-type]
    except OSError as exc:
        raise ConfigError(out, "", f"cannot be written ({exc.strerror or exc})") from None
    click.echo(str(path))


@cli.command()
@run_dir_argument
@click.option("--baseline", default=None, help="Scenario A [the config's analysis.baseline].")
@click.option("--alternative", required=True, help="Scenario B; differences are B - A.")
@period_options
@click.option("--base-year", type=int, default=None, help="Year values are discounted to [the first year].")
@click.option("--value", default="municipal_contribution_eur", show_default=True, help="A finance column.")
@bad_input_exits_2
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
@executor_options
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Folder that receives the run folder.")
@click.option("--run-id", help="Name of the run folder [UTC time stamp plus a hash of config, seed and reps].")
@click.option("--scenario", "scenarios", multiple=True, help="Run only this scenario (repeatable) [all].")
@click.option("--chunk-size", type=int, help="Replications per chunk file [reps/20, at most 25].")
@click.option("--resume", type=click.Path(path_type=Path, file_okay=False), help="Finish the run in this folder.")
@set_option
@click.option(
    "--target-se", type=float, default=None, help="Add chunks until every paired difference's SE is below this (EUR)."
)
@click.option(
    "--max-reps", type=int, default=None, help="With --target-se: stop at this many replications [10 x --reps]."
)
@click.option("--quiet", is_flag=True, help="No progress bar and no summary (the run folder is still printed).")
@bad_input_exits_2
def run(config: Path | None, quiet: bool, **options: Any) -> None:
    """Run a batch of CONFIG into OUT/<run-id>/, or finish one with --resume; prints the run folder last.

    Exit 0 when every chunk is written, 1 when some failed or the run was interrupted (resume it), 2 for bad
    input. A resumed run checks the files of every chunk marked done and runs again any missing or damaged.

    \b
    Example:
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --workers 2 --out runs
        wsw-sim run --resume runs/20190101T000000Z-1a2b3c4d
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --out /shared/runs \\
            --executor dask --scheduler tcp://10.0.0.5:8786
        wsw-sim run configs/soweco_2019.toml --reps 200 --seed 1 --out runs --set money.wage_cost_eur_per_se=31000
        wsw-sim run configs/soweco_2019.toml --reps 50 --seed 1 --out runs --target-se 100000 --max-reps 2000
    """
    from sim.runs.launch import launch

    _finish(launch(config, show_progress=not quiet and sys.stderr.isatty(), **options), quiet)


def _finish(result: Any, quiet: bool) -> None:
    """The summary and problems of a batch or exploration on stderr, its folder on stdout; exit 1 if incomplete."""
    from sim.runs.launch import problems, summary

    if not quiet:
        click.echo(summary(result), err=True)
    for line in problems(result):
        click.echo(line, err=True)
    click.echo(str(result.run_dir))
    if result.status != "complete":
        sys.exit(1)


@cli.command()
@config_argument
@click.option("--design", "kind", required=True, help="lhs, sobol (Saltelli) or morris.")
@click.option(
    "--samples", type=int, required=True, help="LHS points; Sobol base samples (a power of two); Morris trajectories."
)
@click.option("--reps-per-point", type=int, default=1, show_default=True, help="Replications at each design point.")
@click.option("--seed", type=int, required=True, help="Root seed of the design and of the replications' streams.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder that receives the run folder.",
)
@click.option(
    "--param", "params", multiple=True, help="Vary only this config path (repeatable) [every ranged parameter]."
)
@executor_options
@click.option("--run-id", help="Name of the run folder [UTC time stamp plus a hash].")
@click.option("--chunk-size", type=int, help="Design points per chunk file [at most 8].")
@set_option
@click.option("--quiet", is_flag=True, help="No progress bar and no summary (the run folder is still printed).")
@bad_input_exits_2
def explore(config: Path, quiet: bool, **options: Any) -> None:
    """Run every scenario of CONFIG at each point of a design over its ranged parameters; prints the run folder.

    Writes `experiments` (each point's parameter values) and `outcomes` (per point, replication, scenario and
    municipality: the discounted contribution over the [analysis] horizon, its difference from the baseline,
    placements, waits, first year below viability). Replication r of every point uses the same random streams.

    \b
    Example:
        wsw-sim explore configs/soweco_2019.toml --design morris --samples 10 --reps-per-point 2 \\
            --seed 1 --workers 2 --out runs
        wsw-sim sensitivity runs/<run-id>
    """
    from sim.runs.launch import explore as start

    _finish(start(config, show_progress=not quiet and sys.stderr.isatty(), **options), quiet)


@cli.command()
@run_dir_argument
@click.option("--outcome", default="contribution_npv_diff_eur", show_default=True, help="An outcomes column.")
@click.option("--scenario", default=None, help="Scenario analysed [the first that is not the baseline].")
@click.option("--top", default=5, show_default=True, help="Parameters printed per municipality.")
@click.option("--discover", is_flag=True, help="Also (for an lhs design: only) find where the scenario is cheaper.")
@click.option(
    "--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True, help="Language of --discover."
)
@bad_input_exits_2
def sensitivity(run_dir: Path, outcome: str, scenario: str | None, top: int, discover: bool, lang: str) -> None:
    """Which assumptions decide: the sensitivity indices of an exploration (RUN_DIR from `wsw-sim explore`).

    Per municipality and total, the mean outcome of each point, with the design's method: Morris mu* (mean
    absolute effect of a parameter over its range, in the outcome's unit) and sigma, or Sobol S1 and ST (shares
    of the variance); kept as the run's `sensitivity` table, printed most influential first. --discover: PRIM
    boxes where the scenario is cheaper than the baseline, in plain words.

    \b
    Example:
        wsw-sim sensitivity runs/<run-id> --scenario per_municipality --discover
    """
    from analysis.exploration import sensitivity_report

    for line in sensitivity_report(run_dir, outcome, scenario, top, discover, lang):
        click.echo(line)


@cli.command()
@config_argument
@click.option("--param", "path", required=True, help="Config path of the parameter searched over its range.")
@click.option("--baseline", required=True, help="Scenario A.")
@click.option("--alternative", required=True, help="Scenario B; the difference is B - A.")
@click.option("--municipality", default="total", show_default=True, help="A municipality, or total.")
@click.option("--reps", type=int, default=50, show_default=True, help="Replications at every value (the same ones).")
@click.option("--seed", type=int, default=1, show_default=True, help="Root seed of those replications.")
@keep_option
@set_option
@bad_input_exits_2
def breakeven(
    config: Path, path: str, overrides: tuple[str, ...], seed: int, out: Path | None, **question: Any
) -> None:
    """The value of one parameter at which B costs the municipality what A does (mean paired difference zero).

    The difference is the discounted municipal contribution over the [analysis] horizon, B - A, averaged over
    the same replications (common random numbers) at every value tried; Brent's method finds its zero in
    the parameter's range. The last line is `PATH = VALUE (95% CI LOW to HIGH)`, the interval where the mean
    +/- 1.96 standard errors crosses zero, or `PATH: no break-even between LOW and HIGH`. --out FOLDER keeps
    it as JSON in FOLDER/breakeven/; with an exploration's folder, `report --exploration` shows it.

    \b
    Example:
        wsw-sim breakeven configs/soweco_2019.toml --param organisations.defaults.fixed_overhead_eur_per_year \\
            --baseline shared --alternative per_municipality --municipality Hellendoorn --reps 40 --seed 1
    """
    from sim.runs.breakeven import break_even, number, write_result

    def show(x: float, mean: float, se: float) -> None:
        click.echo(f"  {path} = {number(x)}: mean difference {round(mean):,} EUR (SE {round(se):,})", err=True)

    loaded = load_config(config, overrides)
    if out is not None and not out.is_dir():  # before the search, not after minutes of it
        raise ConfigError("--out", str(out), "is not an existing folder")
    result = break_even(loaded, path, root_seed=seed, progress=show, **question)
    if out is not None:
        click.echo(str(write_result(result, out, loaded, {**question, "seed": seed}, overrides)), err=True)
    click.echo(result.line())


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
