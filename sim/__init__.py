"""wsw-sim: a discrete-event simulation of the Wsw workforce of the Almelo region.

The package simulates individual Wsw employees (retirement at the AOW age, death, long-term illness,
voluntary exits, placements with regular employers) under scenarios that organise the six municipalities
in one shared or several organisations, and writes Monte Carlo batches as Parquet datasets.

- `sim.inputs`: what comes in (configs, uncertain parameters, personnel files), validated at the boundary;
- `sim.model`: one replication (population, demography, organisations and placements in SimPy, money, tallies);
- `sim.runs`: batches of replications and the run folder they write (schema, store, manifest);
- `sim.checks`: the exact oracle, the national backcast and the calibration.

Importing `sim` imports nothing else: `analysis` reads run folders through `sim.runs` without SimPy.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wsw-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
