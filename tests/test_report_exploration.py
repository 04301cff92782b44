"""The report with an exploration (`report RUN --exploration DIR`): the band from the parameters on the decision
page, what decides on every municipality's page (and the region's), the kept break-even values; all recomputed
here from the exploration's outcomes with pandas and `analysis.sensitivity`."""

from __future__ import annotations

import html as html_text
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from analysis_fixture import build_run
from click.testing import CliRunner
from pydantic import BaseModel

import analysis
from analysis.exploration import write_indices
from analysis.load import load, manifest
from analysis.load import sensitivity as sensitivity_table
from analysis.parameter_names import DUTCH
from analysis.report import render
from analysis.report.decides import band_sentence, label, same_config
from analysis.report.format import Formatter
from analysis.sensitivity import morris_indices, ranking
from sim.inputs.config import load_config
from sim.runs.breakeven import BreakEven, write_result
from wsw_sim.cli import cli

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"
WIDE = "organisations.defaults.fixed_overhead_eur_per_year"
GOVERNANCE = "organisations.defaults.governance_eur_per_year"
NARROW = "money.wage_subsidy_eur_per_se"
ALTERNATIVE = "per_municipality"
BLOCK = re.compile(r'<div class="decides-alternative" data-scenario="([^"]+)">(.*?)</table>', re.S)
ROW = re.compile(r"<tr><td>([^<]*)</td><td><span data-value=\"([^\"]+)\">", re.S)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A batch of the smoke config (and a third scenario the exploration lacks), and a Morris exploration of
    three of its parameters, 1 replication a point; a break-even result kept in the exploration's folder."""
    parent = tmp_path_factory.mktemp("runs")
    batch = build_run(parent, replications=4)
    args = ["explore", str(SMOKE), "--design", "morris", "--samples", "4", "--seed", "3", "--out", str(parent)]
    args += ["--run-id", "explored", "--param", WIDE, "--param", GOVERNANCE, "--param", NARROW]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    explored = parent / "explored"
    result = BreakEven(path=WIDE, low=250000.0, high=1000000.0, value=512345.5, ci_low=400000.25, ci_high=None)
    question = {"baseline": "shared", "alternative": ALTERNATIVE, "municipality": "Almelo", "reps": 4, "seed": 1}
    write_result(result, explored, load_config(SMOKE), question, [f"{NARROW}=14000"])
    return batch, explored


@pytest.fixture(scope="module")
def pages(runs: tuple[Path, Path]) -> dict[str, str]:
    batch, explored = runs
    return {
        "en": render(batch, "en", exploration=explored),
        "nl": render(batch, "nl", exploration=explored, with_charts=False),
    }


def _point_means(explored: Path) -> pd.DataFrame:
    """The mean paired difference per design point (rows) and municipality (columns), with pandas."""
    rows = load(explored, "outcomes", filters={"scenario": ALTERNATIVE})
    return rows.groupby(["point", "municipality"])["contribution_npv_diff_eur"].mean().unstack("municipality")


def _section(page: str, municipality: str) -> str:
    found = re.search(rf'<section class="municipality" id="[^"]+" data-municipality="{municipality}">', page)
    assert found, municipality
    start = found.start()
    return page[start : page.index("</section>", start)]


def _cell(page: str, municipality: str, scenario: str, measure: str) -> str:
    row = re.search(rf'<tr data-municipality="{municipality}".*?</tr>', page, re.S)
    assert row, municipality
    cell = re.search(rf'data-scenario="{scenario}" data-measure="{measure}">(.*?)</td>', row.group(0), re.S)
    assert cell, (municipality, scenario, measure)
    return cell.group(1)


