"""Which assumptions decide, end to end: explore, then sensitivity ranks a planted effect first; PRIM in words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.load import load
from wsw_sim.cli import cli

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"
WIDE = "organisations.defaults.fixed_overhead_eur_per_year"
NARROW = "money.wage_subsidy_eur_per_se"


def _planted_config(tmp_path: Path) -> Path:
    """Smoke with the overhead over a very wide range and the wage subsidy over a narrow one."""
    text = SMOKE.read_text(encoding="utf-8")
    text, wide = re.subn(
        r"fixed_overhead_eur_per_year = \{ value = 600000, low = \d+, high = \d+",
        ("fixed_overhead_eur_per_year = { value = 600000, low = 0, high = 5000000"),
        text,
    )
    text, narrow = re.subn(
        r"wage_subsidy_eur_per_se = \{ value = 14000, low = \d+, high = \d+",
        ("wage_subsidy_eur_per_se = { value = 14000, low = 13900, high = 14100"),
        text,
    )
    assert wide == narrow == 1
    path = tmp_path / "planted.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _explore(tmp_path: Path, design: str, samples: int) -> Path:
    args = ["explore", str(_planted_config(tmp_path)), "--design", design, "--samples", str(samples)]
    args += ["--seed", "3", "--out", str(tmp_path / "runs"), "--run-id", design, "--param", WIDE, "--param", NARROW]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    return tmp_path / "runs" / design


@pytest.mark.parametrize(("design", "samples", "lead"), [("morris", 4, "mu_star"), ("sobol", 8, "ST")])
def test_a_planted_effect_ranks_first_for_every_municipality(tmp_path: Path, design: str, samples: int, lead: str):
    run_dir = _explore(tmp_path, design, samples)
    done = CliRunner().invoke(cli, ["sensitivity", str(run_dir), "--scenario", "per_municipality"])
    assert done.exit_code == 0, done.output
    firsts = [line for line in done.output.splitlines() if line.startswith("  1. ")]
    assert len(firsts) == 3 and all(WIDE in line for line in firsts), done.output
    table = load(run_dir, "sensitivity")
    assert set(table["municipality"]) == {"Almelo", "Tubbergen", "total"} and set(table["method"]) == {design}
    led = table[(table["index"] == lead)].set_index(["municipality", "parameter"])["value"]
    for municipality in ("Almelo", "Tubbergen", "total"):
        assert led[(municipality, WIDE)] > 10 * abs(led[(municipality, NARROW)])


def test_an_lhs_exploration_gives_boxes_not_indices(tmp_path: Path) -> None:
    run_dir = _explore(tmp_path, "lhs", 16)
    done = CliRunner().invoke(cli, ["sensitivity", str(run_dir)])
    assert done.exit_code == 2 and "--discover" in done.output
    done = CliRunner().invoke(cli, ["sensitivity", str(run_dir), "--discover"])
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 3 and all(", per_municipality is cheaper than shared" in line for line in lines)
    assert lines[0].startswith("For Almelo, ") and lines[-1].startswith("For the region, ")


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--scenario", "nope"], "not in the run"), (["--outcome", "nope"], "unknown outcome")],
)
def test_bad_sensitivity_input_is_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    run_dir = _explore(tmp_path, "morris", 2)
    done = CliRunner().invoke(cli, ["sensitivity", str(run_dir), *args])
    assert done.exit_code == 2 and words in done.output and len(done.output.strip().splitlines()) == 1


def test_the_exploration_tables_are_views_for_sql(tmp_path: Path) -> None:
    from analysis.load import query

    run_dir = _explore(tmp_path, "morris", 2)
    got = query(run_dir, "SELECT count(*) AS n FROM outcomes JOIN experiments USING (point)")
    assert int(got["n"].iloc[0]) == len(load(run_dir, "outcomes"))
