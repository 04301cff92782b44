"""The starting population: Wsw employees as columns of numpy arrays, synthetic or read from Parquet.

Dates are month indices (`year * 12 + month - 1`): birth dates are known to the month only (privacy), and the
AOW age is counted in months. A person born in month b is taken to be born on the first of that month.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.domain import DISABILITY_TYPES, SEXES, WORK_FORMS
from sim.errors import ConfigError
from sim.inputs.config import Config, PopulationConfig
from sim.model.retirement import build_aow_table, retirement_month


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_to_date(m: int) -> date:
    return date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True, eq=False)
class Population:
    """Wsw employees, one array element per person; codes index the tuples in `sim.domain`."""

    municipalities: tuple[str, ...]
    person_id: np.ndarray  # str (pseudonymous)
    municipality: np.ndarray  # int16, index into `municipalities`
    birth_month: np.ndarray  # int32 month index
    sex: np.ndarray  # int8, index into SEXES
    se: np.ndarray  # float64, 0 < se <= 1
    work_form: np.ndarray  # int8, index into WORK_FORMS
    disability: np.ndarray  # int8, index into DISABILITY_TYPES
    wsw_start_month: np.ndarray  # int32 month index

    def __len__(self) -> int:
        return len(self.person_id)

    def take(self, index: np.ndarray) -> Population:
        """The persons at `index` (a boolean mask or integer positions)."""
        arrays = {f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "municipalities"}
        return Population(municipalities=self.municipalities, **arrays)

    def age_years(self, at_month: int) -> np.ndarray:
        return (at_month - self.birth_month) / 12.0


# ------------------------------------------------------------------------------------------ synthetic


def largest_remainder(total: int, shares: list[float]) -> list[int]:
    """Split `total` into integers proportional to `shares` (Hamilton's method; ties to the earlier)."""
    raw = [total * s / sum(shares) for s in shares]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(shares)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _truncated_normal_weights(grid: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    w = np.exp(-0.5 * ((grid - mu) / sigma) ** 2)
    return w / w.sum()


def fit_age_distribution(
    mean_years: float, share_over_45: float, min_age: float, max_age: float
) -> tuple[np.ndarray, np.ndarray]:
    """Ages (whole months, in years) between the bounds and their probabilities, matching mean and share.

    The law is a normal truncated to [min_age, max_age], its centre and spread solved by nested bisection.
    Raises ValueError when no such law reaches the targets.
    """
    grid = np.arange(math.ceil(min_age * 12), math.floor(max_age * 12) + 1) / 12.0
    if len(grid) < 2:
        raise ValueError(f"no room for ages between {min_age:.1f} and {max_age:.1f}")
    if not grid[0] < mean_years < grid[-1]:
        raise ValueError(f"mean age {mean_years} lies outside the possible ages {grid[0]:.1f}-{grid[-1]:.1f}")
    over = grid > 45.0

    def mu_for_mean(sigma: float) -> float:
        lo, hi = grid[0] - 10 * sigma, grid[-1] + 10 * sigma
        for _ in range(80):
            mid = (lo + hi) / 2
            if float(_truncated_normal_weights(grid, mid, sigma) @ grid) < mean_years:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def share(sigma: float) -> float:
        return float(_truncated_normal_weights(grid, mu_for_mean(sigma), sigma)[over].sum())

    lo_s, hi_s = 0.3, 80.0
    s_lo, s_hi = share(lo_s), share(hi_s)
    if not min(s_lo, s_hi) <= share_over_45 <= max(s_lo, s_hi):
        raise ValueError(
            f"share over 45 of {share_over_45} cannot go with mean age {mean_years} "
            f"(reachable: {min(s_lo, s_hi):.3f} to {max(s_lo, s_hi):.3f})"
        )
    increasing = s_hi > s_lo
    for _ in range(60):
        mid = (lo_s + hi_s) / 2
        if (share(mid) < share_over_45) == increasing:
            lo_s = mid
        else:
            hi_s = mid
    sigma = (lo_s + hi_s) / 2
    return grid, _truncated_normal_weights(grid, mu_for_mean(sigma), sigma)


def _oldest_before_aow_months(config: Config, start: int, cap_months: int) -> int:
    """The oldest age (months, at most `cap_months`) at `start` of somebody whose AOW date is after `start`."""
    ages = np.arange(cap_months, -1, -1)
    retires = retirement_month(start - ages, build_aow_table(config.demography.aow))
    after = np.flatnonzero(retires > start)
    return int(ages[after[0]]) if len(after) else 0


def _stratified_choice(rng: np.random.Generator, values: np.ndarray, probs: np.ndarray, n: int) -> np.ndarray:
    """n draws whose empirical law follows `probs` closely: one uniform per stratum, then shuffled."""
    u = (np.arange(n) + rng.random(n)) / n
    cdf = np.cumsum(probs)
    idx = np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(values) - 1)
    out = values[idx]
    rng.shuffle(out)
    return out


def _categorical(rng: np.random.Generator, shares: Mapping[Any, float], names: tuple[str, ...], n: int) -> np.ndarray:
    probs = np.array([shares.get(name, 0.0) for name in names])
    return _stratified_choice(rng, np.arange(len(names), dtype=np.int8), probs / probs.sum(), n)


def synthetic_population(config: Config, aow_months_at_start: int) -> Population:
    """Draw the starting population the config describes, reproducibly from `population.seed`.

    `aow_months_at_start` is the AOW age (months) of the start year: nobody is generated at or past it, nor
    past their own AOW date (somebody who reached the lower AOW age of an earlier year has already retired).
    Nobody is younger than the minimum entry age at the last month in which anybody could enter.
    """
    pc: PopulationConfig = config.population
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(pc.seed)))
    start = month_index(config.horizon.start_date)
    latest_entry = min(start, month_index(pc.age.inflow_stop_date)) - 1
    min_entry_months = round(pc.age.min_entry_age_years * 12)
    min_age = (min_entry_months + start - latest_entry) / 12.0
    max_age = _oldest_before_aow_months(config, start, aow_months_at_start - 1) / 12.0
    try:
        ages, probs = fit_age_distribution(pc.age.mean_years, pc.age.share_over_45, min_age, max_age)
    except ValueError as exc:
        raise ConfigError(config.source, "population.age", str(exc)) from None

    municipalities = config.municipalities
    total = round(pc.persons * pc.scale)
    counts = largest_remainder(total, [pc.municipality_shares[m] for m in municipalities])
    municipality = np.repeat(np.arange(len(municipalities), dtype=np.int16), counts)
    n = len(municipality)

    age_months = np.rint(_stratified_choice(rng, ages, probs, n) * 12).astype(np.int32)
    birth_month = (start - age_months).astype(np.int32)
    sex = (rng.random(n) >= pc.share_men).astype(np.int8)
    work_form = _categorical(rng, pc.work_form_shares, WORK_FORMS, n)
    disability = _categorical(rng, pc.disability_shares, DISABILITY_TYPES, n)

    earliest = np.maximum(birth_month + min_entry_months, month_index(pc.earliest_wsw_start))
    latest = np.maximum(latest_entry, earliest)
    wsw_start = (earliest + np.floor(rng.random(n) * (latest - earliest + 1))).astype(np.int32)

    before_1998 = wsw_start < 1998 * 12
    p_full = np.where(before_1998, pc.se.fulltime_share_before_1998, pc.se.fulltime_share_since_1998)
    fulltime = rng.random(n) < p_full
    lo = pc.se.parttime_min_se
    m = (pc.se.parttime_mean_se - lo) / (1 - lo)
    concentration = 6.0
    part = lo + (1 - lo) * rng.beta(m * concentration, (1 - m) * concentration, n)
    se = np.where(fulltime, 1.0, np.clip(np.round(part * 36) / 36, 1 / 36, 35 / 36))

    width = max(6, len(str(n)))
    person_id = np.array([f"syn-{i:0{width}d}" for i in range(n)], dtype=object)
    return Population(
        municipalities=municipalities,
        person_id=person_id,
        municipality=municipality,
        birth_month=birth_month,
        sex=sex,
        se=se.astype(np.float64),
        work_form=work_form,
        disability=disability,
        wsw_start_month=wsw_start,
    )


