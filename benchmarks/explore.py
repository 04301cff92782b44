"""Exploration throughput and memory (issue 14): seconds and peak memory of `wsw-sim explore`.

Runs `wsw-sim explore` as a child process (process start, pool start-up and every write included) on
configs/soweco_2019.toml with its three scenarios and reports wall seconds and peak resident memory of the
process tree (sampled every 50 ms, as benchmarks/batch.py does):

- `lhs`: 256 Latin-hypercube points x 1 replication on 2 workers (target: at most 30 s);
- `morris`: every ranged parameter, 10 trajectories, 1 replication per point, 2 workers (target: at most 5 min);
- `memory`: lhs with 64 and with 256 points: peak memory should not grow with the points (flat).

    python benchmarks/explore.py [lhs] [morris] [memory] [--keep DIR]

`--keep DIR` writes the run folders there (for example to run `wsw-sim sensitivity` on the Morris one).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import measure

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "soweco_2019.toml"


def explore(design: str, samples: int, out: Path, workers: int = 2, seed: int = 1) -> tuple[float, float, str]:
    """Wall seconds, peak MiB and the run folder of one exploration."""
    args = ["explore", str(CONFIG), "--design", design, "--samples", str(samples), "--reps-per-point", "1"]
    measured = measure(*args, "--seed", str(seed), "--workers", str(workers), "--out", str(out), "--quiet")
    if measured.returncode != 0:
        raise SystemExit(f"explore failed ({measured.returncode}): {measured.stderr.strip()}")
    return measured.seconds, measured.peak_mb, measured.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", default=["lhs", "morris", "memory"], choices=["lhs", "morris", "memory"])
    parser.add_argument("--keep", type=Path, default=None, help="Keep the run folders in this folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
        if "lhs" in args.which:
            seconds, peak, run_dir = explore("lhs", 256, out)
            print(f"lhs 256 points x 1 rep x 3 scenarios, 2 workers: {seconds:.1f} s (target 30), peak {peak:.0f} MiB")
        if "morris" in args.which:
            seconds, peak, run_dir = explore("morris", 10, out)
            print(f"morris 10 trajectories, every ranged parameter, 2 workers: {seconds:.1f} s (target 300), ", end="")
            print(f"peak {peak:.0f} MiB; {run_dir}")
        if "memory" in args.which:
            small = explore("lhs", 64, out)[1]
            large = explore("lhs", 256, out)[1]
            print(f"peak memory: 64 points {small:.0f} MiB, 256 points {large:.0f} MiB (ratio {large / small:.2f})")


if __name__ == "__main__":
    main()
