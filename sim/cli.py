"""The `wsw-sim` command: thin click commands that parse, call one library function and print a summary.

Exit codes: 0 success, 2 bad input (config, file, arguments), 1 anything else. Bad input never shows a
traceback: `ConfigError` (and click's own usage errors) become one message on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from sim.config import ConfigError, load_config

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
    from sim.replication import Model

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
    from sim.population import write_population
    from sim.replication import Model

    model = Model.prepare(load_config(config))
    try:
        write_population(model.population, out)
    except OSError as exc:
        raise ConfigError(out, "", f"cannot be written ({exc.strerror or exc})") from None
    pop = model.population
    start = model.config.horizon.start_year * 12
    click.echo(f"{len(pop)} persons, {pop.se.sum():.1f} SE, mean age {pop.age_years(start).mean():.1f} at the start")
    click.echo(str(out))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
