"""Reading and summarising wsw-sim runs: pandas and DuckDB access, Monte Carlo summaries, paired scenario
comparisons, charts and the HTML report. Never imports SimPy: a run folder is all it needs.

    import analysis
    stocks = analysis.load("runs/my-run", "stocks", filters={"scenario": "shared"})
    analysis.query("runs/my-run", "SELECT scenario, year, sum(persons) FROM stocks GROUP BY ALL")
"""

from analysis.compare import Period, compare, npv, paired_differences
from analysis.exploration import Exploration, exploration, point_means
from analysis.load import RunError, config, load, manifest, query
from analysis.summary import Thresholds, describe, summarise, viability, with_total

__all__ = [
    "Exploration",
    "Period",
    "RunError",
    "Thresholds",
    "compare",
    "config",
    "describe",
    "exploration",
    "load",
    "manifest",
    "npv",
    "paired_differences",
    "point_means",
    "query",
    "summarise",
    "viability",
    "with_total",
]
