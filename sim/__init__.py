"""wsw-sim: a discrete-event simulation of the Wsw workforce of the Almelo region.

The package simulates individual Wsw employees (retirement at the AOW age, death, long-term illness,
voluntary exits, placements with regular employers) under scenarios that organise the six municipalities
in one shared or several organisations, and writes Monte Carlo batches as Parquet datasets.
"""

from importlib.metadata import PackageNotFoundError, version

from sim import native

native.install()  # the compiled simulation module, or its source where the build is stale (see sim.native)

try:
    __version__ = version("wsw-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
