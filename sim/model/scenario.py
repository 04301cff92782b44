"""One scenario of one replication, run: the organisations of the first partition, the placements under way,
the timeline (or its rules), then SimPy to the end of the horizon.

`World` (`sim.model.organisations`) is the scenario's state; the processes that act on it are in
`sim.model.placements`, `sim.model.staffing` and `sim.model.reorganisation`. This module puts them together.
"""

from __future__ import annotations

from sim.model import placements, reorganisation
from sim.model.organisations import World


def run_scenario(world: World) -> int:
    """Run `world` to the end of its horizon; returns the number of SimPy events processed."""
    people = world.people
    people.on_return = lambda person, at: placements.seek_placement(world, person, returned=True)
    people.renewal = lambda crew, at: placements.renewal(world, crew, at)
    people.leaves_after = lambda person, at: placements.leaves_after(world, person)
    first, later = world.timeline[0], world.timeline[1:]
    reorganisation.apply_partition(world, first)
    placements.placements_under_way(world)
    if world.rules:
        world.env.process(reorganisation.organisation_rules(world, later, world.rules))
    else:
        world.env.process(reorganisation.reorganisations(world, later))
    world.env.run(until=world.end)
    return world.env.processed
