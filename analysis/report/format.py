"""Numbers in the report's language, and cells that carry their exact value for scripts (`data-value`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from analysis import charts
from analysis.summary import TOTAL
from analysis.translations import Lang, euros, number, thousands, translate


@dataclass(frozen=True)
class Num:
    """A shown number and its exact value: `value` is `repr(float)` (EUR unrounded, a share, a year) or
    "none" (the thing does not happen, e.g. never below viability); None for plain text."""

    text: str
    value: str | None = None


Cell = list[Num]
"""One table cell: one or more numbers (a mean and its band), each in a span with its own data-value."""


def exact(x: float | None) -> str:
    """The exact value for `data-value`: the shortest text that reads back as the same float."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "none"
    return repr(float(x))


@dataclass
class Formatter:
    """Numbers in the report's language, with small counts suppressed when the population is real."""

    lang: Lang
    suppress: bool

    def t(self, key: str, **kwargs: Any) -> str:
        text = translate(key, self.lang)
        return text.format(**kwargs) if kwargs else text

    def count(self, x: float) -> str:
        if self.suppress and not math.isnan(x) and x < charts.SMALL_COUNT:
            return "<5"
        return number(x, self.lang)

    def count_words(self, x: float) -> str:
        if self.suppress and not math.isnan(x) and x < charts.SMALL_COUNT:
            return self.t("fewer_than_5")
        return number(x, self.lang)

    def eur(self, x: float) -> str:
        return euros(x, self.lang)

    def keur(self, x: float) -> str:
        return thousands(x, self.lang)

    def mln(self, x: float, signed: bool = False) -> str:
        """Million EUR with two decimals ('3.90'); with `signed` a plus sign for positive amounts."""
        if math.isnan(x):
            return "–"
        shown = round(x / 1e6, 2)
        text = number(shown if shown != 0 else 0.0, self.lang, 2)
        return "+" + text if signed and shown > 0 else text

    def name(self, label: str) -> str:
        return self.t("total") if label == TOTAL else label

    # cells ------------------------------------------------------------------------------------------

    def money(self, x: float, signed: bool = False) -> Num:
        return Num(self.mln(x, signed), exact(x))

    def share(self, x: float) -> Num:
        if math.isnan(x):
            return Num("–", exact(x))
        pct = 100 * x  # whole percents where they are whole; 1 of 200 is 0.5%, not 0%
        return Num(number(pct, self.lang, 0 if abs(pct - round(pct)) < 1e-9 else 1) + "%", exact(x))

    def year(self, x: float, last_year: int) -> Num:
        if math.isnan(x):
            return Num(self.t("after_year", year=last_year), "none")
        return Num(str(int(x)), exact(x))

    def amount(self, x: float, decimals: int = 0) -> Num:
        return Num(number(x, self.lang, decimals), exact(x))

    def text(self, text: str) -> Num:
        return Num(text)


@dataclass
class Table:
    """A table of the report: cells are plain text or numbers with their exact values."""

    caption: str
    header: list[str]
    rows: list[list[str | Cell]]
    textual: bool = False  # words rather than figures: everything aligned left


@dataclass(frozen=True)
class ShownChart:
    """A chart with its numbers as a table (shown behind a <details> element)."""

    chart: charts.Chart
    table: Table | None


def chart_table(chart: charts.Chart, fmt: Formatter) -> ShownChart:
    """The medians a chart draws, a row per year, in the report's language."""
    data = chart.data
    if data is None or data.empty:
        return ShownChart(chart, None)
    decimals = 2 if float(data.abs().max().max()) < 100 else 0
    rows: list[list[str | Cell]] = [
        [str(int(year)), *([fmt.amount(v, decimals)] for v in values)]
        for year, values in zip(data.index, data.to_numpy(float), strict=True)
    ]
    caption = fmt.t("chart_numbers", unit=chart.unit)
    return ShownChart(chart, Table(caption, [fmt.t("col_year"), *map(str, data.columns)], rows))
