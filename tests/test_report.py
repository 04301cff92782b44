"""The report renders from a small run: its sections, its embedded charts, both languages, what is missing,
small-count suppression for real populations, and an atomic write."""

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

from analysis import charts
from analysis.load import RunError
from analysis.report import parameter_rows, render, write_report
from analysis.translations import TEXT
from sim.runs import schema
from sim.runs.store import atomic_write_parquet
from wsw_sim.cli import cli

SECTIONS = ("findings", "tables", "charts", "assumptions", "provenance")
# persons and SE fans, contributions, two paired-difference fans, caseload, waiting time, overhead per SE
CHARTS = 8
IMG = re.compile(r'<img class="chart" src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run(tmp_path_factory.mktemp("runs"), replications=6)


@pytest.fixture(scope="module")
def html(run: Path) -> dict[str, str]:
    return {lang: render(run, lang) for lang in ("en", "nl")}


def test_sections_in_order(html: dict[str, str]) -> None:
    for page in html.values():
        positions = [page.index(f'<section id="{s}">') for s in SECTIONS]
        assert positions == sorted(positions)


def test_every_chart_is_an_embedded_png(html: dict[str, str]) -> None:
    for page in html.values():
        images = IMG.findall(page)
        assert len(images) == CHARTS
        for data in images:
            png = base64.b64decode(data)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
        assert 'src="http' not in page and "<script" not in page  # self-contained


def test_findings_in_plain_words_with_uncertainty(html: dict[str, str]) -> None:
    en = html["en"]
    findings = en[en.index('<section id="findings">') : en.index('<section id="tables">')]
    assert "per_municipality costs Tubbergen between EUR" in findings
    assert "merge_2027" in findings and "Almelo" in findings
    assert "in 90 of 100 replications" in findings and "95% interval of the average" in findings
    assert "over 2021-2030" in findings  # the period starts at the first reorganisation
    assert "Viability:" in findings


def test_both_languages(html: dict[str, str]) -> None:
    assert '<html lang="en">' in html["en"] and "Key findings" in html["en"]
    assert '<html lang="nl">' in html["nl"] and "Belangrijkste uitkomsten" in html["nl"]
    assert "Key findings" not in html["nl"] and "Belangrijkste uitkomsten" not in html["en"]
    assert "in 90 van de 100 replicaties" in html["nl"]
    assert "€ " in html["nl"] and "EUR " in html["en"]
    for page in html.values():  # no untranslated key leaks through
        assert not re.search(r"\b(finding|col|table|chart|prov|missing)_[a-z_]+\b", page.split("<pre>")[0])
    assert all(set(entry) == {"en", "nl"} for entry in TEXT.values())


def test_assumptions_and_provenance(run: Path, html: dict[str, str]) -> None:
    en = html["en"]
    assumptions = en[en.index('<section id="assumptions">') : en.index('<section id="provenance">')]
    assert "organisations.defaults.fixed_overhead_eur_per_year" in assumptions
    assert "250000 – 1000000" in assumptions  # its range
    assert "demography.aow.months_by_year" in assumptions
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
    assert "Wsw workforce of the region shrinks" in page


def test_default_thresholds_are_announced(tmp_path: Path) -> None:
    run = build_run(tmp_path, replications=2)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["config_toml"] = manifest["config_toml"].split("[viability]")[0]
    (run / "manifest.json").write_text(json.dumps(manifest))
    page = render(run, "en", with_charts=False)
    assert 'class="chart"' not in page
    assert "no [viability] table" in page and "fewer than 100 Wsw employees" in page


def _tiny_run(parent: Path, population_sha256: str | None) -> Path:
    """A run whose Tubbergen has 3 persons: small counts to suppress when the population is real."""
    run = parent / "tiny"
    years = [2018, 2019, 2020]
    rows = {k: [] for k in schema.STOCKS.names}
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


def test_parameter_rows_show_ranges_and_notes() -> None:
    rows = parameter_rows({"a": {"b": {"value": 1.5, "low": 1, "high": 2.5, "note": "assumption: x"}, "c": 3}})
    got = [(r.path, r.value, r.range, r.assumption) for r in rows]
    assert got == [("a.b", "1.5", "1 – 2.5", True), ("a.c", "3", "", False)]


def test_write_is_atomic_and_errors_leave_nothing(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(run, out, "en", baseline="per_municipality", with_charts=False)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Baseline scenario: per_municipality." in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    with pytest.raises(RunError, match="unknown scenario 'nope'"):
        write_report(run, tmp_path / "other.html", "en", baseline="nope")
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