# -------------------------------------------------------------------------------------------- parquet

POPULATION_SCHEMA = pa.schema(
    [
        pa.field("person_id", pa.string(), nullable=False, metadata={"description": "pseudonymous id"}),
        pa.field("municipality", pa.string(), nullable=False),
        pa.field("birth_year", pa.int16(), nullable=False),
        pa.field("birth_month", pa.int8(), nullable=False, metadata={"description": "1-12; day not kept"}),
        pa.field("sex", pa.string(), nullable=False, metadata={"description": "M or V"}),
        pa.field("se", pa.float64(), nullable=False, metadata={"unit": "SE", "description": "0 < se <= 1"}),
        pa.field("work_form", pa.string(), nullable=False),
        pa.field("disability_type", pa.string(), nullable=False),
        pa.field("wsw_start_date", pa.date32(), nullable=False),
    ],
    metadata={"wsw_sim.table": "population", "wsw_sim.schema_version": "1"},
)


def population_table(pop: Population) -> pa.Table:
    return pa.table(
        {
            "person_id": pa.array(pop.person_id.astype(str), pa.string()),
            "municipality": pa.array(np.array(pop.municipalities, dtype=object)[pop.municipality], pa.string()),
            "birth_year": pa.array(pop.birth_month // 12, pa.int16()),
            "birth_month": pa.array(pop.birth_month % 12 + 1, pa.int8()),
            "sex": pa.array(np.array(SEXES, dtype=object)[pop.sex], pa.string()),
            "se": pa.array(pop.se, pa.float64()),
            "work_form": pa.array(np.array(WORK_FORMS, dtype=object)[pop.work_form], pa.string()),
            "disability_type": pa.array(np.array(DISABILITY_TYPES, dtype=object)[pop.disability], pa.string()),
            "wsw_start_date": pa.array([month_to_date(int(m)) for m in pop.wsw_start_month], pa.date32()),
        },
        schema=POPULATION_SCHEMA,
    )


def write_population(pop: Population, path: str | Path) -> None:
    """Write atomically: a temporary file in the same folder, renamed into place."""
    from sim.runs.store import atomic_write_parquet

    atomic_write_parquet(population_table(pop), Path(path))


def _codes(values: np.ndarray, names: tuple[str, ...], source: str, column: str) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(names)}
    try:
        return np.array([lookup[v] for v in values], dtype=np.int16)
    except KeyError as exc:
        raise ConfigError(
            source, column, f"unknown value {exc.args[0]!r}; expected one of {', '.join(names)}"
        ) from None