def test_the_loaders_read_the_exploration_tables(runs: tuple[Path, Path]) -> None:
    _, explored = runs
    experiments = analysis.experiments(explored)
    assert set(experiments.columns) == {"point", NARROW, WIDE, GOVERNANCE}
    assert len(experiments) == manifest(explored)["replications"] == 16  # Morris: 4 trajectories x (3 + 1)
    outcomes = analysis.outcomes(explored, filters={"scenario": ALTERNATIVE})
    assert len(outcomes) == 16 * 3 and set(outcomes["municipality"]) == {"Almelo", "Tubbergen", "total"}
    assert sensitivity_table(explored).empty  # nothing kept until `wsw-sim sensitivity` runs


def test_the_band_from_the_parameters_is_the_5th_to_95th_percentile_of_the_point_means(
    runs: tuple[Path, Path], pages: dict[str, str]
) -> None:
    _, explored = runs
    means = _point_means(explored)
    for lang, page in pages.items():
        decision = page[: page.index("</section>")]
        for municipality in ("Almelo", "Tubbergen", "total"):
            band = _cell(decision, municipality, ALTERNATIVE, "band_parameters")
            values = [float(v) for v in re.findall(r'data-value="([^"]+)"', band)]
            assert values == list(np.percentile(means[municipality], [5, 95])), (lang, municipality)
            share = _cell(decision, municipality, ALTERNATIVE, "cheaper_share_parameters")
            assert f'data-value="{float((means[municipality] < 0).mean())!r}"' in share
            assert "data-value" in _cell(decision, municipality, ALTERNATIVE, "band_chance")  # the chance band stays
            assert _cell(decision, municipality, "merge_2027", "band_parameters") == "–"  # not explored
        label = {"en": "90 of 100 parameter sets", "nl": "90 van 100 sets aannames"}[lang]
        assert label in decision and ("explored" in decision)


def test_what_decides_ranks_as_morris_on_the_outcomes(runs: tuple[Path, Path], pages: dict[str, str]) -> None:
    _, explored = runs
    means = _point_means(explored)
    experiments = analysis.experiments(explored).set_index("point")
    design = manifest(explored)["design"]
    bounds = {n: (lo, hi) for n, lo, hi in zip(design["names"], design["low"], design["high"], strict=True)}
    experiments = experiments[design["names"]]
    for municipality in ("Almelo", "Tubbergen"):
        expected = morris_indices(experiments, means[municipality].tolist(), bounds)
        mu_star = expected[expected["index"] == "mu_star"].set_index("parameter")["value"]
        for page in pages.values():
            ((scenario, block),) = BLOCK.findall(_section(page, municipality))
            rows = ROW.findall(block)
            shown = [html_text.unescape(name).rsplit("(", 1)[-1].rstrip(")") for name, _ in rows]
            assert scenario == ALTERNATIVE and shown == ranking(expected)
            assert [float(v) for *_, v in rows] == [mu_star[p] for p in shown]
    en = pages["en"]
    assert "What decides" in _section(en, "Almelo") and "Wat de doorslag geeft" in _section(pages["nl"], "Almelo")
    assert 'id="decides-region"' in en and "Joint governance layer" in en  # the field's description as label
    chart = re.search(
        r'id="chart-decides_per_municipality_Almelo">\s*<img class="chart" src="data:image/png;base64,'
        r'[^"]+" alt="([^"]+)"',
        en,
    )
    assert chart and "Bar chart" in chart.group(1)


def test_where_it_is_cheaper_is_said_in_both_languages(pages: dict[str, str]) -> None:
    assert "For Almelo, per_municipality is cheaper than shared" in _section(pages["en"], "Almelo")
    assert "Voor Almelo is per_municipality goedkoper dan shared" in _section(pages["nl"], "Almelo")


