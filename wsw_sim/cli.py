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

from sim.inputs.config import load_config
from wsw_sim.options import bad_input_exits_2, config_argument, out_file, period_options, run_dir_argument


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


def _show(report: Any) -> None:
    """Print a check's lines, its failure on stderr, and exit 1 when it failed."""
    for line in report.lines:
        click.echo(line)
    if report.failure is not None:
        click.echo(report.failure, err=True)
        sys.exit(1)


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

    _show(validate_run(run_dir, top, z_limit))


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

    _show(backcast_run(run_dir, scenario))


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
@bad_input_exits_2
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
    from analysis.report import write_report
    from sim.errors import ConfigError

    try:
        path = write_report(run_dir, out, lang, baseline, from_year, to_year, discount_rate)  # type: ignore[arg-type]
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
@click.option("--workers", type=int, default=None, help="Worker processes of the local executor [1].")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Folder that receives the run folder.")
@click.option("--run-id", help="Name of the run folder [UTC time stamp plus a hash of config, seed and reps].")
@click.option("--scenario", "scenarios", multiple=True, help="Run only this scenario (repeatable) [all].")
@click.option("--chunk-size", type=int, help="Replications per chunk file [reps/20, at most 25].")
@click.option("--executor", type=click.Choice(["local", "dask"]), default=None, help="Where chunks run [local].")
@click.option("--scheduler", help="Dask scheduler address, tcp://HOST:PORT (with --executor dask).")
@click.option("--resume", type=click.Path(path_type=Path, file_okay=False), help="Finish the run in this folder.")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary (the run folder is still printed).")
@bad_input_exits_2
def run(config: Path | None, quiet: bool, **options: Any) -> None:
    """Run a batch of CONFIG into OUT/<run-id>/, or finish one with --resume; prints the run folder last.

    Exit 0 when every chunk is written, 1 when some failed or the run was interrupted (resume it), 2 for bad
    input. A resumed run checks the files of every chunk marked done and runs again any that is missing or
    damaged.

    \b
    Example:
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --workers 2 --out runs
        wsw-sim run --resume runs/20190101T000000Z-1a2b3c4d
        wsw-sim run configs/soweco_2019.toml --reps 1000 --seed 1 --out /shared/runs \\
            --executor dask --scheduler tcp://10.0.0.5:8786
    """
    from sim.runs.launch import launch, problems, summary

    result = launch(config, show_progress=not quiet and sys.stderr.isatty(), **options)
    if not quiet:
        click.echo(summary(result), err=True)
    for line in problems(result):
        click.echo(line, err=True)
    click.echo(str(result.run_dir))
    if result.status != "complete":
        sys.exit(1)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
