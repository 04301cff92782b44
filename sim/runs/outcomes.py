"""What an exploration measures per design point, replication, scenario and municipality; and the one cost.

The cost of a scenario for a municipality is its municipal contribution (`finance.municipal_contribution_eur`:
costs - subsidy - added value, summed over the organisations it belongs to) added up over the years of the
`[analysis]` horizon, each year's euro discounted to the horizon's first year at the `[analysis]` discount
rate: sum over y of contribution(y) / (1 + rate)^(y - first). `contribution_npv` is that computation, in one
place, for the exploration's outcomes, for break-even and for sequential stopping (`wsw-sim run --target-se`);
`analysis.compare` and the report should use it too.

`CostDefinition` holds the three choices (baseline scenario, horizon, discount rate); `cost_definition` reads
them from the config's `[analysis]` table (`sim.inputs.config.analysis`; its defaults: the first scenario, the
whole horizon, no discounting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.errors import ConfigError
from sim.inputs.config import Config
from sim.runs import schema

TOTAL = "total"
"""The municipality column's name for the six together."""
PLACEMENT_COLUMNS = (
    "placements_started_groepsdetachering",
    "placements_started_individuele_detachering",
    "placements_started_begeleid_werken",
)


@dataclass(frozen=True)
class CostDefinition:
    """How costs are compared: the baseline scenario, the years added up (inclusive), the yearly discount rate."""

    baseline: str
    first_year: int
    last_year: int
    discount_rate: float = 0.0

    def factors(self, years: np.ndarray) -> np.ndarray:
        """The weight of a euro paid in each of `years`: 1 / (1 + rate)^(year - first), zero outside the horizon."""
        years = np.asarray(years, dtype=float)
        inside = (years >= self.first_year) & (years <= self.last_year)
        return np.where(inside, np.power(1.0 + self.discount_rate, -(years - self.first_year)), 0.0)

    def label(self) -> str:
        return (
            f"{self.first_year}-{self.last_year}, discounted at {self.discount_rate:.2%} to {self.first_year}, "
            f"against {self.baseline}"
        )


def cost_definition(config: Config, baseline: str | None = None) -> CostDefinition:
    """The config's `[analysis]` definition (its defaults where the table is left out); `baseline` overrides its
    baseline."""
    analysis = config.analysis
    chosen = baseline or analysis.baseline or config.scenario_names[0]
    if chosen not in config.scenarios:
        raise ConfigError(
            config.source,
            "analysis.baseline",
            f"{chosen!r} is not a scenario; known: {', '.join(config.scenario_names)}",
        )
    years = config.horizon.years
    first, last = analysis.horizon or (years.start, years.stop - 1)
    return CostDefinition(
        baseline=chosen, first_year=int(first), last_year=int(last), discount_rate=float(analysis.discount_rate)
    )


def _index(values: pa.ChunkedArray | pa.Array, known: Sequence[object]) -> np.ndarray:
    position = {v: i for i, v in enumerate(known)}
    return np.array([position[v] for v in values.to_pylist()], dtype=np.intp)


def contribution_npv(
    finance: pa.Table, definition: CostDefinition, municipalities: Sequence[str], replications: Sequence[int]
) -> np.ndarray:
    """The discounted municipal contribution over the horizon, `[replication, municipality]` in the given orders,
    with one more column: the total of all municipalities (EUR).

    `finance` is a finance table (any scenario filter applied already; rows of other replications are left
    out), with at least `replication`, `year`, `municipality` and `municipal_contribution_eur`.
    """
    out = np.zeros((len(replications), len(municipalities) + 1))
    wanted = pc.is_in(finance["replication"], pa.array(list(replications), finance.schema.field("replication").type))
    rows = finance.filter(wanted)
    if rows.num_rows:
        weight = definition.factors(rows["year"].to_numpy())
        amount = rows["municipal_contribution_eur"].to_numpy(zero_copy_only=False) * weight
        np.add.at(
            out, (_index(rows["replication"], list(replications)), _index(rows["municipality"], municipalities)), amount
        )
    out[:, -1] = out[:, :-1].sum(axis=1)
    return out


