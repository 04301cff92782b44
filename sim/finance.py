"""Money per organisation and member municipality per year, and each organisation's yearly size.

Computed after the simulation from what it recorded: SE-years and person-years by municipality and form of
work, coach FTE histories, the organisations' creation dates, and year-end stocks. All amounts are nominal
EUR: a price of `money.price_year` is indexed by (1 + index) ** (year - price_year).

Columns per (organisation, municipality) row: every cost and the added value are the organisation's amount
allocated by the key (`money.allocation_key`, default the municipality's share of the organisation's
SE-years); the subsidy is the municipality's own (it receives the rijksbijdrage for its own employees'
SE). So, row by row, municipal_contribution = wage + wage subsidy + coaches + overhead + sites + transition
- subsidy - added value.

Sites: each year an organisation keeps open the fewest of its sites (largest first) that hold its
beschut_binnen employees at the end of the previous year and closes the rest (a closed site never reopens;
its closure cost is a transition cost). What its own sites cannot hold, or everything under the `buy` policy,
is bought at a tariff from the organisation with the largest open capacity, for which it is added value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim import schema
from sim.config import Config, Partition
from sim.domain import BEGELEID, BESCHUT, WORK_FORMS
from sim.organisations import fte_at, fte_years

COST_COLUMNS = (
    "wage_cost_eur",
    "wage_subsidy_eur",
    "coach_cost_eur",
    "overhead_eur",
    "site_cost_eur",
    "transition_cost_eur",
)


@dataclass(frozen=True, eq=False)
class OrganisationHistory:
    """What the simulation of one scenario recorded about its organisations."""

    fte_history: dict[str, list[tuple[float, float]]]
    created: dict[str, list[float]]


def partition_for(timeline: list[Partition], year: int) -> Partition:
    """The partition in force during `year` (partitions start on 1 January)."""
    current = timeline[0]
    for partition in timeline:
        if partition.start.year <= year:
            current = partition
    return current


def _index(rate: float, year: int, price_year: int) -> float:
    return float((1.0 + rate) ** (year - price_year))


def finance_tables(
    config: Config,
    timeline: list[Partition],
    history: OrganisationHistory,
    se_years: np.ndarray,
    person_years: np.ndarray,
    stock_persons: np.ndarray,
    stock_se: np.ndarray,
    scenario: str,
    replication: int,
) -> tuple[pa.Table, pa.Table]:
    """The `finance` and `organisations` tables of one scenario of one replication.

    `se_years`/`person_years` are [year, municipality, form] over the horizon's years; `stock_*` are the
    year-end stocks [year, municipality, form] starting with the year before the first.
    """
    assert config.money is not None and config.organisations is not None
    money = config.money
    orgs_cfg = config.organisations
    municipalities = config.municipalities
    index = {m: i for i, m in enumerate(municipalities)}
    years = config.horizon.years
    site_open = [True] * len(orgs_cfg.sites)
    fin: dict[str, list] = {k: [] for k in ("year", "organisation", "municipality", *COST_COLUMNS)}
    fin["subsidy_eur"] = []
    fin["added_value_eur"] = []
    org_rows: dict[str, list] = {k: [] for k in ("year", "organisation", "members", "persons", "se", "coaches_fte")}
    org_rows["persons_per_coach"] = []
    org_rows["overhead_eur_per_se"] = []
    av_per_se = np.array([money.added_value_eur_per_se[f] for f in WORK_FORMS])
    paid_wage = np.array([f != BEGELEID for f in range(len(WORK_FORMS))], dtype=float)

    for k, year in enumerate(years):
        partition = partition_for(timeline, year)
        wage_ix = _index(money.wage_index_per_year, year, money.price_year)
        price_ix = _index(money.price_index_per_year, year, money.price_year)
        subsidy_ix = _index(money.subsidy_index_per_year, year, money.price_year)
        members_of = {name: sorted(index[m] for m in names) for name, names in partition.organisations.items()}
        # sites for this year: decided on the beschut_binnen stock at the end of the previous year
        kept_capacity: dict[str, int] = {}
        site_cost: dict[str, float] = {}
        closure_cost: dict[str, float] = {}
        shortfall_share: dict[str, float] = {}
        for name, members in members_of.items():
            params = orgs_cfg.params(name)
            need = int(stock_persons[k, members, BESCHUT].sum())
            own = sorted(
                (i for i, s in enumerate(orgs_cfg.sites) if site_open[i] and index[s.municipality] in members),
                key=lambda i: (-orgs_cfg.sites[i].capacity_persons, orgs_cfg.sites[i].name),
            )
            capacity = 0
            closure_cost[name] = 0.0
            site_cost[name] = 0.0
            for i in own:
                if params.sheltered_policy == "run" and capacity < need:
                    capacity += orgs_cfg.sites[i].capacity_persons
                    site_cost[name] += orgs_cfg.sites[i].fixed_cost_eur_per_year * price_ix
                else:
                    site_open[i] = False
                    closure_cost[name] += orgs_cfg.sites[i].closure_cost_eur * price_ix
            kept_capacity[name] = capacity
            shortfall_share[name] = max(0, need - capacity) / need if need > 0 else 0.0
        provider = max(kept_capacity, key=lambda n: (kept_capacity[n], n)) if kept_capacity else None
        if provider is not None and kept_capacity[provider] == 0:
            provider = None
        tariff_income = dict.fromkeys(members_of, 0.0)
        bought: dict[str, float] = {}
        for name, members in members_of.items():
            beschut_years = float(person_years[k, members, BESCHUT].sum())
            cost = shortfall_share[name] * beschut_years * money.sheltered_place_tariff_eur_per_person_year * price_ix
            bought[name] = cost
            if cost > 0 and provider is not None and provider != name:
                tariff_income[provider] += cost

        for name, members in members_of.items():
            params = orgs_cfg.params(name)
            se_m = se_years[k, members, :]  # [member, form]
            py_m = person_years[k, members, :]
            total_py = float(py_m.sum())
            created_now = float(year) in history.created.get(name, [])
            org_costs = {
                "wage_cost_eur": float((se_m * paid_wage).sum()) * money.wage_cost_eur_per_se * wage_ix,
                "wage_subsidy_eur": float(se_m[:, BEGELEID].sum()) * money.wage_subsidy_eur_per_se * wage_ix,
                "coach_cost_eur": fte_years(history.fte_history.get(name, []), year)
                * money.coach_cost_eur_per_fte_year
                * wage_ix,
                "overhead_eur": (
                    (params.fixed_overhead_eur_per_year + (params.governance_eur_per_year if len(members) > 1 else 0.0))
                    * wage_ix
                    * (total_py > 0)
                    + float((py_m * np.array([params.staff_cost_eur_per_person_year[f] for f in WORK_FORMS])).sum())
                    * wage_ix
                ),
                "site_cost_eur": site_cost[name] + bought[name],
                "transition_cost_eur": closure_cost[name] + (params.setup_cost_eur * wage_ix if created_now else 0.0),
            }
            added_value = float((se_m * av_per_se).sum()) * price_ix + tariff_income[name]
            if total_py == 0 and not any(org_costs.values()) and added_value == 0:
                continue
            key = _allocation_key(config, members, se_m.sum(axis=1), py_m.sum(axis=1))
            fin["year"].append(np.full(len(members), year))
            fin["organisation"].extend([name] * len(members))
            fin["municipality"].extend(municipalities[m] for m in members)
            for c in COST_COLUMNS:
                fin[c].append(org_costs[c] * key)
            fin["subsidy_eur"].append(se_m.sum(axis=1) * (money.subsidy_eur_per_se * subsidy_ix))
            fin["added_value_eur"].append(added_value * key)

            persons = int(stock_persons[k + 1, members, :].sum())
            se_end = float(stock_se[k + 1, members, :].sum())
            fte = fte_at(history.fte_history.get(name, []), float(year + 1))
            se_total = float(se_m.sum())
            org_rows["year"].append(year)
            org_rows["organisation"].append(name)
            org_rows["members"].append(",".join(municipalities[m] for m in members))
            org_rows["persons"].append(persons)
            org_rows["se"].append(round(se_end, 6))
            org_rows["coaches_fte"].append(round(fte, 6))
            org_rows["persons_per_coach"].append(round(persons / fte, 6) if fte > 0 else None)
            org_rows["overhead_eur_per_se"].append(
                round(org_costs["overhead_eur"] / se_total, 2) if se_total > 0 else None
            )

    def column(name: str) -> np.ndarray:
        return np.round(np.concatenate(fin[name]), 2) if fin[name] else np.zeros(0)

    money_cols = {c: column(c) for c in (*COST_COLUMNS, "subsidy_eur", "added_value_eur")}
    contribution = np.round(
        sum((money_cols[c] for c in COST_COLUMNS), np.zeros(len(fin["organisation"])))
        - money_cols["subsidy_eur"]
        - money_cols["added_value_eur"],
        2,
    )
    n = len(fin["organisation"])
    finance = pa.table(
        {
            "scenario": pa.array([scenario] * n, pa.string()),
            "replication": pa.array(np.full(n, replication, np.int32)),
            "year": pa.array(np.concatenate(fin["year"]) if n else np.zeros(0), pa.int16()),
            "organisation": pa.array(fin["organisation"], pa.string()),
            "municipality": pa.array(fin["municipality"], pa.string()),
            **{c: pa.array(money_cols[c], pa.float64()) for c in schema.FINANCE.names if c in money_cols},
            "municipal_contribution_eur": pa.array(contribution, pa.float64()),
        },
        schema=schema.FINANCE,
    )
    m = len(org_rows["year"])
    organisations = pa.table(
        {
            "scenario": pa.array([scenario] * m, pa.string()),
            "replication": pa.array(np.full(m, replication, np.int32)),
            "year": pa.array(org_rows["year"], pa.int16()),
            "organisation": pa.array(org_rows["organisation"], pa.string()),
            "members": pa.array(org_rows["members"], pa.string()),
            "persons": pa.array(org_rows["persons"], pa.int32()),
            "se": pa.array(org_rows["se"], pa.float64()),
            "coaches_fte": pa.array(org_rows["coaches_fte"], pa.float64()),
            "persons_per_coach": pa.array(org_rows["persons_per_coach"], pa.float64()),
            "overhead_eur_per_se": pa.array(org_rows["overhead_eur_per_se"], pa.float64()),
        },
        schema=schema.ORGANISATIONS,
    )
    return finance, organisations


def _allocation_key(config: Config, members: list[int], se: np.ndarray, persons: np.ndarray) -> np.ndarray:
    """Each member's share of an organisation's costs in a year; equal shares when the basis is all zero."""
    assert config.money is not None
    if config.money.allocation_key == "fixed":
        basis = np.array([config.money.fixed_allocation[config.municipalities[m]] for m in members])
    elif config.money.allocation_key == "persons_share":
        basis = persons
    else:
        basis = se
    total = float(basis.sum())
    return basis / total if total > 0 else np.full(len(members), 1.0 / len(members))
