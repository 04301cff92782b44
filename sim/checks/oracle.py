"""Exact expectations for demography, and the check of a batch's means against them.

Exits do not depend on the organisation (job security) and people are independent, so for every
municipality and year the number of persons still employed at 31 December is a sum of independent Bernoulli
variables: its expectation is the sum of each person's probability p of still being employed, its variance
the sum of p(1 - p) (SE: sum of se * p and se^2 * p(1 - p)). Likewise the number of exits for each reason in
each calendar year. The probabilities come from the same population, AOW table and hazards the simulation
uses (`Model.prepare`), never from simulation output:

- still employed at the end of year Y: survival of death, illness and voluntary exit to Y + 1, and an AOW
  date on or after Y + 1;
- retirement in Y: the AOW date falls in Y and the person survives the other risks to it;
- death, illness, voluntary exit in Y: the integral over the part of Y before the AOW date of the reason's
  hazard times the survival, by Gauss-Legendre quadrature on pieces where the illness band does not change
  (the integrands are then smooth, so 20 nodes give about machine precision).

Where the oracle is exact: the voluntary hazard depends on the form of work, which placements change; the
oracle assumes every person keeps the starting form, so it is exact for scenarios without organisations, and
for every scenario when the voluntary hazard is the same for all forms (its age multiplier, a band hazard
like illness, is followed exactly). Supported employment that ends into outflow
(`supported_employment_exit_share` > 0) makes exits depend on placements: such scenarios are not checked.
It does not cover the what-if inflow (random newcomers) except for the inflow count itself, nor parameters
drawn per replication for demography.
`not_applicable` says why for a given config and scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model.demography import DemographyModel
from sim.model.population import Population
from sim.model.replication import Model
from sim.model.retirement import retirement_month

EXIT_COLUMNS = ("exits_retirement", "exits_death", "exits_illness", "exits_voluntary")
QUANTITIES = ("persons", "se", *EXIT_COLUMNS, "inflow")
EXACT_TOLERANCE = 1e-4
"""How far a batch mean may be from an exactly known quantity (variance 0) and still count as equal."""
"""What the oracle predicts per municipality and year: the stock at 31 December, then the year's flows."""

Z_LIMIT = 4.0
"""A batch fails validation when the mean of any quantity lies more than this many standard errors away."""

GAUSS_NODES = 20


# ------------------------------------------------------------------------------------- applicability


def not_applicable(model: Model, scenario: str) -> str | None:
    """Why the oracle is not exact for this scenario (None when it is)."""
    config = model.config
    demography_uncertain = sorted(p for p in config.uncertain if p.startswith("demography."))
    if demography_uncertain:
        return f"demography parameter {demography_uncertain[0]} is drawn per replication"
    if config.demography.inflow.persons_per_year > 0:
        return "the what-if inflow is on (random newcomers); only the inflow count is exact"
    rates = model.demography.voluntary_hazard_per_year
    timeline = config.scenarios[scenario].timeline
    if timeline and not np.all(rates == rates[0]):
        return "placements change forms of work and the voluntary hazard differs by form"
    if timeline and config.organisations is not None:
        names = {name for partition in timeline for name in partition.organisations}
        drawn = any(p.endswith("supported_employment_exit_share") for p in config.uncertain)
        if drawn or any(config.organisations.params(n).supported_employment_exit_share > 0 for n in names):
            return (
                "supported employment that ends sends people out of the Wsw (placements change exits): persons, "
                "SE and every exit count"
            )
    return None


# ------------------------------------------------------------------------------------ probabilities


@dataclass(frozen=True, eq=False)
class _Groups:
    """People with the same birth month, sex and form of work: they share every probability."""

    birth: np.ndarray  # birth time (calendar years)
    sex: np.ndarray
    voluntary: np.ndarray  # voluntary hazard per year
    retirement: np.ndarray  # AOW date (calendar years)
    entry: float
    inverse: np.ndarray  # person -> group

    @classmethod
    def of(cls, pop: Population, demography: DemographyModel, entry: float) -> _Groups:
        key = (pop.birth_month.astype(np.int64) * 2 + pop.sex) * 4 + pop.work_form
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        birth_month = pop.birth_month[first]
        return cls(
            birth=birth_month / 12.0,
            sex=pop.sex[first].astype(np.int64),
            voluntary=demography.voluntary_hazard_per_year[pop.work_form[first]],
            retirement=np.maximum(retirement_month(birth_month, demography.aow) / 12.0, entry),
            entry=entry,
            inverse=inverse.ravel(),
        )


