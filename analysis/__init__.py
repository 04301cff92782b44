"""Reading and summarising wsw-sim runs: pandas and DuckDB access, Monte Carlo summaries, paired scenario
comparisons, charts and the HTML report. Never imports SimPy: a run folder is all it needs.

    import analysis
    stocks = analysis.load("runs/my-run", "stocks", filters={"scenario": "shared"})
    analysis.query("runs/my-run", "SELECT scenario, year, sum(persons) FROM stocks GROUP BY ALL")
"""

from analysis.compare import Period, compare, npv, paired_differences
from analysis.exploration import Exploration, exploration, point_means

# the sensitivity table's loader stays `analysis.load.sensitivity`: `analysis.sensitivity` is the module of indices
from analysis.load import RunError, config, experiments, load, manifest, outcomes, query
from analysis.summary import Thresholds, describe, summarise, viability, with_total

__all__ = [
    "Exploration",
    "Period",
    "RunError",
    "Thresholds",
    "compare",
    "config",
    "describe",
    "experiments",
    "exploration",
    "load",
    "manifest",
    "npv",
    "outcomes",
    "paired_differences",
    "point_means",
    "query",
    "summarise",
    "viability",
    "with_total",
]
