"""Reorganisations: how a scenario splits or merges organisations on its dates.

A scenario's timeline is a list of partitions of the municipalities into organisations, each from a
1 January. On each date every municipality moves to its organisation of the new partition:
- its employees keep their form of work and contract (job security: a reorganisation causes no exit);
- coaches follow people: each municipality takes its share (by persons or SE, `division_key`) of its old
  organisation's coach team to its new one;
- a municipality that changes organisation loses `loss_on_move` of its share of the employer network;
- an organisation that no longer appears ends; every organisation of the new partition (re)starts its
  processes, and one that did not exist before is created (its set-up cost is in `sim.model.finance`).

A scenario's rules (`organisation_rules`) end organisations on the way: at each 1 January, after any partition
of the timeline that starts then, each rule whose organisation still exists is evaluated in the order written;
one that fires makes a new partition from the one in force (the organisation's municipalities join the target)
and applies it like any other. Every partition applied is recorded (`World.applied`): the timeline the finance
tables cost. A later partition of the timeline replaces what rules did before it (the councils' decision).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from datetime import date
from typing import Any

import simpy

from sim.domain import WORK_FORMS
from sim.inputs.config import Partition, Rule
from sim.model import placements, staffing
from sim.model.organisations import Organisation, World

Process = Generator[simpy.Event, Any, None]


def reorganisations(world: World, partitions: list[Partition]) -> Process:
    """The scenario's timeline after its first partition: on each date, the new partition applies."""
    env = world.env
    for partition in partitions:
        at = float(partition.start.year)  # partitions start on 1 January
        if at >= world.end:
            return
        yield env.timeout(at - env.now)
        apply_partition(world, partition)


def organisation_rules(world: World, partitions: list[Partition], rules: Sequence[Rule]) -> Process:
    """The timeline after its first partition and the rules, at each 1 January until the end of the horizon."""
    env = world.env
    below = [0] * len(rules)  # per rule: consecutive 1 Januaries its organisation has been below viability
    for year in range(int(world.start) + 1, math.ceil(world.end)):
        yield env.timeout(year - env.now)
        for partition in partitions:
            if partition.start.year == year:
                apply_partition(world, partition)
        apply_rules(world, rules, below, year)


def apply_rules(world: World, rules: Sequence[Rule], below: list[int], year: int) -> None:
    """Evaluate every rule at 1 January of `year`; `below` holds each rule's count of years below viability."""
    for i, rule in enumerate(rules):
        org = world.organisations.get(rule.organisation)
        if org is None:
            below[i] = 0
            continue
        if rule.at is not None:
            fires = rule.at.year == year
        else:
            below[i] = below[i] + 1 if below_viability(world, org, float(year), rule.judge == "company") else 0
            fires = below[i] >= rule.for_years
        target = world.successor(rule.target)
        if not fires or target is None or target == org.name:
            continue  # a target that does not exist (yet): the rule waits
        apply_partition(world, ended(world.applied[-1], org.name, target, rule.action, year))
        world.absorbed_by[org.name] = target


def below_viability(world: World, org: Organisation, now: float, company: bool = False) -> bool:
    """Whether `org` is below a threshold of [viability] at `now`: fewer persons than `min_persons`, or an
    overhead per SE (fixed overhead, governance, staff per person; EUR of the price year) above
    `max_overhead_eur_per_se`; of the Wsw part or of the whole `company` (a rule's `judge`)."""
    viability = world.config.viability
    counts = world.counts_by_form(org, now)
    names = {world.municipalities[m] for m in org.members}
    other = sum(
        g.persons(int(now), int(world.start)) for g in world.orgs_config.other_groups if g.municipality in names
    )
    wsw = sum(counts)
    if (wsw + other if company else wsw) < viability.min_persons:
        return True
    p = org.params
    se = float(world.people.se[world.members_mask(org) & world.people.present(now)].sum())
    fixed = p.fixed_overhead_eur_per_year + (p.governance_eur_per_year if len(org.members) > 1 else 0.0)
    overhead = fixed if company else fixed * wsw / (wsw + other)  # the Wsw's share of it, by persons
    se += other if company else 0.0
    staff = [p.staff_cost_eur_per_person_year[f] for f in WORK_FORMS]
    for form, count in enumerate(counts):
        overhead += count * staff[form]
    return se <= 0 or overhead / se > viability.max_overhead_eur_per_se


def ended(partition: Partition, name: str, target: str, action: str, year: int) -> Partition:
    """`partition` after organisation `name` merged into, or started buying services from, `target`."""
    members = partition.organisations[name]
    organisations = {k: list(v) for k, v in partition.organisations.items() if k != name}
    organisations[target] = organisations[target] + list(members)
    employers = {k: list(v) for k, v in partition.employers.items()}
    if action == "buy_services_from":
        employed = {m for v in employers.values() for m in v}
        employers[name] = [m for m in members if m not in employed]
    return Partition(start=date(year, 1, 1), organisations=organisations, employers=employers)


def apply_partition(world: World, partition: Partition) -> None:
    """Put every municipality in its organisation of `partition` (at the start, or a reorganisation)."""
    now = world.env.now
    world.applied.append(partition)
    n = len(world.municipalities)
    present = world.people.present(now)
    old_orgs = dict(world.organisations)
    old_of_muni = list(world.org_of_muni)
    old_members = {name: org.members for name, org in old_orgs.items()}  # before a continuing one changes
    index = {m: i for i, m in enumerate(world.municipalities)}
    new_orgs: dict[str, Organisation] = {}
    for name, member_names in partition.organisations.items():
        new_orgs[name] = world.organisation(name, tuple(sorted(index[m] for m in member_names)))
    new_of_muni = [next(o for o in new_orgs.values() if m in o.members) for m in range(n)]
    loss = world.orgs_config.network.loss_on_move
    for m in range(n):
        old = old_of_muni[m]
        if old is not None and old.name != new_of_muni[m].name:
            world.network_share[m] *= 1.0 - loss
    inherited = dict.fromkeys(new_orgs, 0.0)
    weight_now = world.weights_by_municipality(present)
    for m in range(n):
        old = old_of_muni[m]
        if old is None:
            continue
        old_total = weight_now[list(old_members[old.name])].sum()
        share = weight_now[m] / old_total if old_total > 0 else 0.0
        inherited[new_of_muni[m].name] += old.coach_fte * share
    for name, org in old_orgs.items():
        if name not in new_orgs:
            staffing.close_organisation(world, org)
            # its one-off dissolution costs fall on its municipalities, each by its share of the people
            members = list(old_members[name])
            total = weight_now[members].sum()
            if total > 0:
                world.dissolved.extend((now, name, m, float(weight_now[m] / total)) for m in members)
    world.organisations = new_orgs
    world.org_of_muni[:] = new_of_muni
    first = all(old is None for old in old_of_muni)
    for name, org in new_orgs.items():
        world.update_network(org, now)
        placements.fill_pool(world, org)
        fte = staffing.coach_target(org, world.counts_by_form(org, now)) if first else inherited[name]
        staffing.set_team(world, org, fte)
        start_processes(world, org)


def start_processes(world: World, org: Organisation) -> None:
    """(Re)start an organisation's processes: openings, group contracts, staffing reviews."""
    world.stop_processes(org)
    acting = [placements.employer_openings(world, org, form) for form in placements.PLACEMENT_FORMS]
    acting += [placements.group_contracts(world, org), staffing.staffing_review(world, org)]
    org.processes = [world.env.process(process) for process in acting]
