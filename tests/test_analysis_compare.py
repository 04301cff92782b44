"""Paired differences against hand computations; net present value; the compare command."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from analysis_fixture import build_run
from click.testing import CliRunner

from analysis.compare import Period, compare, npv, paired_differences, paired_interval, period_totals
from analysis.load import RunError, load
from analysis.summary import TOTAL
from sim.errors import ConfigError
from wsw_sim.cli import cli

T_975_4 = 2.776445  # Student's t, 97.5% quantile, 4 degrees of freedom (tables)


def _finance() -> pd.DataFrame:
    """Baseline A and alternative B, two municipalities, two years; B has a replication A lacks."""
    rows = []
    a = {0: 10.0, 1: 20.0, 2: 30.0, 3: 40.0, 4: 50.0}
    diff = {0: 1.0, 1: 3.0, 2: 2.0, 3: 5.0, 4: 4.0}  # B - A per replication, for Almelo, per year
    for rep in range(5):
        for year in (2021, 2022):
            rows.append(("A", rep, year, "X", "Almelo", a[rep]))
            rows.append(("B", rep, year, "X", "Almelo", a[rep] + diff[rep]))
            rows.append(("A", rep, year, "X", "Tubbergen", 100.0))
            rows.append(("B", rep, year, "Y", "Tubbergen", 90.0 if rep < 4 else 101.0))
    rows.append(("B", 5, 2021, "X", "Almelo", 1e9))  # unpaired: must be left out
    return pd.DataFrame(
        rows, columns=["scenario", "replication", "year", "organisation", "municipality", "municipal_contribution_eur"]
    )


def test_paired_mean_difference_is_mean_of_per_replication_differences() -> None:
    out = paired_differences(_finance(), "A", "B", Period(2021, 2022)).set_index("municipality")
    almelo = out.loc["Almelo"]
    d = [2 * x for x in (1.0, 3.0, 2.0, 5.0, 4.0)]  # two years each
    assert almelo["n"] == 5  # replication 5 exists in B only
    assert almelo["mean_difference"] == pytest.approx(sum(d) / 5)
    sd = math.sqrt(sum((x - 6.0) ** 2 for x in d) / 4)
    assert almelo["sd"] == pytest.approx(sd)
    half = T_975_4 * sd / math.sqrt(5)
    assert almelo["ci_low"] == pytest.approx(6.0 - half, rel=1e-5)
    assert almelo["ci_high"] == pytest.approx(6.0 + half, rel=1e-5)
    assert almelo["p_alternative_cheaper"] == 0.0
    assert almelo["baseline_mean"] == pytest.approx(2 * 30.0)


def test_probability_cheaper_and_total_row() -> None:
    out = paired_differences(_finance(), "A", "B", Period(2021, 2022)).set_index("municipality")
    tub = out.loc["Tubbergen"]
    assert tub["p_alternative_cheaper"] == pytest.approx(4 / 5)  # -20 in four replications, +2 in one
    assert tub["mean_difference"] == pytest.approx((4 * -20 + 2) / 5)
    # the region: per replication the sum of the municipalities' differences
    per_rep = [2 * x + y for x, y in zip((1, 3, 2, 5, 4), (-20, -20, -20, -20, 2), strict=True)]
    assert out.loc[TOTAL]["mean_difference"] == pytest.approx(sum(per_rep) / 5)
    assert list(out.index) == ["Almelo", "Tubbergen", TOTAL]


def test_paired_interval_textbook() -> None:
    mean, low, high = paired_interval([1.0, 3.0, 2.0, 5.0, 4.0])
    half = T_975_4 * math.sqrt(2.5) / math.sqrt(5)
    assert (mean, low, high) == pytest.approx((3.0, 3.0 - half, 3.0 + half), rel=1e-6)
    assert math.isnan(paired_interval([1.0])[1])


def test_npv_by_hand() -> None:
    assert npv({2021: 100.0, 2022: 100.0, 2023: 100.0}, 0.10, 2021) == pytest.approx(100 + 100 / 1.1 + 100 / 1.21)
    assert npv({2021: 100.0, 2022: 100.0}, 0.0, 2021) == pytest.approx(200.0)
    assert npv({2022: 110.0}, 0.10, 2021) == pytest.approx(100.0)


def test_discounted_period_totals_are_npv() -> None:
    fin = _finance()
    totals = period_totals(fin, Period(2021, 2022, 0.05, 2020))
    row = totals[(totals["scenario"] == "A") & (totals["replication"] == 2) & (totals["municipality"] == "Almelo")]
    assert row["total"].iloc[0] == pytest.approx(npv({2021: 30.0, 2022: 30.0}, 0.05, 2020))


def test_period_selects_years() -> None:
    out = paired_differences(_finance(), "A", "B", Period(2022, 2022)).set_index("municipality")
    assert out.loc["Almelo"]["mean_difference"] == pytest.approx(3.0)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run(tmp_path_factory.mktemp("runs"))


def test_compare_on_a_run_matches_direct_pairing(run: Path) -> None:
    table, definition = compare(run, "shared", "per_municipality", 2021, 2030, discount_rate=0.0)
    assert (definition.period.from_year, definition.period.to_year) == (2021, 2030)
    fin = load(run, "finance")
    fin = fin[(fin["year"] >= 2021) & (fin["year"] <= 2030)]
    sums = fin.groupby(["scenario", "replication", "municipality"])["municipal_contribution_eur"].sum()
    d = (sums["per_municipality"] - sums["shared"]).xs("Tubbergen", level="municipality")
    row = table.set_index("municipality").loc["Tubbergen"]
    assert row["n"] == len(d) == 8
    assert row["mean_difference"] == pytest.approx(d.mean())
    assert row["p_alternative_cheaper"] == pytest.approx((d < 0).mean())


def test_compare_defaults_come_from_the_analysis_table(run: Path) -> None:
    """smoke.toml's [analysis]: the first scenario, every year, 3% a year to 2019; explicit arguments win."""
    table, definition = compare(run, None, "per_municipality")
    assert definition.baseline == "shared" and definition.from_config
    assert definition.period == Period(2019, 2030, 0.03, None) and definition.period.base == 2019
    fin = load(run, "finance")
    fin = fin.assign(v=fin["municipal_contribution_eur"] / 1.03 ** (fin["year"] - 2019))
    sums = fin.groupby(["scenario", "replication"])["v"].sum()
    d = sums["per_municipality"] - sums["shared"]
    region = table.set_index("municipality").loc[TOTAL]
    assert region["mean_difference"] == pytest.approx(d.mean(), rel=1e-12)
    assert region["p5"] == pytest.approx(np.percentile(d, 5), rel=1e-12)
    _, other = compare(run, "per_municipality", "shared", discount_rate=0.0, from_year=2025)
    assert other.baseline == "per_municipality" and other.period == Period(2025, 2030, 0.0, None)


