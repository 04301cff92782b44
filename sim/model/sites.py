"""Sheltered-work sites year by year: which stay open, which close, and the places bought from others.

Each year an organisation fills its sites, largest first, with its beschut_binnen employees at the end of
the previous year; a site that would be filled below `site_min_occupancy` of its capacity closes (a closed
site never reopens; its closure cost is a transition cost). What its own sites cannot hold, or everything
under the `buy` policy, is bought at a tariff from the organisation with the largest open capacity, for which
it is added value. `sim.model.finance` books the amounts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sim.domain import BESCHUT
from sim.inputs.config import Config, OrganisationParams, Partition


@dataclass(frozen=True, eq=False)
class SiteCosts:
    """Per organisation name, arrays [replication, year] over the horizon's years (EUR)."""

    running: dict[str, np.ndarray]
    bought: dict[str, np.ndarray]
    closure: dict[str, np.ndarray]
    tariff_income: dict[str, np.ndarray]


def site_costs(
    config: Config,
    params: dict[str, OrganisationParams],
    partitions: list[Partition],
    org_members: dict[tuple[str, int], list[int]],
    stock_persons: np.ndarray,
    person_years: np.ndarray,
    price_ix: np.ndarray,
) -> SiteCosts:
    """Year by year: which sites stay open, what closes, what is bought from whom (see the module doc).

    Every replication has its own sites' state; they are computed side by side (arrays over replications),
    each adding exactly what it would alone (where a replication has nothing to add, it adds zero).
    """
    assert config.money is not None and config.organisations is not None
    orgs_cfg = config.organisations
    tariff = config.money.sheltered_place_tariff_eur_per_person_year
    index = {m: i for i, m in enumerate(config.municipalities)}
    n_g, n_y = stock_persons.shape[0], len(partitions)
    names = {name for p in partitions for name in p.organisations}
    out = SiteCosts(*({name: np.zeros((n_g, n_y)) for name in names} for _ in range(4)))
    site_open = np.ones((n_g, len(orgs_cfg.sites)), bool)
    site_muni = [index[s.municipality] for s in orgs_cfg.sites]
    by_size = sorted(
        range(len(orgs_cfg.sites)), key=lambda i: (-orgs_cfg.sites[i].capacity_persons, orgs_cfg.sites[i].name)
    )
    need_of: dict[tuple[int, ...], np.ndarray] = {}  # by members: year-end beschut stocks (column k: end of k - 1)
    years_of: dict[tuple[int, ...], np.ndarray] = {}  # by members: beschut person-years in year k
    sites_of: dict[tuple[int, ...], list[int]] = {}  # by members: their sites, largest first
    for group in {tuple(members) for members in org_members.values()}:
        need_of[group] = stock_persons[:, :, group, BESCHUT].sum(axis=2)
        years_of[group] = person_years[:, :, group, BESCHUT].sum(axis=2)
        sites_of[group] = [i for i in by_size if site_muni[i] in group]
    # The sites' state, year by year while any site is open anywhere: what each organisation's own sites
    # serve, and the capacity they keep open.
    served = {name: np.zeros((n_g, n_y)) for name in names}
    kept = {name: np.zeros((n_g, n_y), np.int64) for name in names}
    open_anywhere = [True] * len(orgs_cfg.sites)  # whether a site is open in any replication (skip it if not)
    for k, partition in enumerate(partitions):
        if not any(open_anywhere):
            break
        price = float(price_ix[k])
        for name in partition.organisations:
            members = tuple(org_members[name, k])
            sites = [i for i in sites_of[members] if open_anywhere[i]]
            if not sites:
                continue
            need = need_of[members][:, k]
            got = served[name][:, k]  # a view: filled in place
            for i in sites:
                site = orgs_cfg.sites[i]
                is_open = site_open[:, i]
                if params[name].sheltered_policy == "run":
                    fills = np.minimum(site.capacity_persons, need - got)
                    keep = is_open & (fills > 0) & (fills >= params[name].site_min_occupancy * site.capacity_persons)
                    got += np.where(keep, fills, 0)
                    kept[name][:, k] += np.where(keep, site.capacity_persons, 0)
                    out.running[name][:, k] += np.where(keep, site.fixed_cost_eur_per_year * price, 0.0)
                    closes = is_open & ~keep
                else:
                    closes = is_open.copy()
                site_open[closes, i] = False
                out.closure[name][:, k] += np.where(closes, site.closure_cost_eur * price, 0.0)
                open_anywhere[i] = bool(site_open[:, i].any())
    # What the own sites cannot hold is bought, from the organisation with the largest open capacity (ties:
    # the name last in order): for all the years of a partition at once.
    for _, years_in in itertools.groupby(range(n_y), key=lambda k: id(partitions[k])):
        span = np.array(list(years_in))
        partition = partitions[int(span[0])]
        candidates = sorted(partition.organisations, reverse=True)
        provider = np.argmax(np.array([kept[n][:, span] for n in candidates]), axis=0)  # [replication, year]
        providers = np.unique(provider).tolist() if len(candidates) > 1 else []
        for name in partition.organisations:
            members = tuple(org_members[name, int(span[0])])
            need = need_of[members][:, span]
            shortfall = np.divide(need - served[name][:, span], need, out=np.zeros(need.shape), where=need > 0)
            cost = shortfall * years_of[members][:, span] * tariff * price_ix[span]
            out.bought[name][:, span] = cost
            for j in providers:
                seller = candidates[j]
                if seller != name:
                    sells = (provider == j) & (cost > 0) & (kept[seller][:, span] > 0)
                    out.tariff_income[seller][:, span] += np.where(sells, cost, 0.0)
    return out
