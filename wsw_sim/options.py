"""Arguments and options shared by the `wsw-sim` commands, as reusable decorators, and the bad-input rule.

Exit codes: 0 success, 2 bad input (config, file, arguments), 1 anything else. Bad input never shows a
traceback: a `ConfigError` (an `analysis.RunError` is one) becomes one message on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from sim.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def show_check(report: Any) -> None:
    """Print a check's lines (`validate`, `backcast`), its failure on stderr, and exit 1 when it failed."""
    for line in report.lines:
        click.echo(line)
    if report.failure is not None:
        click.echo(report.failure, err=True)
        sys.exit(1)


def bad_input_exits_2(func: F) -> F:
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
"""A TOML config file."""

run_dir_argument = click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
"""A run folder written by `wsw-sim run`."""


def out_file(kind: str) -> Callable[[F], F]:
    """`--out FILE`, required: the file a command writes (`kind` says which, e.g. 'Parquet file.')."""
    return click.option("--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False), help=kind)


def period_options(func: F) -> F:
    """`--from-year`, `--to-year` and `--discount-rate`: the years money is added up over, and its discounting.

    Each defaults to the run config's `[analysis]` table (`horizon`, `discount_rate`): one definition of cost
    for the report, `compare` and the analysis package.
    """
    func = click.option(
        "--discount-rate", type=float, default=None, help="Yearly discount rate [analysis.discount_rate]."
    )(func)
    func = click.option("--to-year", type=int, default=None, help="Last year added up [analysis.horizon].")(func)
    return click.option("--from-year", type=int, default=None, help="First year added up [analysis.horizon].")(func)


exploration_option = click.option(
    "--exploration",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="A run folder of `wsw-sim explore` on the same config: the band from the parameters and what decides.",
)
"""`report --exploration EXPLORE_DIR`: an exploration shown next to the batch's chance band."""

keep_option = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep the result as JSON in OUT/breakeven/ (an exploration's folder: its report shows it).",
)
"""`breakeven --out FOLDER`: where the result is kept for the report."""

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Set one parameter by its config path (repeatable), e.g. --set money.wage_cost_eur_per_se=31000.",
)
"""`--set PATH=VALUE`: a parameter changed without editing the config (recorded in the manifest)."""


def executor_options(func: F) -> F:
    """`--workers`, `--executor` and `--scheduler`: where the chunks of a batch or an exploration run."""
    func = click.option("--scheduler", help="Dask scheduler address, tcp://HOST:PORT (with --executor dask).")(func)
    func = click.option(
        "--executor", type=click.Choice(["local", "dask"]), default=None, help="Where chunks run [local]."
    )(func)
    return click.option("--workers", type=int, default=None, help="Worker processes of the local executor [1].")(func)