def read_population(path: str | Path, municipalities: tuple[str, ...]) -> Population:
    """Read a population Parquet file (as written by `population` or `import`)."""
    path = Path(path)
    source = str(path)
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise ConfigError(source, "", "population file not found") from None
    except (OSError, pa.ArrowException) as exc:
        raise ConfigError(source, "", f"cannot be read as Parquet ({exc})") from None
    missing = [name for name in POPULATION_SCHEMA.names if name not in table.column_names]
    if missing:
        raise ConfigError(source, missing[0], "missing column")
    cols = {}
    for fld in POPULATION_SCHEMA:  # a file written by another tool: empty cells and wrong types are input errors
        column = table.column(fld.name)
        if column.null_count:
            raise ConfigError(source, fld.name, f"{column.null_count} empty value(s)")
        try:
            column = column.cast(fld.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ConfigError(source, fld.name, f"values of type {column.type} cannot be read as {fld.type}") from None
        cols[fld.name] = column.to_numpy(zero_copy_only=False)
    if len(cols["birth_month"]) and not np.all((cols["birth_month"] >= 1) & (cols["birth_month"] <= 12)):
        raise ConfigError(source, "birth_month", "every birth_month must lie in 1 to 12")
    if len(np.unique(cols["person_id"])) != len(cols["person_id"]):
        raise ConfigError(source, "person_id", "person ids must be unique")
    start = cols["wsw_start_date"]
    wsw_start = np.array([d.year * 12 + d.month - 1 for d in start.astype("datetime64[D]").tolist()], np.int32)
    birth_month = (cols["birth_year"].astype(np.int32) * 12 + cols["birth_month"].astype(np.int32) - 1).astype(np.int32)
    se = cols["se"].astype(np.float64)
    if len(se) and (np.any(~(se > 0)) or np.any(se > 1)):
        raise ConfigError(source, "se", "every se must lie in (0, 1]")
    return Population(
        municipalities=municipalities,
        person_id=cols["person_id"].astype(object),
        municipality=_codes(cols["municipality"], municipalities, source, "municipality"),
        birth_month=birth_month,
        sex=_codes(cols["sex"], SEXES, source, "sex").astype(np.int8),
        se=se,
        work_form=_codes(cols["work_form"], WORK_FORMS, source, "work_form").astype(np.int8),
        disability=_codes(cols["disability_type"], DISABILITY_TYPES, source, "disability_type").astype(np.int8),
        wsw_start_month=wsw_start,
    )


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inflow_population(config: Config, rng: np.random.Generator) -> tuple[Population, np.ndarray]:
    """What-if inflow: `persons_per_year` new employees a year, at uniform times within each year.

    Ages come from a normal law truncated to [min entry age, 60]; municipalities from the population shares.
    Returns the newcomers and their entry times (calendar years as floats).
    """
    inflow = config.demography.inflow
    municipalities = config.municipalities
    first = inflow.first_year if inflow.first_year is not None else config.horizon.start_year
    last = inflow.last_year if inflow.last_year is not None else config.horizon.end_year
    years = [y for y in range(first, last + 1) if y in config.horizon.years]
    n = inflow.persons_per_year * len(years)
    if n == 0:
        empty = np.zeros(0)
        return (
            Population(
                municipalities=municipalities,
                person_id=np.zeros(0, object),
                municipality=np.zeros(0, np.int16),
                birth_month=np.zeros(0, np.int32),
                sex=np.zeros(0, np.int8),
                se=empty,
                work_form=np.zeros(0, np.int8),
                disability=np.zeros(0, np.int8),
                wsw_start_month=np.zeros(0, np.int32),
            ),
            empty,
        )
    entry = np.repeat(np.array(years, float), inflow.persons_per_year) + rng.random(n)
    min_age = config.population.age.min_entry_age_years
    age = rng.normal(inflow.age_mean_years, inflow.age_sd_years, n)
    for _ in range(100):  # redraw the few outside the bounds
        bad = (age < min_age) | (age > 60)
        if not bad.any():
            break
        age[bad] = rng.normal(inflow.age_mean_years, inflow.age_sd_years, int(bad.sum()))
    age = np.clip(age, min_age, 60)
    entry_month = np.floor(entry * 12).astype(np.int32)
    shares = np.array([config.population.municipality_shares[m] for m in municipalities])
    municipality = rng.choice(len(municipalities), size=n, p=shares / shares.sum()).astype(np.int16)
    sex = (rng.random(n) >= config.population.share_men).astype(np.int8)
    disability_p = np.array([config.population.disability_shares.get(d, 0.0) for d in DISABILITY_TYPES])
    disability = rng.choice(len(DISABILITY_TYPES), size=n, p=disability_p / disability_p.sum()).astype(np.int8)
    return (
        Population(
            municipalities=municipalities,
            person_id=np.array([f"inflow-{i:06d}" for i in range(n)], dtype=object),
            municipality=municipality,
            birth_month=(entry_month - np.floor(age * 12)).astype(np.int32),
            sex=sex,
            se=np.full(n, inflow.se),
            work_form=np.full(n, WORK_FORMS.index(inflow.work_form), np.int8),
            disability=disability,
            wsw_start_month=entry_month,
        ),
        entry,
    )


def concat(a: Population, b: Population) -> Population:
    arrays = {
        f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
        for f in fields(a)
        if f.name != "municipalities"
    }
    return Population(municipalities=a.municipalities, **arrays)
