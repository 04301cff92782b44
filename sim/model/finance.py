"""Money per organisation and member municipality per year, and each organisation's yearly size.

Computed after the simulation from what it recorded: SE-years and person-years by municipality and form of
work, coach FTE histories, the organisations' creation dates, and year-end stocks. All amounts are nominal
EUR: a price of `money.price_year` is indexed by (1 + index) ** (year - price_year).

Columns per (organisation, municipality) row: every cost and the added value are the organisation's amount
allocated by the key (`money.allocation_key`, default the municipality's share of the organisation's
SE-years); the subsidy is the municipality's own (it receives the rijksbijdrage for its own employees'
SE). So, row by row, municipal_contribution = wage + wage subsidy + coaches + overhead + sites + transition
+ sick leave + dissolution - subsidy - added value - commercial result.

Wages and the subsidy follow index paths (`index_path`: given yearly rises, a default rate otherwise). Sick
leave: in the `sick_leave_years_before_illness_exit` before an exit for illness a person is paid and
subsidised but adds no value; the column is the added value forgone. The commercial result is the
organisation's commercial branch, per SE-year of its Wsw employees, allocated by the key. When an
organisation ends with people (a split, a merge) its one-off dissolution costs fall on its municipalities by
their share of its people, in the rows of the organisation each belongs to in that year.

Sites: what they cost, close and sell is `sim.model.sites`'s (`site_costs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.domain import BEGELEID, WORK_FORMS
from sim.inputs.config import Config, Partition
from sim.model.coaches import fte_at, fte_years
from sim.model.sites import site_costs
from sim.model.tally import by_name, labels
from sim.runs import schema

COST_COLUMNS = (
    "wage_cost_eur",
    "wage_subsidy_eur",
    "coach_cost_eur",
    "overhead_eur",
    "site_cost_eur",
    "transition_cost_eur",
    "sick_leave_eur",
    "dissolution_cost_eur",
)
INCOME_COLUMNS = ("subsidy_eur", "added_value_eur", "commercial_result_eur")
"""What the municipal contribution is net of: municipal_contribution = sum(COST_COLUMNS) - sum(INCOME_COLUMNS)."""


@dataclass(frozen=True, eq=False)
class OrganisationHistory:
    """What the simulation of one scenario recorded about its organisations."""

    fte_history: dict[str, list[tuple[float, float]]]
    created: dict[str, list[float]]
    timeline: tuple[Partition, ...] = ()
    """The partitions applied, rules included (`World.applied`); empty: the scenario's timeline as written."""
    dissolved: tuple[tuple[float, str, int, float], ...] = ()
    """Organisations that ended with people: (time, name, municipality, its share of the people)."""


def index_path(rate: float, by_year: dict[int, float], price_year: int, years: np.ndarray) -> np.ndarray:
    """The index of each of `years` relative to `price_year` (1 there): the given yearly rises of `by_year`
    (the rise from the year before), `rate` in every other year."""
    if not by_year:
        return np.asarray((1.0 + rate) ** (years - price_year), float)
    first, last = min(int(years.min()), price_year), max(int(years.max()), price_year)
    rise = np.array([1.0 + by_year.get(y, rate) for y in range(first + 1, last + 1)])
    level = np.concatenate([[1.0], np.cumprod(rise)])  # from `first`
    return level[years - first] / level[price_year - first]


def partition_for(timeline: list[Partition], year: int) -> Partition:
    """The partition in force during `year` (partitions start on 1 January)."""
    current = timeline[0]
    for partition in timeline:
        if partition.start.year <= year:
            current = partition
    return current


