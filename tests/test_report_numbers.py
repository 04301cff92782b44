"""The report's numbers recomputed from the run's Parquet files with plain pandas and numpy, and the report's
totals against `wsw-sim compare` for the same run and definitions.

Nothing here goes through `analysis`: the files are read one by one, the scenario taken from the folder name,
and every figure is computed from its definition (smoke.toml's [analysis]: baseline shared, 2019-2030,
discounted at 3% a year to 2019). A one-line slip in the report (the 5th percentile replaced by the median, a
missing discount, a component with the wrong sign) changes a number here.
"""

from __future__ import annotations

import math
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from analysis_fixture import build_run
from click.testing import CliRunner

from analysis.compare import compare
from analysis.report import render
from wsw_sim.cli import cli

FIRST, LAST, RATE = 2019, 2030, 0.03
ALTERNATIVES = ("per_municipality", "merge_2027")
MUNICIPALITIES = ("Almelo", "Tubbergen")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_run(tmp_path_factory.mktemp("runs"), replications=10, chunk_size=4)


@pytest.fixture(scope="module")
def page(run: Path) -> str:
    return render(run, "en", with_charts=False)


def _parquet(run: Path, table: str) -> pd.DataFrame:
    parts = []
    for file in sorted((run / table).glob("scenario=*/*.parquet")):
        frame = pd.read_parquet(file)
        frame["scenario"] = file.parent.name.split("=", 1)[1]
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def _decision_values(page: str) -> dict[tuple[str, str, str], list[float]]:
    """(municipality, scenario, measure) -> the data-values of that cell of the decision table."""
    decision = page[page.index('<section id="decision">') : page.index("</section>")]
    out = {}
    for muni, row in re.findall(r'<tr data-municipality="([^"]+)"[^>]*>(.*?)</tr>', decision, re.S):
        for scenario, measure, cell in re.findall(r'data-scenario="([^"]+)" data-measure="([^"]+)">(.*?)</td>', row):
            values = re.findall(r'data-value="([^"]+)"', cell)
            out[(muni, scenario, measure)] = [math.nan if v == "none" else float(v) for v in values]
    return out


def _discounted(finance: pd.DataFrame, column: str = "municipal_contribution_eur") -> pd.Series:
    rows = finance[(finance["year"] >= FIRST) & (finance["year"] <= LAST)]
    return rows[column] / (1 + RATE) ** (rows["year"] - FIRST)


def _differences(run: Path) -> dict[tuple[str, str], np.ndarray]:
    """(alternative, municipality or total) -> per replication, alternative minus shared."""
    finance = _parquet(run, "finance")
    finance = finance.assign(v=_discounted(finance)).dropna(subset=["v"])
    out = {}
    for alt in ALTERNATIVES:
        for muni in (*MUNICIPALITIES, "total"):
            rows = finance if muni == "total" else finance[finance["municipality"] == muni]
            sums = rows.groupby(["scenario", "replication"])["v"].sum()
            out[(alt, muni)] = (sums[alt] - sums["shared"]).sort_index().to_numpy()
    return out


def test_headline_cost_differences(run: Path, page: str) -> None:
    shown = _decision_values(page)
    for (alt, muni), d in _differences(run).items():
        assert len(d) == 10
        assert shown[(muni, alt, "extra_cost")] == [pytest.approx(d.mean(), rel=1e-9, abs=1e-6)]
        low, high = np.percentile(d, [5, 95])  # numpy's default: linear between order statistics
        assert shown[(muni, alt, "band_chance")] == [pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6)]
        assert shown[(muni, alt, "cheaper_share")] == [pytest.approx((d < 0).mean())]
    # the region's headline sentence names the cheapest option and its average in million euros
    region = {alt: _differences(run)[(alt, "total")].mean() for alt in ALTERNATIVES}
    best = min(region, key=lambda a: region[a])
    assert f"{abs(region[best]) / 1e6:.2f} million euros" in page and best in page


