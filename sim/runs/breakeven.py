"""Break-even: the value of one parameter at which an alternative costs a municipality what the baseline does.

"What would our own organisation have to achieve to break even?" The mean paired difference B - A of the
discounted contribution over the `[analysis]` horizon (`sim.runs.outcomes.contribution_npv`) is a function of
the parameter; its zero is found by Brent's method (`scipy.optimize.brentq`) over the parameter's range.

Every evaluation runs the same replications 0..n-1 with the same root seed (common random numbers): the
demography draws are then identical at every value, so the mean difference moves smoothly with the parameter,
up to the placement stream's noise (placements follow the simulation, and the simulation follows the value).
The 95% interval is where mean +/- 1.96 standard errors of the paired difference cross zero, found the same
way; where a bound does not cross within the range, the interval is open at that end of the range.

`write_result` keeps a result as `FOLDER/breakeven/<path>--<baseline>--<alternative>--<municipality>[--<hash of
the overrides>].json` (`wsw-sim breakeven --out FOLDER`); with an exploration's run folder as FOLDER, the report
with that exploration shows it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import ConfigError
from sim.inputs.config import Config
from sim.model import replication
from sim.model.replication import Model
from sim.runs import folder as run_folder
from sim.runs.outcomes import TOTAL, CostDefinition, contribution_npv, cost_definition

Z95 = 1.959963984540054
XTOL_SHARE = 1e-4
"""Root-finding tolerance as a share of the parameter's range: far below the Monte Carlo noise."""


@dataclass
class BreakEven:
    """The break-even `value` of `path` (None when the mean difference keeps one sign over [low, high]), its
    95% interval (`ci_low`, `ci_high`; a bound None where it does not cross within the range)."""

    path: str
    low: float
    high: float
    value: float | None
    ci_low: float | None
    ci_high: float | None
    evaluations: list[tuple[float, float, float]] = field(default_factory=list)
    """(parameter value, mean difference, its standard error) of every evaluation, in order (EUR)."""

    def line(self) -> str:
        """`PATH = VALUE (95% CI LOW to HIGH)` or `PATH: no break-even between LOW and HIGH`."""
        if self.value is None:
            return f"{self.path}: no break-even between {number(self.low)} and {number(self.high)}"
        lo = number(self.ci_low) if self.ci_low is not None else f"below {number(self.low)}"
        hi = number(self.ci_high) if self.ci_high is not None else f"above {number(self.high)}"
        return f"{self.path} = {number(self.value)} (95% CI {lo} to {hi})"


