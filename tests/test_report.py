"""The report renders from a small run: the decision page first, a page per municipality, embedded charts with
their numbers, both languages, what is missing, small-count suppression, an atomic write, and the command."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from analysis_fixture import build_run, config_text
from click.testing import CliRunner
from matplotlib.ticker import MaxNLocator

from analysis import charts
from analysis.load import RunError
from analysis.report import parameter_rows, render, write_report
from analysis.translations import TEXT
from sim.runs import schema
from sim.runs.store import atomic_write_parquet
from wsw_sim.cli import cli

# the region: persons and SE fans, contributions, two paired-difference fans, caseload, waiting time, overhead
# per SE; and one contribution chart on each of the two municipalities' pages
CHARTS = 10
IMG = re.compile(r'<img class="chart" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
SECTION = re.compile(r'<section (?:id="([a-z]+)"|class="municipality" id="[^"]+" data-municipality="([^"]+)")>')


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run(tmp_path_factory.mktemp("runs"), replications=6)


@pytest.fixture(scope="module")
def html(run: Path) -> dict[str, str]:
    return {lang: render(run, lang) for lang in ("en", "nl")}


def _decision(page: str) -> str:
    return page[page.index('<section id="decision">') : page.index("</section>")]


def test_the_decision_page_opens_the_report(html: dict[str, str]) -> None:
    for page in html.values():
        order = [a or f"municipality:{b}" for a, b in SECTION.findall(page)]
        assert order == [
            "decision",
            "municipality:Almelo",
            "municipality:Tubbergen",
            "region",
            "assumptions",
            "provenance",
        ]
        assert page.index('<section id="decision">') < page.index("<nav>")  # nothing but the title before it


def test_decision_table_rows_columns_and_exact_values(html: dict[str, str]) -> None:
    decision = _decision(html["en"])
    rows = re.findall(r'<tr data-municipality="([^"]+)"', decision)
    assert rows == ["Almelo", "Tubbergen", "total"]
    cells = re.findall(r'<td class="[^"]*" data-scenario="([^"]+)" data-measure="([^"]+)">(.*?)</td>', decision)
    per_row = 3 + 2 * 6  # the baseline's people, then per alternative money and people
    assert len(cells) == 3 * per_row
    groups = [(s, m) for s, m, _ in cells[:per_row]]
    baseline = [("shared", "viability_from"), ("shared", "placements"), ("shared", "wait_weeks")]
    assert groups[:4] == [*baseline, ("per_municipality", "extra_cost")]
    assert ("merge_2027", "cheaper_share") in groups
    for _, measure, content in cells:
        values = re.findall(r'data-value="([^"]+)"', content)
        assert values, (measure, content)  # every number carries its exact value
        for v in values:
            assert v == "none" or np.isfinite(float(v))
        if measure == "band_chance":
            low, high = (float(v) for v in values)
            assert low <= high
        if measure == "extra_cost":
            assert abs(float(values[0])) > 1000  # EUR, not millions
    assert 'rowspan="2">Municipality</th>' in decision


def test_at_most_five_plain_sentences_under_the_table(html: dict[str, str]) -> None:
    for page in html.values():
        block = _decision(page).split('<ul class="sentences">')[1].split("</ul>")[0]
        sentences = re.findall(r"<li>(.*?)</li>", block, re.S)
        assert 1 <= len(sentences) <= 5
        for s in sentences:
            assert s.strip().endswith(".") and len(re.findall(r"[.!?](?:\s|$)", s.strip())) == 1, s
    assert "has no experiments" in _decision(html["en"])
    assert "geen experimenten" in _decision(html["nl"])


def test_the_definitions_come_from_the_analysis_table(run: Path, html: dict[str, str]) -> None:
    decision = _decision(html["en"])
    assert "<dt>Compared with</dt><dd>shared</dd>" in decision
    assert "<dt>Years added up</dt><dd>2019-2030</dd>" in decision  # smoke.toml: every year
    assert "3.0% a year, to 2019" in decision and "the [analysis] table of the configuration" in decision
    other = _decision(render(run, "en", baseline="per_municipality", discount_rate=0.0, with_charts=False))
    assert "<dd>per_municipality</dd>" in other and "0.0% a year" in other
    assert 'data-scenario="shared" data-measure="extra_cost"' in other


def test_municipality_pages(html: dict[str, str]) -> None:
    page = html["en"]
    tubbergen = page[page.index('class="municipality" id="municipality-2"') : page.index('<section id="region">')]
    for words in (
        "People (shared)",
        "by form of work",
        "Money over 2019-2030",
        "Its organisation",
        "no &#39;ages&#39;",
    ):
        assert words in tubbergen
    for form in ("beschut_binnen", "begeleid_werken"):
        assert form in tubbergen
    assert len(IMG.findall(tubbergen)) == 1 and "<details>" in tubbergen


def test_every_chart_is_an_embedded_png_with_its_numbers(html: dict[str, str]) -> None:
    for page in html.values():
        images = IMG.findall(page)
        assert len(images) == CHARTS
        for data in images:
            png = base64.b64decode(data)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
        assert page.count("<figure") == page.count("<details>") - 1 == CHARTS  # one more: the config text
        assert 'alt=""' not in page
        assert 'src="http' not in page and "<script" not in page  # self-contained


def test_both_languages(html: dict[str, str]) -> None:
    assert '<html lang="en">' in html["en"] and "The decision at a glance" in html["en"]
    assert '<html lang="nl">' in html["nl"] and "De keuze in één oogopslag" in html["nl"]
    assert "The decision at a glance" not in html["nl"] and "De keuze in één oogopslag" not in html["en"]
    assert "€ 6.000" in html["nl"] and "EUR 6,000" in html["en"]
    leak = r"\b(s|def|group|col|table|chart|prov|missing|money|row|alt|axis)_[a-z_]+\b"
    for page in html.values():  # no untranslated key leaks through (outside the config text and data names)
        text = re.sub(r'data-[a-z]+="[^"]*"', "", page.split("<pre>")[0])
        text = text.split('<section id="assumptions">')[0]
        assert not re.search(leak, re.sub(r"(wage|site|coach|transition|subsidy|added|municipal)_[a-z_]*", "", text))
    assert all(set(entry) == {"en", "nl"} for entry in TEXT.values())


def test_assumptions_and_provenance(run: Path, html: dict[str, str]) -> None:
    en = html["en"]
    assumptions = en[en.index('<section id="assumptions">') : en.index('<section id="provenance">')]
    assert "organisations.defaults.fixed_overhead_eur_per_year" in assumptions
    assert "250000 – 1000000" in assumptions  # its range
    assert "analysis.discount_rate" in assumptions and "analysis.chart_min_persons" in assumptions
    assert "Split in 2021, merged again in 2027" in assumptions
    assert "The thresholds come from the [viability] table" in en
    provenance = en[en.index('<section id="provenance">') :]
    manifest = json.loads((run / "manifest.json").read_text())
    for value in ("0123456789abcdef", str(manifest["root_seed"]), "configs/smoke.toml", "0.1.0"):
        assert value in provenance
    assert "[viability]" in provenance  # the config text as run


def test_missing_tables_are_named(tmp_path: Path) -> None:
    run = build_run(tmp_path, replications=3, tables=("stocks", "flows"))
    page = render(run, "en")
    assert "The run has no &#39;finance&#39; table" in page
    assert "The run has no &#39;organisations&#39; table" in page
    assert len(IMG.findall(page)) == 3  # persons, SE, waiting time
    assert 'data-measure="extra_cost"' not in page and 'data-measure="placements"' in page


def test_default_thresholds_and_definitions_are_announced(tmp_path: Path) -> None:
    run = build_run(tmp_path, replications=2)
    manifest = json.loads((run / "manifest.json").read_text())
    text = manifest["config_toml"]
    manifest["config_toml"] = text.split("[viability]")[0] + text[text.index("[scenarios.merge_2027]") :]
    (run / "manifest.json").write_text(json.dumps(manifest))
    page = render(run, "en", with_charts=False)
    assert 'class="chart"' not in page
    assert "no [viability] table" in page and "fewer than 100 Wsw employees" in page
    decision = _decision(page)  # no [analysis]: the first scenario, every year, undiscounted
    assert "<dd>shared</dd>" in decision and "<dd>2019-2030</dd>" in decision and "0.0% a year" in decision
    assert "defaults (the configuration has no [analysis] table)" in decision


def _tiny_run(parent: Path, population_sha256: str | None) -> Path:
    """A run whose Tubbergen has 3 persons: small counts to suppress when the population is real."""
    run = parent / "tiny"
    years = [2018, 2019, 2020]
    rows: dict[str, list[object]] = {k: [] for k in schema.STOCKS.names}
    for rep in range(4):
        for year in years:
            for muni, persons in (("Almelo", 40 - (year - 2018) - rep), ("Tubbergen", 3)):
                for key, value in zip(
                    schema.STOCKS.names,
                    ("shared", rep, year, muni, "beschut_binnen", persons, persons * 0.9),
                    strict=True,
                ):
                    rows[key].append(value)
    table = schema.conform("stocks", pa.Table.from_pydict(rows))
    atomic_write_parquet(table, run / "stocks" / "scenario=shared" / "part-00000.parquet")
    manifest = {"run_id": "tiny", "scenarios": ["shared"], "config_toml": config_text(), "root_seed": 1}
    if population_sha256:
        manifest["population_sha256"] = population_sha256
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def test_small_counts_suppressed_for_a_real_population(tmp_path: Path) -> None:
    real = render(_tiny_run(tmp_path / "real", "ab" * 32), "en", with_charts=False)
    assert 'id="privacy"' in real and "&lt;5 (&lt;5–&lt;5)" in real
    synthetic = render(_tiny_run(tmp_path / "synthetic", None), "en", with_charts=False)
    assert 'id="privacy"' not in synthetic and "3 (3–3)" in synthetic
    assert "&lt;5" not in synthetic
    assert "The run holds one scenario only" in synthetic


def test_charts_blank_small_counts() -> None:
    q = pd.DataFrame({"year": [2020, 2021], "q05": [10.0, 3.0], "q50": [12.0, 4.0], "q95": [14.0, 6.0]})
    masked = charts._mask_small(q, q)
    assert masked.loc[0, "q50"] == 12.0 and np.isnan(masked.loc[1, ["q05", "q50", "q95"]].astype(float)).all()


def test_tick_labels_are_plain_and_distinct() -> None:
    ticks = charts.PlainTicks("en")
    assert ticks.format_ticks([0.05, 0.1, 0.15]) == ["0.05", "0.10", "0.15"]
    assert ticks.format_ticks([0.0, 1000.0, 2000.0]) == ["0", "1,000", "2,000"]
    assert charts.PlainTicks("nl").format_ticks([-0.5, 0.0, 0.5]) == ["−0,5", "0", "0,5"]
    for low, high in ((0.06, 0.14), (-0.003, 0.002), (1.2e6, 1.21e6)):  # what a locator picks on such axes
        labels = ticks.format_ticks(MaxNLocator().tick_values(low, high).tolist())
        assert len(set(labels)) == len(labels) and "e" not in "".join(labels)
    assert charts.money_scale([2.5e6, -1e5]) == (1e6, "million")
    assert charts.money_scale([9e5]) == (1e3, "thousand")


def test_organisation_lines_end_below_the_minimum() -> None:
    q = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "q50": [5000.0, 6000.0, 9e5, 3e6]})
    persons = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "q50": [40.0, 12.0, 9.0, 2.0]})
    kept, end = charts._cut_small(q, persons, 10)
    assert kept["year"].tolist() == [2020, 2021] and end == 2022
    assert charts._cut_small(q, persons, 1)[1] is None


def test_overhead_chart_says_where_lines_end(html: dict[str, str]) -> None:
    page = html["en"]
    overhead = page[page.index('id="chart-overhead"') :]
    assert "line ends in the year it has fewer than 10 Wsw employees" in overhead.split("</figure>")[0]


def test_parameter_rows_show_ranges_and_notes() -> None:
    rows = parameter_rows({"a": {"b": {"value": 1.5, "low": 1, "high": 2.5, "note": "assumption: x"}, "c": 3}})
    got = [(r.path, r.value, r.range, r.assumption) for r in rows]
    assert got == [("a.b", "1.5", "1 – 2.5", True), ("a.c", "3", "", False)]


def test_write_is_atomic_and_errors_leave_nothing(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(run, out, "en", baseline="per_municipality", with_charts=False)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "<dt>Compared with</dt><dd>per_municipality</dd>" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    with pytest.raises(RunError, match="unknown scenario 'nope'"):
        write_report(run, tmp_path / "other.html", "en", baseline="nope")
    with pytest.raises(RunError, match="outside the run's years"):
        write_report(run, tmp_path / "other.html", "en", from_year=2040, to_year=2050)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_report_command(run: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "r.html"
    ok = runner.invoke(cli, ["report", str(run), "--out", str(out), "--lang", "en"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().splitlines()[-1] == str(out) and out.exists()
    bad = runner.invoke(cli, ["report", str(tmp_path / "nope"), "--out", str(out)])
    assert bad.exit_code == 2 and "nope" in bad.output and "Traceback" not in bad.output
    unknown = runner.invoke(cli, ["report", str(run), "--out", str(out), "--baseline", "zz"])
    assert unknown.exit_code == 2 and "'zz'" in unknown.output


def test_pdf_without_a_browser_says_how_to_print(run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = CliRunner().invoke(cli, ["report", str(run), "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "no headless Chromium on the PATH" in result.output
    assert "print it to PDF" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.pdf").exists()