def _placements_and_waits(
    flows: pa.Table, definition: CostDefinition, municipalities: Sequence[str], replications: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Placements started over the horizon and their mean wait (weeks; NaN when none), with the total column.

    The yearly mean waits are weighted by the placements started that year, the ones they are the mean of.
    """
    shape = (len(replications), len(municipalities) + 1)
    placed, waited = np.zeros(shape), np.zeros(shape)
    years = flows["year"].to_numpy()
    rows = flows.filter(pa.array((years >= definition.first_year) & (years <= definition.last_year)))
    if rows.num_rows:
        where = (_index(rows["replication"], list(replications)), _index(rows["municipality"], municipalities))
        started = sum(rows[c].to_numpy(zero_copy_only=False).astype(float) for c in PLACEMENT_COLUMNS)
        wait = rows["waiting_weeks_mean"].to_numpy(zero_copy_only=False)
        wait = np.where(np.isnan(wait), 0.0, wait)
        np.add.at(placed, where, started)
        np.add.at(waited, where, started * wait)
    placed[:, -1] = placed[:, :-1].sum(axis=1)
    waited[:, -1] = waited[:, :-1].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = np.where(placed > 0, waited / np.where(placed > 0, placed, 1.0), np.nan)
    return placed, mean_wait


def first_year_below_viability(
    organisations: pa.Table,
    config: Config,
    definition: CostDefinition,
    municipalities: Sequence[str],
    replications: Sequence[int],
) -> np.ndarray:
    """`[replication, municipality]` (and total): the first horizon year in which the organisation the
    municipality belongs to (for the total: any organisation) has fewer persons than `[viability] min_persons`
    or more overhead per SE than `max_overhead_eur_per_se`; -1 when it never is."""
    out = np.full((len(replications), len(municipalities) + 1), -1, dtype=np.int64)
    where_rep = {r: i for i, r in enumerate(replications)}
    where_muni = {m: j for j, m in enumerate(municipalities)}
    limit = config.viability
    for rep, year, members, persons, overhead in zip(
        organisations["replication"].to_pylist(),
        organisations["year"].to_pylist(),
        organisations["members"].to_pylist(),
        organisations["persons"].to_pylist(),
        organisations["overhead_eur_per_se"].to_pylist(),
        strict=True,
    ):
        if rep not in where_rep or not definition.first_year <= year <= definition.last_year:
            continue
        below = persons < limit.min_persons or (overhead is not None and overhead > limit.max_overhead_eur_per_se)
        if not below:
            continue
        i = where_rep[rep]
        for j in [where_muni[m] for m in members.split(",") if m in where_muni] + [len(municipalities)]:
            if out[i, j] < 0 or year < out[i, j]:
                out[i, j] = year
    return out


def outcome_tables(
    tables: Mapping[str, Mapping[str, pa.Table]],
    config: Config,
    definition: CostDefinition,
    point: int,
    replications: Sequence[int],
) -> dict[str, pa.Table]:
    """The `outcomes` rows of one design point, per scenario, from its scenarios' tables (`collect`'s output).

    Rows by replication, then municipality (the six in name order, then `total`): the table's key order. A
    scenario without organisations has no finance: its contribution is null, and so is every difference
    against it.
    """
    municipalities = sorted(config.municipalities)
    names = [*municipalities, TOTAL]
    npv: dict[str, np.ndarray] = {}
    for scenario, parts in tables.items():
        finance = parts.get("finance")
        npv[scenario] = (
            contribution_npv(finance, definition, municipalities, replications)
            if finance is not None
            else np.full((len(replications), len(names)), np.nan)
        )
    base = npv.get(definition.baseline)
    if base is None:
        raise ConfigError(config.source, "analysis.baseline", f"{definition.baseline!r} is not among the scenarios run")
    out = {}
    for scenario, parts in tables.items():
        placed, waits = _placements_and_waits(parts["flows"], definition, municipalities, replications)
        organisations = parts.get("organisations")
        first = (
            first_year_below_viability(organisations, config, definition, municipalities, replications)
            if organisations is not None
            else np.full(placed.shape, -1)
        )
        n = len(replications) * len(names)
        value, diff = npv[scenario].ravel(), (npv[scenario] - base).ravel()
        out[scenario] = pa.Table.from_pydict(
            {
                "scenario": pa.repeat(pa.scalar(scenario, pa.string()), n),
                "point": pa.array(np.full(n, point, np.int32)),
                "replication": pa.array(np.repeat(np.asarray(replications, np.int32), len(names))),
                "municipality": pa.array(names * len(replications), pa.string()),
                "contribution_npv_eur": pa.array(value, pa.float64(), mask=np.isnan(value)),
                "contribution_npv_diff_eur": pa.array(diff, pa.float64(), mask=np.isnan(diff)),
                "placements": pa.array(placed.ravel().round().astype(np.int32)),
                "waiting_weeks_mean": pa.array(waits.ravel(), pa.float64(), mask=np.isnan(waits.ravel())),
                "first_year_below_viability": pa.array(
                    first.ravel().astype(np.int16), pa.int16(), mask=first.ravel() < 0
                ),
            },
            schema=schema.OUTCOMES,
        )
    return out
