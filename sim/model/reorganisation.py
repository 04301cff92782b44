"""Reorganisations: how a scenario splits or merges organisations on its dates.

A scenario's timeline is a list of partitions of the municipalities into organisations, each from a
1 January. On each date every municipality moves to its organisation of the new partition:
- its employees keep their form of work and contract (job security: a reorganisation causes no exit);
- coaches follow people: each municipality takes its share (by persons or SE, `division_key`) of its old
  organisation's coach team to its new one;
- a municipality that changes organisation loses `loss_on_move` of its share of the employer network;
- an organisation that no longer appears ends; every organisation of the new partition (re)starts its
  processes, and one that did not exist before is created (its set-up cost is in `sim.model.finance`).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.inputs.config import Partition
from sim.model import coaches, placements

if TYPE_CHECKING:
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


def apply_partition(world: World, partition: Partition) -> None:
    """Put every municipality in its organisation of `partition` (at the start, or a reorganisation)."""
    now = world.env.now
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
            world.close(org)
    world.organisations = new_orgs
    world.org_of_muni[:] = new_of_muni
    first = all(old is None for old in old_of_muni)
    for name, org in new_orgs.items():
        world.update_network(org, now)
        placements.fill_pool(world, org)
        fte = coaches.coach_target(org, world.counts_by_form(org, now)) if first else inherited[name]
        coaches.set_team(world, org, fte)
        world.start_processes(org)
