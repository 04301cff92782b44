"""Charts of a run, drawn with matplotlib's object API on the Agg canvas and returned as embedded PNG.

A fan chart shows, per year, the median over replications (line), the band where the middle half of the
replications fall (dark) and the band of 90% of them (5th to 95th percentile, light). Every function takes a
`tr` callable that translates a label key, so the same chart serves the Dutch and the English report, and
returns None when the data it needs is absent.

No pyplot: figures are plain `matplotlib.figure.Figure` objects, so nothing global (backend, current figure)
is touched and charts can be drawn from any thread or process.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.summary import TOTAL, quantiles_by, with_total

Translate = Callable[[str], str]

SMALL_COUNT = 5
"""Counts below this are suppressed in anything derived directly from a real population file."""

COLOURS = ("#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#a05c34")


@dataclass(frozen=True)
class Chart:
    """One embedded chart: a stable key, its translated title and description, and a `data:` URI."""

    key: str
    title: str
    alt: str
    data_uri: str


def _figure(panels: int, ncols: int = 3, height: float = 2.6) -> tuple[Figure, list[Axes]]:
    ncols = max(1, min(ncols, panels))
    nrows = math.ceil(panels / ncols)
    width = 3.7 * ncols if panels > 1 else 7.4  # a single panel gets the width of two
    fig = Figure(figsize=(width, height * nrows + 0.6), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[panels:]:
        ax.set_visible(False)
    for ax in axes[:panels]:
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
    return fig, axes[:panels]


def _encode(fig: Figure, key: str, title: str, alt: str) -> Chart:
    # one time axis for every panel, so that years line up when the reader's eye moves between them
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    if panels:
        lows, highs = zip(*(ax.get_xlim() for ax in panels), strict=True)
        for ax in panels:
            ax.set_xlim(min(lows), max(highs))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Chart(key=key, title=title, alt=alt, data_uri=f"data:image/png;base64,{data}")


def _fan(ax: Axes, q: pd.DataFrame, colour: str, label: str | None = None, bands: bool = True) -> None:
    if q.empty:
        return
    # years without data (an organisation dissolved and formed again) break the line instead of bridging it
    span = range(int(q["year"].min()), int(q["year"].max()) + 1)
    q = q.set_index("year").reindex(span).rename_axis("year").reset_index()
    years = q["year"].to_numpy(float)
    if bands:
        ax.fill_between(years, q["q05"], q["q95"], color=colour, alpha=0.15, linewidth=0)
        if "q25" in q:
            ax.fill_between(years, q["q25"], q["q75"], color=colour, alpha=0.3, linewidth=0)
    ax.plot(years, q["q50"], color=colour, linewidth=1.6, label=label)


def _millions(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:,.1f}"))


def _mask_small(q: pd.DataFrame, persons_q: pd.DataFrame | None) -> pd.DataFrame:
    """Blank the years in which the lowest shown persons quantile is below `SMALL_COUNT`."""
    if persons_q is None:
        return q
    low = persons_q.set_index("year")["q05"].reindex(q["year"]).to_numpy()
    q = q.copy()
    cols = [c for c in q.columns if c.startswith("q")]
    q.loc[low < SMALL_COUNT, cols] = np.nan
    return q


def _order(values: Iterable[str], first: Sequence[str]) -> list[str]:
    seen = list(dict.fromkeys(values))
    return [v for v in first if v in seen] + [v for v in seen if v not in first]


def workforce_fan(
    stocks: pd.DataFrame, scenario: str, value: str, tr: Translate, suppress: bool = False
) -> Chart | None:
    """Fan chart of persons (or SE) per municipality and for the region, at 31 December of each year."""
    data = stocks[stocks["scenario"] == scenario]
    if data.empty:
        return None
    data = with_total(data, "municipality")
    munis = _order(data["municipality"].tolist(), [TOTAL])
    fig, axes = _figure(len(munis))
    for ax, muni in zip(axes, munis, strict=True):
        rows = data[data["municipality"] == muni]
        q = quantiles_by(rows, ["year"], value)
        if suppress:
            q = _mask_small(q, quantiles_by(rows, ["year"], "persons"))
        _fan(ax, q, COLOURS[0])
        ax.set_title(tr(muni) if muni == TOTAL else muni, fontsize=10)
        ax.set_ylim(bottom=0)
    fig.supylabel(tr(f"axis_{value}"), fontsize=9)
    title = tr(f"chart_{value}")
    return _encode(fig, f"fan_{value}", title, f"{title} ({scenario})")


def contribution_by_scenario(finance: pd.DataFrame, scenarios: Sequence[str], tr: Translate) -> Chart | None:
    """The municipal contribution per year, per municipality and for the region, one line per scenario."""
    if finance.empty:
        return None
    data = with_total(finance, "municipality")
    munis = _order(data["municipality"].tolist(), [TOTAL])
    fig, axes = _figure(len(munis))
    for ax, muni in zip(axes, munis, strict=True):
        rows = data[data["municipality"] == muni]
        for i, scenario in enumerate(scenarios):
            q = quantiles_by(
                rows[rows["scenario"] == scenario], ["year"], "municipal_contribution_eur", (0.05, 0.5, 0.95)
            )
            if len(q):
                _fan(ax, q, COLOURS[i % len(COLOURS)], label=scenario)
        ax.set_title(tr(muni) if muni == TOTAL else muni, fontsize=10)
        _millions(ax)
    axes[0].legend(fontsize=7, frameon=False)
    fig.supylabel(tr("axis_million_eur"), fontsize=9)
    title = tr("chart_contribution")
    return _encode(fig, "contribution", title, title)


def difference_fan(finance: pd.DataFrame, baseline: str, alternative: str, tr: Translate) -> Chart | None:
    """The paired yearly difference alternative - baseline of the municipal contribution, as a fan."""
    from analysis.compare import yearly_differences

    if finance.empty:
        return None
    diffs = yearly_differences(with_total(finance, "municipality"), baseline, alternative)
    if diffs.empty:
        return None
    munis = _order(diffs["municipality"].tolist(), [TOTAL])
    fig, axes = _figure(len(munis))
    for ax, muni in zip(axes, munis, strict=True):
        q = quantiles_by(diffs[diffs["municipality"] == muni], ["year"], "difference")
        ax.axhline(0, color="#555555", linewidth=0.8)
        _fan(ax, q, COLOURS[1])
        ax.set_title(tr(muni) if muni == TOTAL else muni, fontsize=10)
        _millions(ax)
    fig.supylabel(tr("axis_difference_million_eur"), fontsize=9)
    title = tr("chart_difference").format(alternative=alternative, baseline=baseline)
    return _encode(fig, f"difference_{alternative}", title, title)


def _per_organisation(
    organisations: pd.DataFrame,
    scenarios: Sequence[str],
    value: str,
    tr: Translate,
    key: str,
    threshold: float | None = None,
) -> Chart | None:
    data = organisations.dropna(subset=[value])
    if data.empty:
        return None
    present = [s for s in scenarios if s in set(data["scenario"])]
    fig, axes = _figure(len(present))
    for ax, scenario in zip(axes, present, strict=True):
        rows = data[data["scenario"] == scenario]
        for i, org in enumerate(dict.fromkeys(rows["organisation"])):
            q = quantiles_by(rows[rows["organisation"] == org], ["year"], value, (0.05, 0.5, 0.95))
            _fan(ax, q, COLOURS[i % len(COLOURS)], label=org)
        if threshold is not None:
            ax.axhline(threshold, color="#333333", linestyle="--", linewidth=0.9, label=tr("threshold"))
        ax.set_title(scenario, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, frameon=False)
    fig.supylabel(tr(f"axis_{value}"), fontsize=9)
    title = tr(f"chart_{key}")
    return _encode(fig, key, title, title)


def caseload(organisations: pd.DataFrame, scenarios: Sequence[str], tr: Translate) -> Chart | None:
    """Persons per job-coach FTE, per organisation, per scenario."""
    return _per_organisation(organisations, scenarios, "persons_per_coach", tr, "caseload")


def overhead_per_se(
    organisations: pd.DataFrame, scenarios: Sequence[str], threshold: float, tr: Translate
) -> Chart | None:
    """Overhead per SE, per organisation, per scenario, with the viability threshold."""
    return _per_organisation(organisations, scenarios, "overhead_eur_per_se", tr, "overhead", threshold)


def waiting_time(flows: pd.DataFrame, scenarios: Sequence[str], tr: Translate) -> Chart | None:
    """The region's mean wait for a job coach of the placements started each year, one fan per scenario.

    Within a replication the municipalities' means are weighted by the placements they started.
    """
    started = [c for c in flows.columns if c.startswith("placements_started_")]
    if flows.empty or not started or flows["waiting_weeks_mean"].notna().sum() == 0:
        return None
    data = flows.assign(_n=flows[started].sum(axis=1))
    data = data[data["waiting_weeks_mean"].notna() & (data["_n"] > 0)]
    data = data.assign(_w=data["waiting_weeks_mean"] * data["_n"])
    per_rep = data.groupby(["scenario", "replication", "year"], observed=True)[["_w", "_n"]].sum().reset_index()
    per_rep["wait"] = per_rep["_w"] / per_rep["_n"]
    fig, axes = _figure(1, height=3.0)
    ax = axes[0]
    for i, scenario in enumerate(scenarios):
        q = quantiles_by(per_rep[per_rep["scenario"] == scenario], ["year"], "wait", (0.05, 0.5, 0.95))
        if len(q):
            _fan(ax, q, COLOURS[i % len(COLOURS)], label=scenario)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(tr("axis_waiting_weeks"), fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    title = tr("chart_waiting")
    return _encode(fig, "waiting", title, title)
