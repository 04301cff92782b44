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
from matplotlib.ticker import Formatter

from analysis.summary import TOTAL, quantiles_by, with_total

Translate = Callable[[str], str]

SMALL_COUNT = 5
"""Counts below this are suppressed in anything derived directly from a real population file."""

COLOURS = ("#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#a05c34")


@dataclass(frozen=True)
class Chart:
    """One embedded chart: a stable key, its translated title and description, a `data:` URI, and the
    numbers it draws (`data`: a row per year, a column per line, the medians; `unit` names their unit)."""

    key: str
    title: str
    alt: str
    data_uri: str
    data: pd.DataFrame | None = None
    unit: str = ""
    note: str = ""


class PlainTicks(Formatter):
    """Tick labels in plain units: no offset, no powers of ten, the fewest decimals that keep the labels of
    one axis distinct (0.05, 0.10, 0.15 rather than 0.1, 0.1, 0.1), with the language's decimal mark."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang

    def _text(self, value: float, decimals: int) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "nl":
            text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return "0" if text.strip("−-0,.") == "" else text.replace("-", "−")

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        for decimals in range(0, 7):
            labels = [self._text(v, decimals) for v in values]
            if len(set(labels)) == len(labels):
                return labels
        return labels

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self._text(x, 2 if abs(x) < 10 else 0)


def money_scale(values: Iterable[float]) -> tuple[float, str]:
    """Divide money by 1e6 ('million') when the largest amount is a million or more, else by 1e3 ('thousand')."""
    largest = max((abs(v) for v in values if not math.isnan(v)), default=0.0)
    return (1e6, "million") if largest >= 1e6 else (1e3, "thousand")


def _medians(series: dict[str, pd.DataFrame], scale: float = 1.0) -> pd.DataFrame:
    """The medians drawn, one column per line, indexed by year (the chart's numbers as a table)."""
    columns = {name: q.set_index("year")["q50"] / scale for name, q in series.items() if len(q)}
    return pd.DataFrame(columns).sort_index().rename_axis("year") if columns else pd.DataFrame()


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


def _encode(
    fig: Figure,
    key: str,
    title: str,
    alt: str,
    data: pd.DataFrame | None = None,
    unit: str = "",
    note: str = "",
) -> Chart:
    # one time axis for every panel, so that years line up when the reader's eye moves between them
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
    if panels:
        lows, highs = zip(*(ax.get_xlim() for ax in panels), strict=True)
        for ax in panels:
            ax.set_xlim(min(lows), max(highs))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    uri = f"data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"
    return Chart(key=key, title=title, alt=alt, data_uri=uri, data=data, unit=unit, note=note)


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


def _plain(ax: Axes, lang: str) -> None:
    ax.yaxis.set_major_formatter(PlainTicks(lang))


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


def _scaled(q: pd.DataFrame, scale: float) -> pd.DataFrame:
    cols = [c for c in q.columns if c.startswith("q")]
    return q.assign(**{c: q[c] / scale for c in cols})


def workforce_fan(
    stocks: pd.DataFrame, scenario: str, value: str, tr: Translate, suppress: bool = False, lang: str = "en"
) -> Chart | None:
    """Fan chart of persons (or SE) per municipality and for the region, at 31 December of each year."""
    data = stocks[stocks["scenario"] == scenario]
    if data.empty:
        return None
    data = with_total(data, "municipality")
    munis = _order(data["municipality"].tolist(), [TOTAL])
    fig, axes = _figure(len(munis))
    drawn: dict[str, pd.DataFrame] = {}
    for ax, muni in zip(axes, munis, strict=True):
        rows = data[data["municipality"] == muni]
        q = quantiles_by(rows, ["year"], value)
        if suppress:
            q = _mask_small(q, quantiles_by(rows, ["year"], "persons"))
        _fan(ax, q, COLOURS[0])
        drawn[tr(muni)] = q
        ax.set_title(tr(muni), fontsize=10)
        ax.set_ylim(bottom=0)
        _plain(ax, lang)
    fig.supylabel(tr(f"axis_{value}"), fontsize=9)
    title = tr(f"chart_{value}")
    alt = f"{title} ({scenario}). " + tr("alt_fan")
    return _encode(fig, f"fan_{value}", title, alt, _medians(drawn), tr(f"axis_{value}"))


def contribution_by_scenario(
    finance: pd.DataFrame,
    scenarios: Sequence[str],
    tr: Translate,
    last_year: int,
    municipalities: Sequence[str] | None = None,
    lang: str = "en",
    key: str = "contribution",
) -> Chart | None:
    """The municipal contribution per year up to `last_year` (the end of the analysis horizon), per municipality
    (`municipalities`, default all and the region), one line per scenario with the band of 90 of 100."""
    data = finance[finance["year"] <= last_year]
    if data.empty:
        return None
    data = with_total(data, "municipality")
    munis = list(municipalities) if municipalities else _order(data["municipality"].tolist(), [TOTAL])
    scale, unit = money_scale(
        data.groupby(["scenario", "replication", "year", "municipality"])["municipal_contribution_eur"].sum()
    )
    fig, axes = _figure(len(munis), height=2.6 if len(munis) > 1 else 2.4)
    drawn: dict[str, pd.DataFrame] = {}
    for ax, muni in zip(axes, munis, strict=True):
        rows = data[data["municipality"] == muni]
        for i, scenario in enumerate(scenarios):
            q = quantiles_by(
                rows[rows["scenario"] == scenario], ["year"], "municipal_contribution_eur", (0.05, 0.5, 0.95)
            )
            if len(q):
                _fan(ax, _scaled(q, scale), COLOURS[i % len(COLOURS)], label=scenario)
                drawn[f"{tr(muni)}: {scenario}" if len(munis) > 1 else scenario] = q
        ax.set_title(tr(muni), fontsize=10)
        _plain(ax, lang)
    axes[0].legend(fontsize=7, frameon=False)
    fig.supylabel(tr(f"axis_{unit}_eur"), fontsize=9)
    title = tr("chart_contribution")
    alt = f"{title}, {', '.join(tr(m) for m in munis)}. " + tr("alt_lines").format(until=last_year)
    return _encode(fig, key, title, alt, _medians(drawn, scale), tr(f"axis_{unit}_eur"))


def difference_fan(
    finance: pd.DataFrame, baseline: str, alternative: str, tr: Translate, last_year: int, lang: str = "en"
) -> Chart | None:
    """The paired yearly difference alternative - baseline of the municipal contribution, as a fan, up to
    `last_year` (the end of the analysis horizon)."""
    from analysis.compare import yearly_differences

    data = finance[finance["year"] <= last_year]
    if data.empty:
        return None
    diffs = yearly_differences(with_total(data, "municipality"), baseline, alternative)
    if diffs.empty:
        return None
    munis = _order(diffs["municipality"].tolist(), [TOTAL])
    scale, unit = money_scale(diffs["difference"])
    fig, axes = _figure(len(munis))
    drawn: dict[str, pd.DataFrame] = {}
    for ax, muni in zip(axes, munis, strict=True):
        q = quantiles_by(diffs[diffs["municipality"] == muni], ["year"], "difference")
        ax.axhline(0, color="#555555", linewidth=0.8)
        _fan(ax, _scaled(q, scale), COLOURS[1])
        drawn[tr(muni)] = q
        ax.set_title(tr(muni), fontsize=10)
        _plain(ax, lang)
    fig.supylabel(tr(f"axis_difference_{unit}_eur"), fontsize=9)
    title = tr("chart_difference").format(alternative=alternative, baseline=baseline)
    alt = f"{title}. " + tr("alt_fan")
    return _encode(fig, f"difference_{alternative}", title, alt, _medians(drawn, scale), tr(f"axis_{unit}_eur"))


def _cut_small(q: pd.DataFrame, persons: pd.DataFrame, min_persons: float) -> tuple[pd.DataFrame, int | None]:
    """Keep the years before the median persons first fall below `min_persons`; also return that year."""
    small = persons[persons["q50"] < min_persons]
    if small.empty:
        return q, None
    end = int(small["year"].min())
    return q[q["year"] < end], end


def _per_organisation(
    organisations: pd.DataFrame,
    scenarios: Sequence[str],
    value: str,
    tr: Translate,
    key: str,
    min_persons: float,
    threshold: float | None = None,
    lang: str = "en",
) -> Chart | None:
    data = organisations.dropna(subset=[value])
    if data.empty:
        return None
    present = [s for s in scenarios if s in set(data["scenario"])]
    fig, axes = _figure(len(present))
    drawn: dict[str, pd.DataFrame] = {}
    ended: list[str] = []
    for ax, scenario in zip(axes, present, strict=True):
        rows = data[data["scenario"] == scenario]
        everyone = organisations[organisations["scenario"] == scenario]
        for i, org in enumerate(dict.fromkeys(rows["organisation"])):
            q = quantiles_by(rows[rows["organisation"] == org], ["year"], value, (0.05, 0.5, 0.95))
            persons = quantiles_by(everyone[everyone["organisation"] == org], ["year"], "persons", (0.5,))
            q, end = _cut_small(q, persons, min_persons)
            if q.empty:
                ended.append(f"{org} ({scenario}): {end}")
                continue
            colour = COLOURS[i % len(COLOURS)]
            _fan(ax, q, colour, label=org)
            if end is not None:
                last = q.iloc[-1]
                ax.plot([last["year"]], [last["q50"]], marker="|", markersize=9, color=colour)
                ended.append(f"{org} ({scenario}): {end}")
            drawn[f"{org} ({scenario})"] = q
        if threshold is not None:
            ax.axhline(threshold, color="#333333", linestyle="--", linewidth=0.9, label=tr("threshold"))
        ax.set_title(scenario, fontsize=10)
        ax.set_ylim(bottom=0)
        _plain(ax, lang)
        ax.legend(fontsize=7, frameon=False)
    fig.supylabel(tr(f"axis_{value}"), fontsize=9)
    title = tr(f"chart_{key}")
    note = tr("chart_ends").format(min_persons=f"{min_persons:g}")
    if ended:
        note += " " + tr("chart_ended") + " " + "; ".join(ended) + "."
    alt = f"{title}. {note}"
    return _encode(fig, key, title, alt, _medians(drawn), tr(f"axis_{value}"), note)


def caseload(
    organisations: pd.DataFrame, scenarios: Sequence[str], tr: Translate, min_persons: float, lang: str = "en"
) -> Chart | None:
    """Persons per job-coach FTE, per organisation, per scenario, while the organisation has `min_persons`."""
    return _per_organisation(organisations, scenarios, "persons_per_coach", tr, "caseload", min_persons, lang=lang)


def overhead_per_se(
    organisations: pd.DataFrame,
    scenarios: Sequence[str],
    threshold: float,
    tr: Translate,
    min_persons: float,
    lang: str = "en",
) -> Chart | None:
    """Overhead per SE, per organisation, per scenario, with the viability threshold; each line ends when its
    organisation has fewer than `min_persons` (a handful of people would send it to millions per SE)."""
    return _per_organisation(
        organisations, scenarios, "overhead_eur_per_se", tr, "overhead", min_persons, threshold, lang
    )


def waiting_time(flows: pd.DataFrame, scenarios: Sequence[str], tr: Translate, lang: str = "en") -> Chart | None:
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
    drawn: dict[str, pd.DataFrame] = {}
    for i, scenario in enumerate(scenarios):
        q = quantiles_by(per_rep[per_rep["scenario"] == scenario], ["year"], "wait", (0.05, 0.5, 0.95))
        if len(q):
            _fan(ax, q, COLOURS[i % len(COLOURS)], label=scenario)
            drawn[scenario] = q
    ax.set_ylim(bottom=0)
    _plain(ax, lang)
    ax.set_ylabel(tr("axis_waiting_weeks"), fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    title = tr("chart_waiting")
    return _encode(fig, "waiting", title, f"{title}. " + tr("alt_lines_all"), _medians(drawn), tr("axis_waiting_weeks"))


def _wrapped(label: str, width: int = 34) -> str:
    """A long label over lines of at most `width` characters, broken at spaces or dots (config paths)."""
    words = label.replace(".", ". ").split(" ")
    lines, line = [], ""
    for word in words:
        joined = f"{line} {word}".strip() if not line.endswith(".") else f"{line}{word}"
        if line and len(joined) > width:
            lines.append(line)
            line = word
        else:
            line = joined
    return "\n".join([*lines, line])


def ranked_bars(
    labels: Sequence[str], values: np.ndarray, axis: str, key: str, title: str, alt: str, lang: str = "en"
) -> Chart:
    """Horizontal bars, the first label on top: `values` rows of (estimate, interval low, interval high), the
    interval drawn as a line through the bar's end."""
    fig, axes = _figure(1, height=0.38 * len(labels) + 0.4)
    ax = axes[0]
    y = np.arange(len(labels))[::-1]
    estimate, low, high = values[:, 0], values[:, 1], values[:, 2]
    ax.barh(y, estimate, color=COLOURS[0], height=0.6)
    ax.errorbar(
        estimate,
        y,
        xerr=[np.maximum(estimate - low, 0), np.maximum(high - estimate, 0)],
        fmt="none",
        ecolor="#333333",
        elinewidth=0.9,
        capsize=2,
    )
    ax.set_yticks(y, [_wrapped(label) for label in labels], fontsize=7.5)
    ax.set_xlim(left=min(0.0, float(np.nanmin(low))))
    ax.xaxis.set_major_formatter(PlainTicks(lang))
    ax.grid(False, axis="y")
    ax.set_xlabel(axis, fontsize=9)
    return _encode(fig, key, title, alt)