def _column(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`values` (one per group) shaped to broadcast against `like` (groups on the first axis)."""
    return values.reshape((-1,) + (1,) * (like.ndim - 1))


def _death_cumulative(g: _Groups, demography: DemographyModel, age: np.ndarray) -> np.ndarray:
    out = np.zeros_like(age)
    for code, law in enumerate(demography.mortality):
        mask = g.sex == code
        out[mask] = law.cumulative(age[mask], demography.excess_mortality)
    return out


def _death_hazard(g: _Groups, demography: DemographyModel, age: np.ndarray) -> np.ndarray:
    out = np.zeros_like(age)
    for code, law in enumerate(demography.mortality):
        mask = g.sex == code
        out[mask] = law.hazard(age[mask], demography.excess_mortality)
    return out


def _survival(g: _Groups, demography: DemographyModel, t: np.ndarray) -> np.ndarray:
    """Probability of no death, illness or voluntary exit between entry and `t` (t >= entry)."""
    age = t - _column(g.birth, t)
    age0 = np.broadcast_to(_column(g.entry - g.birth, t), t.shape)
    h = _death_cumulative(g, demography, age) - _death_cumulative(g, demography, age0)
    h += demography.illness.cumulative(age) - demography.illness.cumulative(age0)
    by_age = demography.voluntary_by_age
    h += _column(g.voluntary, t) * (by_age.cumulative(age) - by_age.cumulative(age0))
    return np.exp(-h)


@dataclass(frozen=True, eq=False)
class _YearProbabilities:
    """Per group, for one calendar year: still employed at its end, and exit in it by reason."""

    present: np.ndarray
    exits: dict[str, np.ndarray] = field(default_factory=dict)


def _year(g: _Groups, demography: DemographyModel, year: int, horizon_end: float) -> _YearProbabilities:
    survival_end = _survival(g, demography, np.full(len(g.birth), float(year + 1)))
    present = np.where(g.retirement >= year + 1, survival_end, 0.0)

    retires = (g.retirement >= year) & (g.retirement < year + 1) & (g.retirement < horizon_end)
    retirement = np.where(retires, _survival(g, demography, g.retirement.copy()), 0.0)

    # the part of the year before the AOW date, cut where the illness band or the voluntary age band changes
    lo = np.maximum(float(year), np.full(len(g.birth), g.entry))
    hi = np.maximum(np.minimum(float(year + 1), g.retirement), lo)
    edges = np.concatenate([demography.illness.edges, demography.voluntary_by_age.edges])
    band_times = g.birth[:, None] + edges[None, :]
    cuts = np.sort(np.concatenate([lo[:, None], np.clip(band_times, lo[:, None], hi[:, None]), hi[:, None]], 1), 1)
    a, b = cuts[:, :-1], cuts[:, 1:]  # pieces (groups, pieces)
    x, w = np.polynomial.legendre.leggauss(GAUSS_NODES)
    half = (b - a) / 2
    t = (a + half)[..., None] + half[..., None] * x  # (groups, pieces, nodes)
    s = _survival(g, demography, t)
    weight = half[..., None] * w  # quadrature weights in years
    middle_age = (a + half) - g.birth[:, None]
    illness_rate = demography.illness.hazard(middle_age)  # constant on each piece
    voluntary_rate = g.voluntary[:, None] * demography.voluntary_by_age.hazard(middle_age)
    integral_s = (weight * s).sum(axis=2)
    death = (weight * s * _death_hazard(g, demography, t - g.birth[:, None, None])).sum(axis=(1, 2))
    illness = (illness_rate * integral_s).sum(axis=1)
    voluntary = (voluntary_rate * integral_s).sum(axis=1)
    return _YearProbabilities(
        present=present,
        exits={
            "exits_retirement": retirement,
            "exits_death": death,
            "exits_illness": illness,
            "exits_voluntary": voluntary,
        },
    )


# ------------------------------------------------------------------------------------- expectations


def presence_probabilities(model: Model, year: int) -> np.ndarray:
    """Per person of the starting population: the probability of still being employed at 31 December of `year`."""
    g = _Groups.of(model.population, model.demography, model.start)
    if year < model.config.horizon.start_year:
        return np.ones(len(model.population))
    return _year(g, model.demography, year, model.end).present[g.inverse]


def expectations(model: Model) -> pd.DataFrame:
    """Exact expectation and variance of every quantity, per municipality and year, for one replication.

    Columns: municipality, year, quantity, expected, variance. `persons` and `se` are stocks at 31 December
    of `year` (the start stock appears as the year before the first, exactly known); the exits and `inflow`
    are flows during `year`. Stocks and exits cover the starting population only (see `not_applicable`).
    """
    config = model.config
    pop = model.population
    municipalities = config.municipalities
    n_m = len(municipalities)
    g = _Groups.of(pop, model.demography, model.start)
    muni = pop.municipality.astype(np.int64)
    se = pop.se
    rows: list[tuple[str, int, str, float, float]] = []

    def add(year: int, quantity: str, mean: np.ndarray, var: np.ndarray) -> None:
        rows.extend((municipalities[m], year, quantity, float(mean[m]), float(var[m])) for m in range(n_m))

    def sums(p_person: np.ndarray, weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        w = np.ones_like(p_person) if weight is None else weight
        mean = np.bincount(muni, weights=w * p_person, minlength=n_m)
        var = np.bincount(muni, weights=w * w * p_person * (1 - p_person), minlength=n_m)
        return mean, var

    start_persons = np.bincount(muni, minlength=n_m).astype(float)
    add(config.horizon.start_year - 1, "persons", start_persons, np.zeros(n_m))
    add(config.horizon.start_year - 1, "se", np.bincount(muni, weights=se, minlength=n_m), np.zeros(n_m))

    inflow = config.demography.inflow
    first = inflow.first_year if inflow.first_year is not None else config.horizon.start_year
    last = inflow.last_year if inflow.last_year is not None else config.horizon.end_year
    shares = np.array([config.population.municipality_shares[m] for m in municipalities])
    shares = shares / shares.sum()
    for year in config.horizon.years:
        probs = _year(g, model.demography, year, model.end)
        present = probs.present[g.inverse]
        add(year, "persons", *sums(present))
        add(year, "se", *sums(present, se))
        for name, p in probs.exits.items():
            add(year, name, *sums(p[g.inverse]))
        # newcomers land in a municipality by a multinomial draw over the population shares
        n_new = inflow.persons_per_year if first <= year <= last else 0
        add(year, "inflow", n_new * shares, n_new * shares * (1 - shares))
    return pd.DataFrame(rows, columns=["municipality", "year", "quantity", "expected", "variance"])


# ------------------------------------------------------------------------------------------- compare


def batch_means(stocks: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, municipality, year and quantity: the mean over replications and their number."""
    per_rep = stocks.groupby(["scenario", "replication", "year", "municipality"], as_index=False, observed=True)[
        ["persons", "se"]
    ].sum()
    long = pd.concat(
        [
            per_rep.melt(["scenario", "replication", "year", "municipality"], var_name="quantity"),
            flows[["scenario", "replication", "year", "municipality", *EXIT_COLUMNS, "inflow"]].melt(
                ["scenario", "replication", "year", "municipality"], var_name="quantity"
            ),
        ],
        ignore_index=True,
    )
    long["scenario"] = long["scenario"].astype(str)
    long["municipality"] = long["municipality"].astype(str)
    long["year"] = long["year"].astype(int)
    out = long.groupby(["scenario", "municipality", "year", "quantity"], as_index=False).agg(
        mean=("value", "mean"), n_reps=("replication", "nunique")
    )
    return out


@dataclass(frozen=True, eq=False)
class Validation:
    """The z-score table (worst first) and the scenarios the oracle does not apply to, with why."""

    table: pd.DataFrame
    skipped: dict[str, str]
    z_limit: float = Z_LIMIT

    @property
    def failures(self) -> pd.DataFrame:
        return self.table[self.table["z"].abs() > self.z_limit]

    @property
    def ok(self) -> bool:
        return len(self.table) > 0 and len(self.failures) == 0


def validate(model: Model, stocks: pd.DataFrame, flows: pd.DataFrame, z_limit: float = Z_LIMIT) -> Validation:
    """Compare the batch means in `stocks` and `flows` with the oracle: z = (mean - E) / sqrt(Var / n).

    A quantity known exactly (variance 0) gets z = 0 when the mean equals it and infinity otherwise.
    Scenarios the oracle is not exact for are left out and listed in `skipped` (their inflow count is
    still checked).
    """
    expected = expectations(model)
    means = batch_means(stocks, flows)
    skipped: dict[str, str] = {}
    keep = []
    for scenario in sorted(means["scenario"].unique()):
        reason = not_applicable(model, scenario) if scenario in model.config.scenarios else "not in the config"
        if reason is not None:
            skipped[scenario] = reason
        keep.append((scenario, reason is None))
    applicable = {s for s, ok in keep if ok}
    means = means[means["scenario"].isin(applicable) | (means["quantity"] == "inflow")]
    table = means.merge(expected, on=["municipality", "year", "quantity"], how="left")
    missing = table["expected"].isna()
    if missing.any():
        row = table[missing].iloc[0]
        raise ValueError(f"the batch has {row['quantity']} for {row['municipality']} {row['year']} the oracle lacks")
    diff = table["mean"] - table["expected"]
    se_mean = np.sqrt(table["variance"] / table["n_reps"])
    exact = se_mean == 0
    # the stocks table rounds SE to 1e-6 per (municipality, form) row, so an exact SE sum may be off by a
    # few millionths: a tolerance well above that rounding and far below any real difference (one person)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(exact, np.where(diff.abs() < EXACT_TOLERANCE, 0.0, np.inf * np.sign(diff)), diff / se_mean)
    table = table.assign(std_error=se_mean, z=z)
    table = table.iloc[np.argsort(-np.abs(table["z"].to_numpy()), kind="stable")].reset_index(drop=True)
    return Validation(table=table, skipped=skipped, z_limit=z_limit)
