"""An analyst's first look at a run, with pandas and with DuckDB.

python -m analysis.example runs/<run-id> [BASELINE ALTERNATIVE]
"""

from __future__ import annotations

import sys

import analysis
from analysis.summary import TOTAL


def main(run_dir: str, baseline: str | None = None, alternative: str | None = None) -> None:
    info = analysis.manifest(run_dir)
    print(f"run {info.get('run_id')}: {info.get('replications')} replications of {info.get('scenarios')}")

    # pandas: persons per municipality at 31 December, summarised over replications
    stocks = analysis.load(run_dir, "stocks", columns=["scenario", "replication", "year", "municipality", "persons"])
    summary = analysis.summarise(
        analysis.with_total(stocks, "municipality"), ["scenario", "year", "municipality"], ["persons"]
    )
    print(summary[summary["municipality"] == TOTAL].head(12).to_string(index=False))

    # DuckDB: the region's municipal contribution per scenario and year, mean over replications
    sql = """
        SELECT scenario, year, avg(contribution) AS mean_eur, quantile_cont(contribution, 0.05) AS p5_eur,
               quantile_cont(contribution, 0.95) AS p95_eur
        FROM (SELECT scenario, replication, year, sum(municipal_contribution_eur) AS contribution
              FROM finance GROUP BY ALL)
        GROUP BY ALL ORDER BY ALL
    """
    print(analysis.query(run_dir, sql).head(12).to_string(index=False))

    # paired difference of two scenarios per municipality over the whole horizon
    scenarios = sorted(set(stocks["scenario"]))
    if len(scenarios) > 1:
        table, definition = analysis.compare(run_dir, baseline, alternative or scenarios[1])
        print(f"paired differences ({definition.describe()}):")
        print(table.to_string(index=False))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