def finance_tables(
    config: Config,
    timeline: list[Partition],
    histories: Sequence[OrganisationHistory],
    se_years: np.ndarray,
    person_years: np.ndarray,
    stock_persons: np.ndarray,
    stock_se: np.ndarray,
    scenario: str,
    replications: Sequence[int],
    sick_se_years: np.ndarray | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The `finance` and `organisations` tables of one scenario for some replications of the same config.

    `se_years`/`person_years` are [replication, year, municipality, form] over the horizon's years; `stock_*`
    are the year-end stocks [replication, year, municipality, form] starting with the year before the first;
    `sick_se_years` the SE-years on sick leave before an illness exit (none: nobody);
    `histories` and `replications` follow the first axis. Replications whose organisations went the same way
    (the same partitions applied: rules may end organisations in one replication and not in another), next to
    each other or not, are computed side by side, each exactly as it would be alone; rows are in replication
    order.
    """
    spans: list[tuple[tuple[Partition, ...], list[int]]] = []
    for g, history in enumerate(histories):
        applied = history.timeline or tuple(timeline)
        span = next((s for s in spans if s[0] == applied), None)
        if span is None:
            spans.append((applied, [g]))
        else:
            span[1].append(g)
    sick = np.zeros_like(se_years) if sick_se_years is None else sick_se_years
    parts = [
        _finance_tables(
            config,
            list(applied),
            [histories[g] for g in gs],
            se_years[gs],
            person_years[gs],
            stock_persons[gs],
            stock_se[gs],
            scenario,
            [replications[g] for g in gs],
            sick[gs],
        )
        for applied, gs in spans
    ]
    if len(parts) == 1:
        return parts[0]
    return _by_replication([p[0] for p in parts]), _by_replication([p[1] for p in parts])


def _by_replication(parts: list[pa.Table]) -> pa.Table:
    """Parts of a table, each in key order and holding its own replications, as one table in key order."""
    table = pa.concat_tables(parts)
    replication = table.column("replication").to_numpy()
    return table.take(np.argsort(replication, kind="stable"))


def _finance_tables(
    config: Config,
    timeline: list[Partition],
    histories: Sequence[OrganisationHistory],
    se_years: np.ndarray,
    person_years: np.ndarray,
    stock_persons: np.ndarray,
    stock_se: np.ndarray,
    scenario: str,
    replications: Sequence[int],
    sick_se_years: np.ndarray,
) -> tuple[pa.Table, pa.Table]:
    """The tables of `finance_tables` for replications that applied the same partitions (`timeline`).

    `se_years`/`person_years` are [replication, year, municipality, form] over the horizon's years; `stock_*`
    are the year-end stocks [replication, year, municipality, form] starting with the year before the first;
    `histories` and `replications` follow the first axis. The replications are computed side by side, each
    exactly as it would be alone.
    """
    assert config.money is not None and config.organisations is not None
    money = config.money
    orgs_cfg = config.organisations
    municipalities = config.municipalities
    index = {m: i for i, m in enumerate(municipalities)}
    n_g = len(histories)
    years = np.arange(config.horizon.start_year, config.horizon.end_year + 1)
    wage_ix = index_path(money.wage_index_per_year, money.wage_index_by_year, money.price_year, years)
    price_ix = (1.0 + money.price_index_per_year) ** (years - money.price_year)
    subsidy_ix = index_path(money.subsidy_index_per_year, money.subsidy_index_by_year, money.price_year, years)
    av_per_se = np.array([money.added_value_eur_per_se[f] for f in WORK_FORMS])
    paid_wage = np.array([f != BEGELEID for f in range(len(WORK_FORMS))], dtype=float)

    # which organisations exist in which years, with their members
    partitions = [partition_for(timeline, int(y)) for y in years]
    org_years: dict[str, list[int]] = {}
    org_members: dict[tuple[str, int], list[int]] = {}
    members_in: dict[int, dict[str, list[int]]] = {}  # per partition (a timeline has one to a few)
    employer_only: set[tuple[str, int]] = set()  # (organisation, year): employer of people served elsewhere
    for k, partition in enumerate(partitions):
        if id(partition) not in members_in:
            members_in[id(partition)] = {
                name: sorted(index[m] for m in names) for name, names in partition.organisations.items()
            }
        for name, members in members_in[id(partition)].items():
            org_years.setdefault(name, []).append(k)
            org_members[name, k] = members
        for name, names in partition.employers.items():
            org_years.setdefault(name, []).append(k)
            org_members[name, k] = sorted(index[m] for m in names)
            employer_only.add((name, k))
    params = {name: orgs_cfg.params(name) for name in org_years}
    other = orgs_cfg.other_persons(list(municipalities), config.horizon.years)  # [year, municipality]
    other_net = np.zeros_like(other)  # what they bring in less what they cost, EUR of the price year
    for group in orgs_cfg.other_groups:
        persons_of = np.array([group.persons(int(y), int(years[0])) for y in years])
        other_net[:, index[group.municipality]] += persons_of * (
            group.revenue_eur_per_person_year - group.cost_eur_per_person_year
        )
    viability = config.viability
    sites = site_costs(config, params, partitions, org_members, stock_persons, person_years, price_ix)
    org_names = sorted(org_years)
    # dissolution costs [replication, year, municipality], where the organisation ended (EUR of the year)
    dissolution = np.zeros((n_g, len(years), len(municipalities)))
    for r, h in enumerate(histories):
        for at, name, m, share in h.dissolved:
            k = int(at) - int(years[0])
            if 0 <= k < len(years):
                dissolution[r, k, m] += share * orgs_cfg.params(name).dissolution_eur * wage_ix[k]
    member_labels: dict[str, int] = {}  # "Almelo,Wierden": its code in the members column

    fin: dict[str, list[np.ndarray]] = {
        c: []
        for c in (
            *COST_COLUMNS,
            *INCOME_COLUMNS,
            "replication",
            "year",
            "organisation",
            "municipality",
        )
    }
    org_cols: dict[str, list[np.ndarray]] = {c: [] for c in schema.ORGANISATIONS.names if c != "scenario"}
    for name, ks in org_years.items():
        p = params[name]
        staff = np.array([p.staff_cost_eur_per_person_year[f] for f in WORK_FORMS])
        coach_fte_years = np.array([fte_years(h.fte_history.get(name, []), years) for h in histories])
        coach_fte_end = np.array([fte_at(h.fte_history.get(name, []), years + 1.0) for h in histories])
        created = [set(h.created.get(name, [])) for h in histories]
        # runs of consecutive years with the same members
        runs: list[list[int]] = []
        for k in ks:
            if (
                runs
                and runs[-1][-1] == k - 1
                and org_members[name, k] == org_members[name, runs[-1][-1]]
                and ((name, k) in employer_only) == ((name, k - 1) in employer_only)
            ):
                runs[-1].append(k)
            else:
                runs.append([k])
        for run in runs:
            kk = np.array(run)
            members = org_members[name, run[0]]
            se_m = se_years[:, kk][:, :, members, :]  # [replication, year, member, form]
            py_m = person_years[:, kk][:, :, members, :]
            total_py = py_m.sum(axis=(2, 3))
            fixed = p.fixed_overhead_eur_per_year + (p.governance_eur_per_year if len(members) > 1 else 0.0)
            # other target groups share the fixed overhead, coaches and sites' running costs by persons
            other_py = np.broadcast_to(other[kk][:, members].sum(axis=1), total_py.shape)
            if (name, run[0]) in employer_only:
                other_py = np.zeros_like(total_py)  # they are in the organisation serving its people
            with np.errstate(divide="ignore", invalid="ignore"):
                wsw_share = np.where(total_py + other_py > 0, total_py / (total_py + other_py), 1.0)
            coach_full = coach_fte_years[:, kk] * money.coach_cost_eur_per_fte_year * wage_ix[kk]
            fixed_full = fixed * wage_ix[kk] * ((total_py > 0) | (other_py > 0))
            staff_eur = (py_m * staff).sum(axis=(2, 3)) * wage_ix[kk]
            setup = np.array([[p.setup_cost_eur if float(years[k]) in made else 0.0 for k in run] for made in created])
            setup = setup * (total_py > 0)  # nobody sets up an organisation for nobody
            sick_m = sick_se_years[:, kk][:, :, members, :]
            costs = {
                "wage_cost_eur": (se_m * paid_wage).sum(axis=(2, 3)) * money.wage_cost_eur_per_se * wage_ix[kk],
                "wage_subsidy_eur": se_m[:, :, :, BEGELEID].sum(axis=2) * money.wage_subsidy_eur_per_se * wage_ix[kk],
                "coach_cost_eur": coach_full * wsw_share,
                "overhead_eur": fixed * wage_ix[kk] * (total_py > 0) * wsw_share + staff_eur,
                "site_cost_eur": sites.running[name][:, kk] * wsw_share + sites.bought[name][:, kk],
                "transition_cost_eur": sites.closure[name][:, kk] + setup * wage_ix[kk],
                "sick_leave_eur": (sick_m * av_per_se).sum(axis=(2, 3)) * price_ix[kk],  # added value forgone
                "dissolution_cost_eur": np.zeros_like(total_py),  # by municipality, not by the key: see below
            }
            own_dissolution = dissolution[:, kk][:, :, members]
            commercial = se_m.sum(axis=(2, 3)) * p.commercial_result_eur_per_se * price_ix[kk]
            added_value = (se_m * av_per_se).sum(axis=(2, 3)) * price_ix[kk] + sites.tariff_income[name][:, kk]
            active = (total_py > 0) | (added_value != 0)
            active |= (commercial != 0) | (own_dissolution != 0).any(axis=2)
            for c in COST_COLUMNS:
                active |= costs[c] != 0
            fte = coach_fte_end[:, kk]
            if (name, run[0]) in employer_only:  # its people's costs are in the organisation serving them
                overhead = p.employer_overhead_eur_per_year * (total_py > 0) * wage_ix[kk]
                costs = {c: overhead if c == "overhead_eur" else np.zeros_like(overhead) for c in COST_COLUMNS}
                added_value = commercial = np.zeros_like(overhead)
                own_dissolution = np.zeros_like(own_dissolution)  # in the organisation serving its people
                active = overhead != 0
                fte = np.zeros_like(fte)
            if not active.any():
                continue
            se_by_member = se_m.sum(axis=3)  # [replication, year, member]
            key = _allocation_key(config, members, se_by_member, py_m.sum(axis=3))
            rows = np.flatnonzero(active)  # over (replication, year)
            n_m = len(members)

            g = rows // len(run)
            fin["replication"].append(np.repeat(np.asarray(replications)[g], n_m))
            fin["year"].append(np.repeat(np.tile(years[kk], n_g)[rows], n_m))
            fin["organisation"].append(np.full(len(rows) * n_m, org_names.index(name)))
            fin["municipality"].append(np.tile(members, len(rows)))
            for c in COST_COLUMNS:
                fin[c].append(_active(costs[c][:, :, None] * key, rows))
            fin["dissolution_cost_eur"][-1] = _active(own_dissolution, rows)
            fin["commercial_result_eur"].append(_active(commercial[:, :, None] * key, rows))
            subsidy = se_by_member * (money.subsidy_eur_per_se * subsidy_ix[kk])[:, None]
            if (name, run[0]) in employer_only:
                subsidy = np.zeros_like(subsidy)  # received in the rows of the organisation serving them
            fin["subsidy_eur"].append(_active(subsidy, rows))
            fin["added_value_eur"].append(_active(added_value[:, :, None] * key, rows))

            end = kk + 1  # year-end stocks start with the year before the first
            persons = stock_persons[:, end][:, :, members, :].sum(axis=(2, 3))
            se_total = se_m.sum(axis=(2, 3))
            with np.errstate(divide="ignore", invalid="ignore"):
                per_coach = np.where(fte > 0, persons / fte, np.nan)
                # in EUR of the price year, as `[viability] max_overhead_eur_per_se` and the rules judge it: a
                # threshold in nominal euros would tighten with every year's wage index
                overhead_per_se = np.where(se_total > 0, costs["overhead_eur"] / se_total, np.nan) / wage_ix[kk]
                company_per_se = (fixed_full + staff_eur) / (se_total + other_py) / wage_ix[kk]
            shared_with_others = (1.0 - wsw_share) * (fixed_full + coach_full + sites.running[name][:, kk])
            other_result = other_net[kk][:, members].sum(axis=1) * price_ix[kk] - shared_with_others
            if (name, run[0]) in employer_only:
                other_result = np.zeros_like(other_result)
            viable_wsw = (persons >= viability.min_persons) & (overhead_per_se <= viability.max_overhead_eur_per_se)
            viable_company = (persons + other_py >= viability.min_persons) & (
                company_per_se <= viability.max_overhead_eur_per_se
            )
            org_cols["replication"].append(np.asarray(replications)[g])
            org_cols["year"].append(np.tile(years[kk], n_g)[rows])
            org_cols["organisation"].append(np.full(len(rows), org_names.index(name)))
            label = ",".join(municipalities[m] for m in members)
            org_cols["members"].append(np.full(len(rows), member_labels.setdefault(label, len(member_labels))))
            org_cols["persons"].append(persons.ravel()[rows])
            org_cols["se"].append(np.round(stock_se[:, end][:, :, members, :].sum(axis=(2, 3)), 6).ravel()[rows])
            org_cols["coaches_fte"].append(np.round(fte, 6).ravel()[rows])
            org_cols["persons_per_coach"].append(np.round(per_coach, 6).ravel()[rows])
            org_cols["overhead_eur_per_se"].append(np.round(overhead_per_se, 2).ravel()[rows])
            org_cols["other_persons"].append(np.round(other_py, 6).ravel()[rows])
            org_cols["other_groups_result_eur"].append(np.round(other_result, 2).ravel()[rows])
            org_cols["viable_wsw"].append(viable_wsw.ravel()[rows])
            org_cols["viable_company"].append(viable_company.ravel()[rows])

    def cat(parts: list[np.ndarray], dtype: type = float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    # rows in key order: replication, year, organisation (codes are in name order), municipality (by name)
    f = {c: cat(v, float if c in (*COST_COLUMNS, *INCOME_COLUMNS) else int) for c, v in fin.items()}
    muni_rank = np.argsort(by_name(municipalities))
    order = np.lexsort((muni_rank[f["municipality"]], f["organisation"], f["year"], f["replication"]))
    f = {c: v[order] for c, v in f.items()}
    money_cols = {c: np.round(f[c], 2) for c in (*COST_COLUMNS, *INCOME_COLUMNS)}
    n = len(order)
    contribution = np.round(
        sum((money_cols[c] for c in COST_COLUMNS), np.zeros(n))
        - sum((money_cols[c] for c in INCOME_COLUMNS), np.zeros(n)),
        2,
    )
    finance = pa.table(
        {
            "scenario": pa.repeat(pa.scalar(scenario, pa.string()), n),
            "replication": pa.array(f["replication"].astype(np.int32)),
            "year": pa.array(f["year"].astype(np.int16)),
            "organisation": labels(org_names, f["organisation"]),
            "municipality": labels(municipalities, f["municipality"]),
            **{c: pa.array(money_cols[c], pa.float64()) for c in schema.FINANCE.names if c in money_cols},
            "municipal_contribution_eur": pa.array(contribution, pa.float64()),
        },
        schema=schema.FINANCE,
    )
    o = {
        c: cat(v, int if c in ("replication", "year", "organisation", "members", "persons") else float)
        for c, v in org_cols.items()
    }
    order = np.lexsort((o["organisation"], o["year"], o["replication"]))
    o = {c: v[order] for c, v in o.items()}
    m = len(order)
    organisations = pa.table(
        {
            "scenario": pa.repeat(pa.scalar(scenario, pa.string()), m),
            "replication": pa.array(o["replication"].astype(np.int32)),
            "year": pa.array(o["year"].astype(np.int16)),
            "organisation": labels(org_names, o["organisation"]),
            "members": labels(list(member_labels), o["members"]),
            "persons": pa.array(o["persons"].astype(np.int32)),
            "se": pa.array(o["se"], pa.float64()),
            "coaches_fte": pa.array(o["coaches_fte"], pa.float64()),
            "persons_per_coach": pa.array(o["persons_per_coach"], pa.float64(), from_pandas=True),
            "overhead_eur_per_se": pa.array(o["overhead_eur_per_se"], pa.float64(), from_pandas=True),
            "other_persons": pa.array(o["other_persons"], pa.float64()),
            "other_groups_result_eur": pa.array(o["other_groups_result_eur"], pa.float64()),
            "viable_wsw": pa.array(o["viable_wsw"].astype(bool)),
            "viable_company": pa.array(o["viable_company"].astype(bool)),
        },
        schema=schema.ORGANISATIONS,
    )
    return finance, organisations


def _active(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Values [replication, year, member] of the active (replication, year) pairs `rows`, flat by member."""
    return values.reshape(-1, values.shape[-1])[rows].ravel()


def _allocation_key(config: Config, members: list[int], se: np.ndarray, persons: np.ndarray) -> np.ndarray:
    """Each member's share of an organisation's costs: [replication, year, member]; equal when the basis is zero."""
    assert config.money is not None
    if config.money.allocation_key == "fixed":
        share = np.array([config.money.fixed_allocation[config.municipalities[m]] for m in members])
        basis = np.broadcast_to(share, se.shape)
    elif config.money.allocation_key == "persons_share":
        basis = persons
    else:
        basis = se
    total = basis.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, basis / np.where(total > 0, total, 1.0), 1.0 / len(members))
