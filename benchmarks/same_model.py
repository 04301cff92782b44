"""Is it the same model? Two runs of one config and seed, paired by replication, compared cell by cell.

When the code changes the order of events (and so which random draw goes where) but not the model, the
bytes of a run change and its distributions do not. Two runs with the same config, seed and replications
share each replication's demography (its own streams), so they are compared PAIRED: for every scenario,
municipality and year, and for the stocks every form of work, d = new - old per replication and
z = mean(d) / (sd(d) / sqrt(n)). The same model gives about 5% of cells with |z| > 2 and hardly any above 4.
Compared: the persons by form of work (`stocks`) and the municipal contribution (`finance`, summed over
the organisations a municipality has rows for).

    python benchmarks/same_model.py OLD_RUN_DIR NEW_RUN_DIR [--worst 10]
    python benchmarks/same_model.py OLD_RUN_DIR --reference tests/data/organisations_reference.json \
        [--years 2020 2023 2026 2030]

The second form writes the small reference kept by tests/test_same_model.py: per cell the old run's mean,
standard deviation and number of replications, for a few years.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

MEASURES = {
    "stocks": (["scenario", "municipality", "year", "work_form"], "persons"),
    "finance": (["scenario", "municipality", "year"], "municipal_contribution_eur"),
}
"""Table: (the keys of a cell, the value compared)."""


def read(run_dir: Path, table: str) -> pd.DataFrame:
    """A table of a run folder (hive-partitioned by scenario), the value summed per cell and replication."""
    keys, value = MEASURES[table]
    frame = ds.dataset(run_dir / table, format="parquet", partitioning="hive").to_table().to_pandas()
    frame["scenario"] = frame["scenario"].astype(str)
    return frame.groupby([*keys, "replication"], as_index=False, observed=True)[value].sum()


def paired(old_dir: Path, new_dir: Path) -> pd.DataFrame:
    """A row per cell: the means of both runs, and the z-score of the paired difference."""
    rows = []
    for table, (keys, value) in MEASURES.items():
        old, new = read(old_dir, table), read(new_dir, table)
        both = old.merge(new, on=[*keys, "replication"], how="outer", suffixes=("_old", "_new")).fillna(0.0)
        both["d"] = both[f"{value}_new"] - both[f"{value}_old"]
        cells = both.groupby(keys, observed=True).agg(
            n=("d", "size"),
            old=(f"{value}_old", "mean"),
            new=(f"{value}_new", "mean"),
            d=("d", "mean"),
            sd=("d", "std"),
        )
        cells["z"] = np.where(cells["sd"] > 0, cells["d"] / (cells["sd"] / np.sqrt(cells["n"])), np.nan)
        cells.insert(0, "table", table)
        rows.append(cells.reset_index())
    return pd.concat(rows, ignore_index=True)


def summary(cells: pd.DataFrame) -> str:
    tested = cells.dropna(subset=["z"])
    z = tested["z"].abs()
    return (
        f"{len(cells)} cells, {len(tested)} with a difference to test (the others equal in every replication); "
        f"largest |z| {z.max():.2f}; |z| > 2: {(z > 2).mean():.1%} ({(z > 2).sum()}); "
        f"|z| > 4: {(z > 4).mean():.1%} ({(z > 4).sum()})"
    )


def reference(old_dir: Path, years: list[int]) -> dict[str, object]:
    """Per cell of the chosen years: the run's mean, standard deviation and replications."""
    cells = []
    for table, (keys, value) in MEASURES.items():
        frame = read(old_dir, table)
        frame = frame[frame["year"].isin(years)]
        stats = frame.groupby(keys, observed=True)[value].agg(["mean", "std", "size"]).reset_index()
        for record in stats.to_dict("records"):
            cell = {k: (int(record[k]) if k == "year" else str(record[k])) for k in keys}
            cells.append(
                {"table": table, **cell, "mean": record["mean"], "sd": record["std"], "n": int(record["size"])}
            )
    manifest = json.loads((old_dir / "manifest.json").read_text())
    return {
        "what": "old-code means and standard deviations per cell, for tests/test_same_model.py",
        "made_by": "python benchmarks/same_model.py OLD_RUN_DIR --reference FILE",
        "run": {k: manifest.get(k) for k in ("run_id", "git_commit", "root_seed", "replications", "scenarios")},
        "config": Path(manifest["config_path"]).name,
        "years": years,
        "cells": cells,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?")
    parser.add_argument("--worst", type=int, default=10, help="cells with the largest |z| to show")
    parser.add_argument("--reference", type=Path, help="write the small reference of OLD here instead")
    parser.add_argument("--years", type=int, nargs="+", default=[2020, 2023, 2026, 2030])
    args = parser.parse_args()
    if args.reference is not None:
        args.reference.write_text(json.dumps(reference(args.old, args.years), indent=1) + "\n")
        print(f"wrote {args.reference}")
        return
    if args.new is None:
        parser.error("NEW run folder needed (or --reference)")
    cells = paired(args.old, args.new)
    for table in MEASURES:
        print(f"{table:8s} {summary(cells[cells['table'] == table])}")
    print(f"{'all':8s} {summary(cells)}")
    worst = cells.dropna(subset=["z"]).reindex(cells["z"].abs().dropna().sort_values(ascending=False).index)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(worst.head(args.worst).to_string(index=False))


if __name__ == "__main__":
    main()