def test_kept_indices_are_read_when_present(runs: tuple[Path, Path]) -> None:
    batch, explored = runs
    done = CliRunner().invoke(cli, ["sensitivity", str(explored), "--scenario", ALTERNATIVE])
    assert done.exit_code == 0, done.output
    kept = sensitivity_table(explored)
    assert set(kept["municipality"]) == {"Almelo", "Tubbergen", "total"}
    write_indices(explored, kept.assign(value=kept["value"] * 3))  # marked: the report must show these
    page = render(batch, "en", exploration=explored, with_charts=False)
    ((_, block),) = BLOCK.findall(_section(page, "Tubbergen"))
    lead = kept[(kept["municipality"] == "Tubbergen") & (kept["index"] == "mu_star")]
    first = ROW.findall(block)[0]
    assert float(first[1]) == float(lead["value"].max() * 3)


def test_a_kept_break_even_shows_on_its_municipality_page(pages: dict[str, str]) -> None:
    almelo, tubbergen = _section(pages["en"], "Almelo"), _section(pages["en"], "Tubbergen")
    assert "Break-even" in almelo and "Break-even" not in tubbergen
    assert 'data-value="512345.5"' in almelo and 'data-value="400000.25"' in almelo and "above 1,000,000" in almelo
    assert f"{NARROW}=14000" in almelo.replace("\u200b", "")  # the path may break after its dots
    assert "Omslagpunt" in _section(pages["nl"], "Almelo")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--exploration", "BATCH"], "not an exploration"),
        (["--exploration", "EXPLORED", "--discount-rate", "0.05"], "discounted at 5.00%"),
        (["--exploration", "EXPLORED", "--baseline", "merge_2027"], "baseline shared"),
    ],
)
def test_a_wrong_exploration_is_exit_2_and_one_line(
    runs: tuple[Path, Path], tmp_path: Path, extra: list[str], words: str
) -> None:
    batch, explored = runs
    extra = [{"BATCH": str(batch), "EXPLORED": str(explored)}.get(a, a) for a in extra]
    done = CliRunner().invoke(cli, ["report", str(batch), "--out", str(tmp_path / "r.html"), *extra])
    assert done.exit_code == 2 and words in done.output, done.output
    assert len(done.output.strip().splitlines()) == 1 and not (tmp_path / "r.html").exists()


def test_an_exploration_has_no_report_of_its_own(runs: tuple[Path, Path], tmp_path: Path) -> None:
    _, explored = runs
    done = CliRunner().invoke(cli, ["report", str(explored), "--out", str(tmp_path / "r.html")])
    assert done.exit_code == 2 and f"--exploration {explored}" in done.output


def test_parameters_are_named_by_their_field_description() -> None:
    config = load_config(SMOKE)
    assert label(config, WIDE) == "Fixed overhead of one organisation, EUR a year"
    assert label(config, "organisations.overrides.Almelo.fixed_overhead_eur_per_year").endswith(", EUR a year (Almelo)")
    assert label(config, "demography.illness.bands[1].hazard_per_year").endswith("(45+)")
    for no_description in ("organisations.defaults.staffing_review_weeks", "money.wage_index_by_year.2031", "a.b"):
        assert label(config, no_description) == no_description


def test_an_lhs_exploration_gives_the_band_and_the_boxes_but_no_ranking(runs: tuple[Path, Path]) -> None:
    batch, explored = runs
    args = ["explore", str(SMOKE), "--design", "lhs", "--samples", "8", "--seed", "3", "--out", str(explored.parent)]
    done = CliRunner().invoke(cli, [*args, "--run-id", "lhs", "--param", WIDE, "--param", GOVERNANCE])
    assert done.exit_code == 0, done.output
    page = render(batch, "nl", exploration=explored.parent / "lhs", with_charts=False)
    almelo = _section(page, "Almelo")
    assert "rangschikt geen aannames" in almelo and "Voor Almelo is per_municipality goedkoper" in almelo
    assert not BLOCK.findall(almelo)  # no table of indices
    means = _point_means(explored.parent / "lhs")
    band = _cell(page[: page.index("</section>")], "total", ALTERNATIVE, "band_parameters")
    assert [float(v) for v in re.findall(r'data-value="([^"]+)"', band)] == list(np.percentile(means["total"], [5, 95]))