def number(value: float) -> str:
    """Whole with thousands separators from 1,000 on (amounts, counts), else six significant digits (rates)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def paired_difference(
    model: Model,
    path: str,
    value: float,
    baseline: str,
    alternative: str,
    municipality: str,
    replications: Sequence[int],
    root_seed: int,
    definition: CostDefinition,
) -> tuple[float, float]:
    """Mean and standard error of alternative - baseline (EUR) over `replications`, with `path` set to `value`."""
    from sim.runs.points import model_at

    at = model_at(model, {path: value})
    runs = [replication.simulate_replication(at, r, root_seed, (baseline, alternative)) for r in replications]
    municipalities = sorted(at.config.municipalities)
    column = len(municipalities) if municipality == TOTAL else municipalities.index(municipality)
    npv = {}
    for scenario in (baseline, alternative):
        finance = replication.collect(runs, scenario).get("finance")
        if finance is None:
            raise ConfigError(at.config.source, f"scenarios.{scenario}", "has no organisations: it has no cost")
        npv[scenario] = contribution_npv(finance, definition, municipalities, list(replications))[:, column]
    diff = npv[alternative] - npv[baseline]
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else math.nan
    return float(diff.mean()), se


def _root(f: Callable[[float], float], low: float, high: float, f_low: float, f_high: float) -> float | None:
    from scipy.optimize import brentq

    if f_low == 0:
        return low
    if f_high == 0:
        return high
    if np.sign(f_low) == np.sign(f_high) or not (math.isfinite(f_low) and math.isfinite(f_high)):
        return None
    return float(brentq(f, low, high, xtol=XTOL_SHARE * (high - low)))


def check_question(config: Config, path: str, baseline: str, alternative: str, municipality: str) -> None:
    """Bad questions are bad input, naming the option."""
    for option, name in (("--baseline", baseline), ("--alternative", alternative)):
        if name not in config.scenarios:
            raise ConfigError(option, name, f"is not a scenario; known: {', '.join(config.scenario_names)}")
    if baseline == alternative:
        raise ConfigError("--alternative", alternative, "is the baseline; choose another scenario")
    if municipality != TOTAL and municipality not in config.municipalities:
        known = ", ".join([*config.municipalities, TOTAL])
        raise ConfigError("--municipality", municipality, f"is not a municipality; known: {known}")
    if path not in config.ranged:
        from sim.runs.design import explored_parameters

        explored_parameters(config, [path])  # says whether it is no parameter or has no range
    check_range = config.ranged[path]
    if check_range.low == check_range.high:
        raise ConfigError(config.source, path, "low equals high: there is no range to search")


def break_even(
    config: Config,
    path: str,
    baseline: str,
    alternative: str,
    municipality: str = TOTAL,
    reps: int = 50,
    root_seed: int = 1,
    progress: Callable[[float, float, float], None] | None = None,
) -> BreakEven:
    """The value of `path` within its range at which the mean paired difference is zero (see the module)."""
    if reps < 2:
        raise ConfigError("--reps", str(reps), "at least 2 replications are needed for a standard error")
    if root_seed < 0:
        raise ConfigError("--seed", str(root_seed), "must be a non-negative integer")
    check_question(config, path, baseline, alternative, municipality)
    spec = config.ranged[path]
    low, high = float(spec.low), float(spec.high)  # type: ignore[arg-type]
    model = Model.prepare(config)
    definition = cost_definition(config, baseline)
    result = BreakEven(path=path, low=low, high=high, value=None, ci_low=None, ci_high=None)
    cache: dict[float, tuple[float, float]] = {}
    replications = list(range(reps))

    def evaluate(x: float) -> tuple[float, float]:
        if x not in cache:
            cache[x] = paired_difference(
                model, path, x, baseline, alternative, municipality, replications, root_seed, definition
            )
            result.evaluations.append((x, *cache[x]))
            if progress is not None:
                progress(x, *cache[x])
        return cache[x]

    def mean(x: float) -> float:
        return evaluate(x)[0]

    def upper(x: float) -> float:
        m, se = evaluate(x)
        return m + Z95 * se

    def lower(x: float) -> float:
        m, se = evaluate(x)
        return m - Z95 * se

    result.value = _root(mean, low, high, mean(low), mean(high))
    if result.value is None:
        return result
    bounds = [_root(g, low, high, g(low), g(high)) for g in (upper, lower)]
    increasing = mean(high) > mean(low)
    # where the mean rises with the parameter, its upper band crosses zero first (at the lower bound)
    result.ci_low, result.ci_high = (bounds[0], bounds[1]) if increasing else (bounds[1], bounds[0])
    return result


def write_result(
    result: BreakEven,
    out: str | Path,
    config: Config,
    question: dict[str, object],
    overrides: Sequence[str] = (),
) -> Path:
    """Keep `result` as JSON in `out/breakeven/`, atomically, with what was asked (`question`: baseline,
    alternative, municipality, reps, seed), the cost definition, the config's name and the overrides, so that
    a report can say what it shows. The same question (parameter, baseline, alternative, municipality and
    overrides) asked again replaces it. `out` must be an existing folder."""
    from sim.runs.store import atomic_write_text, utc_now

    out_dir = Path(out)
    if not out_dir.is_dir():
        raise ConfigError("--out", str(out), "is not an existing folder")
    definition = cost_definition(config, str(question["baseline"]))
    record = {
        **asdict(result),
        **question,
        "line": result.line(),
        "config": config.name,
        "config_source": str(config.source),
        "overrides": list(overrides),
        "first_year": definition.first_year,
        "last_year": definition.last_year,
        "discount_rate": definition.discount_rate,
        "created": utc_now(),
    }
    question_name = f"{result.path}--{question['baseline']}--{question['alternative']}--{question['municipality']}"
    if overrides:  # the same question under other settings is another question
        question_name += "--" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", question_name)
    path = out_dir / run_folder.BREAKEVEN / f"{name}.json"
    try:
        path.parent.mkdir(exist_ok=True)
        atomic_write_text(json.dumps(record, indent=2) + "\n", path)
    except OSError as exc:
        raise ConfigError("--out", str(out), f"cannot be written ({exc.strerror or exc})") from None
    return path