def test_a_bad_analysis_table_is_named(run: Path, tmp_path: Path) -> None:
    import json
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["config_toml"] = manifest["config_toml"].replace(
        "chart_min_persons = 10", 'chart_min_persons = 10\nbaseline = "gone"'
    )
    (copy / "manifest.json").write_text(json.dumps(manifest))
    # the run's config is validated as `wsw-sim run` validated it: the error names the field (exit 2)
    with pytest.raises(ConfigError, match=r"analysis\.baseline: 'gone' is not a scenario"):
        compare(copy, None, "per_municipality")
    manifest["config_toml"] = manifest["config_toml"].replace("discount_rate = {", "discount_rate = -1\nx = {")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError, match="analysis"):
        compare(copy, None, "per_municipality")


def test_compare_errors_name_what_is_wrong(run: Path, tmp_path: Path) -> None:
    with pytest.raises(RunError, match="unknown scenario 'nope'"):
        compare(run, "shared", "nope")
    with pytest.raises(RunError, match="outside the run's years"):
        compare(run, "shared", "per_municipality", 2050, 2060)
    no_money = build_run(tmp_path, replications=2, tables=("stocks", "flows"))
    with pytest.raises(RunError, match="no finance table"):
        compare(no_money, "shared", "per_municipality")


def test_compare_command(run: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["compare", str(run), "--baseline", "shared", "--alternative", "per_municipality"])
    assert ok.exit_code == 0, ok.output
    assert "Almelo" in ok.output and "Tubbergen" in ok.output and "total" in ok.output
    assert "8 paired replications" in ok.output
    header = ok.output.splitlines()[0]
    assert header == (
        "definitions: baseline shared; 2019-2030; discounted at 3.00% a year to 2019; nominal EUR; from the config"
    )
    plain = runner.invoke(cli, ["compare", str(run), "--alternative", "per_municipality", "--discount-rate", "0"])
    assert plain.exit_code == 0 and "discounted at 0.00% a year" in plain.output
    bad = runner.invoke(cli, ["compare", str(run), "--baseline", "shared", "--alternative", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(cli, ["compare", str(tmp_path / "x"), "--baseline", "a", "--alternative", "b"])
    assert missing.exit_code == 2 and str(tmp_path / "x") in missing.output
