"""The report opens in a real headless Chromium, every chart image loads (decoded, non-zero size), and the
report prints to an A4 PDF whose first page holds the decision table and whose municipalities start pages.

Needs Debian's chromium and poppler-utils (`apt-get install -y chromium poppler-utils`, for pdftotext). Without
them the tests are skipped on a developer's machine and fail in CI (CI=true), so the checks cannot silently
disappear there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from analysis_fixture import build_run

from analysis.report import write_report

CHARTS = 10  # eight of the region, one on each of the two municipalities' pages

PROBE = """
<script>
window.addEventListener("load", function () {
  var images = Array.from(document.querySelectorAll("img"));
  var result = images.map(function (img) {
    return { alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
             shown: img.getBoundingClientRect().width };
  });
  var out = document.createElement("pre");
  out.id = "image-probe";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _flags(profile: str) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,2000",
        "--virtual-time-budget=10000",
    ]


def _needed(program: str | None, package: str) -> str:
    if program is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{package} is not installed: .ci/run must `apt-get install -y {package}`")
        pytest.skip(f"{package} is not installed (apt-get install -y {package})")
    return program


def test_every_chart_loads_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _needed(_chromium(), "chromium")
    run = build_run(tmp_path / "runs", replications=4)
    report = write_report(run, tmp_path / "report.html", "en")
    # the probe goes into a copy, so the report itself stays free of scripts
    probed = tmp_path / "probed.html"
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, *_flags(profile), "--dump-dom", probed.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="image-probe">(.*?)</pre>', result.stdout, re.S)
    assert found, "the probe did not run: " + result.stdout[-500:]
    images = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(images) == CHARTS
    for image in images:
        assert image["complete"] and image["width"] > 300 and image["height"] > 150, image
        assert image["shown"] > 300, image  # laid out at a readable size, not collapsed


def _page_text(pdf: Path, page: int) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_the_report_prints_with_the_decision_table_on_page_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chromium = _needed(_chromium(), "chromium")
    _needed(shutil.which("pdftotext"), "poppler-utils")
    monkeypatch.setenv("PATH", f"{Path(chromium).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    run = build_run(tmp_path / "runs", replications=4)
    for lang, title, region in (
        ("en", "The decision at a glance", "Region"),
        ("nl", "De keuze in één oogopslag", "Regio"),
    ):
        pdf = write_report(run, tmp_path / f"report-{lang}.pdf", lang)  # type: ignore[arg-type]
        assert pdf.read_bytes()[:5] == b"%PDF-"
        first = _page_text(pdf, 1)
        assert title in first
        rows = [line.split()[0] for line in first.splitlines() if line.strip()]
        assert {"Almelo", "Tubbergen", region} <= set(rows)  # every row of the table on page 1
        assert "per_municipality" in first and "merge_2027" in first  # every column group too
        assert first.count("%") >= 6  # the shares cheaper: two alternatives, three rows
        last_sentence = {"en": "costs outside the Wsw budget.", "nl": "kosten buiten het Wsw-budget."}[lang]
        assert last_sentence in " ".join(first.split())  # the sentences under the table are on page 1 too
        assert _page_text(pdf, 2).lstrip().startswith("Almelo")  # the first municipality starts page 2
        pages = [_page_text(pdf, p) for p in range(3, 8)]
        assert any(p.lstrip().startswith("Tubbergen") for p in pages)  # and the next one a page of its own


def test_with_an_exploration_the_decision_table_stays_on_page_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two more columns per alternative still fit page 1; what decides starts a page after the municipality's."""
    from click.testing import CliRunner

    from wsw_sim.cli import cli

    chromium = _needed(_chromium(), "chromium")
    _needed(shutil.which("pdftotext"), "poppler-utils")
    monkeypatch.setenv("PATH", f"{Path(chromium).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    run = build_run(tmp_path / "runs", replications=4)
    smoke = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"
    args = ["explore", str(smoke), "--design", "morris", "--samples", "2", "--seed", "1", "--out", str(tmp_path)]
    args += ["--run-id", "explored", "--param", "organisations.defaults.fixed_overhead_eur_per_year"]
    done = CliRunner().invoke(cli, [*args, "--param", "organisations.defaults.governance_eur_per_year"])
    assert done.exit_code == 0, done.output
    pdf = write_report(run, tmp_path / "report.pdf", "en", exploration=tmp_path / "explored")
    first = _page_text(pdf, 1)
    rows = [line.split()[0] for line in first.splitlines() if line.strip()]
    assert {"Almelo", "Tubbergen", "Region"} <= set(rows) and "parameter sets" in first
    assert "costs outside the Wsw budget." in " ".join(first.split())
    assert _page_text(pdf, 2).lstrip().startswith("Almelo")
    starts = [_page_text(pdf, p).lstrip().split("\n", 1)[0].strip() for p in range(3, 9)]
    assert "What decides" in starts and "Tubbergen" in starts  # Almelo's what decides on a page of its own
    assert starts.index("What decides") < starts.index("Tubbergen")