def test_the_two_bands_say_what_moves_them() -> None:
    # the futures band holds the batch's drawn assumptions when it drew any; the parameter band's caveats
    # follow the design (a Morris grid) and the futures per point (fewer than 10)
    def explored(kind: str, reps: int) -> SimpleNamespace:
        run = SimpleNamespace(experiments=pd.DataFrame({"a": [0.0] * 8, "b": [1.0] * 8}), kind=kind)
        return SimpleNamespace(run=run, reps_per_point=reps, run_id="x")

    fmt = Formatter("en", False)
    plain = band_sentence(explored("morris", 1), fmt)  # type: ignore[arg-type]
    assert "is chance alone" in plain and "8 combinations of 2 assumptions" in plain
    assert "each in the same 1 simulated future(s)" in plain and "Morris design" in plain and "firmer" in plain
    drawn = band_sentence(explored("sobol", 20), fmt, parameters_drawn=3)  # type: ignore[arg-type]
    assert "chance and 3 assumptions drawn anew for each future" in drawn and "chance alone" not in drawn
    assert "Morris" not in drawn and "firmer" not in drawn
    nl = band_sentence(explored("lhs", 10), Formatter("nl", False), parameters_drawn=2)  # type: ignore[arg-type]
    assert "toeval en 2 aannames" in nl and "Morris" not in nl and "steviger" not in nl


def _copy_with_breakeven(explored: Path, tmp_path: Path, edit: dict[str, object], drop: str | None = None) -> Path:
    copy = tmp_path / "explored"
    shutil.copytree(explored, copy)
    (kept,) = (copy / "breakeven").glob("*.json")
    record = json.loads(kept.read_text())
    record.update(edit)
    if drop:
        del record[drop]
    kept.write_text(json.dumps(record))
    return copy


def test_a_break_even_file_that_is_not_one_is_exit_2_naming_the_file_and_field(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    batch, explored = runs
    for edit, drop, field in (({}, "path", "path"), ({"low": "abc"}, None, "low")):
        copy = _copy_with_breakeven(explored, tmp_path / field, edit, drop)
        out = tmp_path / field / "r.html"
        done = CliRunner().invoke(cli, ["report", str(batch), "--out", str(out), "--exploration", str(copy)])
        assert done.exit_code == 2 and ".json: " + field in done.output, done.output
        assert "Traceback" not in done.output and not out.exists()


def test_a_break_even_of_another_definition_of_cost_is_not_shown(runs: tuple[Path, Path], tmp_path: Path) -> None:
    batch, explored = runs
    copy = _copy_with_breakeven(explored, tmp_path, {"discount_rate": 0.07})
    assert "Break-even" not in _section(render(batch, "en", exploration=copy, with_charts=False), "Almelo")


def test_an_exploration_of_another_config_is_said(runs: tuple[Path, Path], pages: dict[str, str]) -> None:
    batch, explored = runs  # the batch's config has a third scenario: another config than the exploration's
    assert not same_config(batch, explored) and same_config(explored, explored)
    assert "ran another config" in pages["en"] and "andere configuratie" in pages["nl"]


def test_every_described_field_has_a_dutch_name_and_the_dutch_report_uses_it(pages: dict[str, str]) -> None:
    import sim.inputs.config.demography as demography_config
    import sim.inputs.config.organisations as organisations_config

    described = {
        name
        for module in (organisations_config, demography_config)
        for model in vars(module).values()
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == module.__name__
        for name, info in model.model_fields.items()
        if info.description
    }
    assert described and described <= set(DUTCH), sorted(described - set(DUTCH))
    config = load_config(SMOKE)
    assert label(config, WIDE, "nl") == "Vaste overhead van één organisatie, euro per jaar"
    assert label(config, "organisations.overrides.Almelo.fixed_overhead_eur_per_year", "nl").endswith("(Almelo)")
    assert "Vaste overhead van één organisatie" in pages["nl"] and "Fixed overhead of one organisation" in pages["en"]
