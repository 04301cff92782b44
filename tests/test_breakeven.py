"""Break-even: the printed value is where the mean paired difference changes sign."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.inputs.config import load_config
from sim.model.replication import Model
from sim.runs.breakeven import BreakEven, paired_difference
from sim.runs.outcomes import cost_definition
from wsw_sim.cli import cli

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"
OVERHEAD = "organisations.defaults.fixed_overhead_eur_per_year"
ARGS = ["breakeven", str(SMOKE), "--param", OVERHEAD, "--baseline", "shared", "--alternative", "per_municipality"]


def test_the_sign_of_the_difference_changes_across_the_printed_value(tmp_path: Path) -> None:
    args = [*ARGS, "--municipality", "Almelo", "--reps", "4", "--seed", "1", "--out", str(tmp_path)]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    last = done.stdout.strip().splitlines()[-1]
    (kept,) = (tmp_path / "breakeven").glob("*.json")  # --out keeps the result for the report
    record = json.loads(kept.read_text(encoding="utf-8"))
    assert record["line"] == last and (record["municipality"], record["reps"], record["seed"]) == ("Almelo", 4, 1)
    assert (record["first_year"], record["last_year"]) == (2019, 2030) and record["discount_rate"] == 0.03
    found = re.fullmatch(
        rf"{re.escape(OVERHEAD)} = ([\d,.]+) \(95% CI (?:below )?([\d,.]+) to (?:above )?([\d,.]+)\)", last
    )
    assert found, last
    value, low, high = (float(g.replace(",", "")) for g in found.groups())
    assert low < value < high
    config = load_config(SMOKE)
    model, definition = Model.prepare(config), cost_definition(config, "shared")
    step = 0.05 * (config.ranged[OVERHEAD].high - config.ranged[OVERHEAD].low)
    below, above = (
        paired_difference(model, OVERHEAD, x, "shared", "per_municipality", "Almelo", [0, 1, 2, 3], 1, definition)[0]
        for x in (value - step, value + step)
    )
    assert below * above < 0, (below, above)


def test_without_a_crossing_the_line_names_the_range() -> None:
    result = BreakEven(path="a.b", low=1.0, high=2.5, value=None, ci_low=None, ci_high=None)
    assert result.line() == "a.b: no break-even between 1 and 2.5"
    result = BreakEven(path="a.b", low=1.0, high=3.0, value=2.0, ci_low=None, ci_high=2.5)
    assert result.line() == "a.b = 2 (95% CI below 1 to 2.5)"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--baseline", "nope"], "is not a scenario"),
        (["--municipality", "Utrecht"], "is not a municipality"),
        (["--param", "viability.min_persons"], "has no range"),
        (["--param", "money.nope"], "not a parameter"),
        (["--reps", "1"], "at least 2"),
        (["--set", f"{OVERHEAD}=abc"], "not a number"),
        (["--out", "/nonexistent/folder"], "is not an existing folder"),
    ],
)
def test_bad_breakeven_input_is_exit_2_and_one_line(extra: list[str], words: str) -> None:
    done = CliRunner().invoke(cli, [*ARGS, *extra])
    assert done.exit_code == 2, done.output
    assert words in done.output and len(done.output.strip().splitlines()) == 1