def test_placements_and_waits(run: Path, page: str) -> None:
    shown = _decision_values(page)
    flows = _parquet(run, "flows")
    flows = flows[(flows["year"] >= FIRST) & (flows["year"] <= LAST)]
    started = flows[[c for c in flows.columns if c.startswith("placements_started_")]].sum(axis=1)
    flows = flows.assign(n=started, w=flows["waiting_weeks_mean"] * started)
    for scenario in ("shared", *ALTERNATIVES):
        mine = flows[flows["scenario"] == scenario]
        for muni in (*MUNICIPALITIES, "total"):
            rows = mine if muni == "total" else mine[mine["municipality"] == muni]
            placed = rows.groupby("replication")["n"].sum().mean()
            assert shown[(muni, scenario, "placements")] == [pytest.approx(placed)]
            waited = rows[rows["waiting_weeks_mean"].notna() & (rows["n"] > 0)].groupby("replication")[["w", "n"]].sum()
            wait = (waited["w"] / waited["n"]).mean()
            assert shown[(muni, scenario, "wait_weeks")] == [pytest.approx(wait)]


def test_first_year_below_viability(run: Path, page: str) -> None:
    """The median over replications of the first year the municipality's organisation is below a threshold
    (smoke.toml's [viability]: fewer than 100 persons or more than 6,000 EUR overhead per SE)."""
    shown = _decision_values(page)
    orgs = _parquet(run, "organisations")
    failing = orgs[(orgs["persons"] < 100) | (orgs["overhead_eur_per_se"] > 6000)]
    for scenario in ("shared", *ALTERNATIVES):
        for muni in MUNICIPALITIES:
            years = []
            for rep in range(10):
                mine = failing[(failing["scenario"] == scenario) & (failing["replication"] == rep)]
                mine = mine[mine["members"].str.split(",").apply(lambda m, muni=muni: muni in m)]
                years.append(mine["year"].min() if len(mine) else math.inf)
            median = sorted(years)[math.ceil(len(years) / 2) - 1]  # an order statistic: a year that occurred
            got = shown[(muni, scenario, "viability_from")][0]
            assert (math.isnan(got) and math.isinf(median)) or got == median


def test_money_table_of_a_municipality(run: Path, page: str) -> None:
    """Tubbergen's money by component: discounted means per scenario; income counts minus; they add up."""
    start = page.index('data-municipality="Tubbergen">\n  <h2>')
    section = page[start : page.index("</section>", start)]
    table = section[section.index("Money over") :].split("</table>")[0]
    rows = {
        unescape(label): [float(v) for v in re.findall(r'data-value="([^"]+)"', cells)]
        for label, cells in re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table, re.S)
    }
    finance = _parquet(run, "finance")
    finance = finance[finance["municipality"] == "Tubbergen"]
    labels = {
        "Wages (CAO SW)": ("wage_cost_eur", 1),
        "State subsidy": ("subsidy_eur", -1),
        "Revenue from work": ("added_value_eur", -1),
        "Overhead": ("overhead_eur", 1),
        "Municipal contribution": ("municipal_contribution_eur", 1),
    }
    for label, (column, sign) in labels.items():
        expected = [
            sign
            * finance[finance["scenario"] == s]
            .assign(v=lambda f, c=column: _discounted(f, c))
            .groupby("replication")["v"]
            .sum()
            .mean()
            for s in ("shared", *ALTERNATIVES)
        ]
        assert rows[label] == pytest.approx(expected, rel=1e-9), label
    parts = [v for label, v in rows.items() if label != "Municipal contribution"]
    assert np.sum(parts, axis=0) == pytest.approx(rows["Municipal contribution"], rel=1e-9)


def test_report_and_compare_agree(run: Path, page: str) -> None:
    """The same run and definitions give the same totals in the report, in `compare` and on the command line."""
    shown = _decision_values(page)
    for alt in ALTERNATIVES:
        table, definition = compare(run, None, alt)
        assert definition.baseline == "shared" and definition.period.label() == f"{FIRST}-{LAST}"
        for _, r in table.iterrows():
            muni = r["municipality"]
            assert shown[(muni, alt, "extra_cost")] == [r["mean_difference"]]  # the same float, bit for bit
            assert shown[(muni, alt, "band_chance")] == [r["p5"], r["p95"]]
        printed = CliRunner().invoke(cli, ["compare", str(run), "--alternative", alt])
        assert printed.exit_code == 0, printed.output
        assert "baseline shared; 2019-2030; discounted at 3.00% a year to 2019" in printed.output
        total = next(line for line in printed.output.splitlines() if line.split()[0] == "total").split()
        assert float(total[4].replace(",", "")) == round(shown[("total", alt, "extra_cost")][0])
