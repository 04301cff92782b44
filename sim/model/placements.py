"""Placements: employers' openings and group contracts, the candidates for them, and placement trajectories.

An organisation's employer network offers openings for individual secondment and supported employment
(`employer_openings`) and group-secondment contracts (`group_contracts`), Poisson, at the reference rates
times its reach (`sim.model.organisations`). An opening goes to the most placeable candidate: an employee
in beschut_binnen whose placeability is below the organisation's placement ambition. The candidate then
waits for a job coach, is coached, and starts with the employer (`placement_trajectory`); the placement
ends after an exponential duration (applied by `sim.model.workforce`). A group contract takes a crew of
candidates together.

Who can be placed follows history, not only the placeability drawn at the start (issue 13): somebody back
from a placement or group contract is a candidate again with the organisation's `replacement_chance`; a
group contract that ends is renewed with probability `group_contract_renewal` (the crew stays); supported
employment that ends sends `supported_employment_exit_share` out of the Wsw (a voluntary exit, as national
statistics count them) and the rest back. Every draw for these comes from the placements stream, and only
when the rate is strictly between 0 and 1 where it matters, so with the rates at 0 the model is unchanged.

An opening or contract that finds no candidate does nothing. Each wait is drawn at the rate of its moment
(reference x reach) and keeps it; the reach changes only at staffing reviews and reorganisations.
Waiting for a candidate instead of drawing openings into an empty pool was tried and measured twice: by
memorylessness it is nearly the same process, but the wake-ups cost almost as many events as it saves. In
soweco_2019 (20 replications) a scenario has about 425 openings, 96 of which meet an empty pool (most before
2040, not after nearly everyone has left), and the pool fills again 62 times: a wake-up each, so at most 34
of its 2,500 events would go. The plain Poisson process stays (issue 12).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.domain import BEGELEID, BESCHUT, GROEP, INDIVIDUEEL, WORK_FORMS
from sim.model.organisations import Organisation, World
from sim.model.workforce import WEEKS_PER_YEAR

PLACEMENT_FORMS = (INDIVIDUEEL, BEGELEID)

Process = Generator[simpy.Event, Any, None]

# ------------------------------------------------------------------------------------------- candidates


def fill_pool(world: World, org: Organisation) -> None:
    """Everybody of `org` who may seek a placement, in a heap by placeability (most placeable first)."""
    p = world.people
    now = world.env.now
    idx = org.persons
    ambition = org.params.placement_ambition
    idx = idx[(p.exit_time[idx] > now) & (p.form[idx] == BESCHUT) & (p.placeability[idx] < ambition)]
    org.pool = list(zip(p.placeability[idx].tolist(), idx.tolist(), strict=True))
    heapq.heapify(org.pool)


def seek_placement(world: World, person: int, returned: bool = False) -> None:
    """`person` is back in beschut_binnen: a candidate again if their organisation's ambition allows.

    Somebody `returned` from a placement or a group contract has shown they can work with an employer: with
    the organisation's `replacement_chance` their placeability is drawn afresh below the ambition (uniform,
    so they rank among the candidates), and it stays so; otherwise they keep their own.
    """
    org = world.org_of(person)
    if org is None:
        return
    ambition = org.params.placement_ambition
    chance = org.params.replacement_chance
    if returned and chance > 0:
        v = world.uniform()
        if v < chance:  # given v < chance, v / chance is uniform on (0, 1): one draw does both
            u = v / chance * ambition
            world.placeability[person] = u
            world.people.placeability[person] = u
    u = world.placeability[person]
    if u < ambition:
        heapq.heappush(org.pool, (u, person))


def renewal(world: World, crew: int, at: float) -> float | None:
    """A group contract ends at `at`: renewed with the organisation's `group_contract_renewal` probability
    (the end of the new contract, a fresh duration), else None and the crew comes back."""
    people = world.people
    members = people.crew_members[crew]
    here = members[(people.crew[members] == crew) & (people.exit_time[members] > at)]
    org = world.org_of(int(here[0])) if len(here) else None
    if org is None:
        return None
    probability = org.params.group_contract_renewal
    if probability <= 0 or world.uniform() >= probability:
        return None
    return at + world.duration(org.params.group_contract_duration_years_mean)


def leaves_after(world: World, person: int) -> bool:
    """A placement of `person` ends: True when it was supported employment and they leave the Wsw, with
    the organisation's `supported_employment_exit_share` (national statistics count them as outflow)."""
    if world.people.forms[person] != BEGELEID:
        return False
    org = world.org_of(person)
    share = org.params.supported_employment_exit_share if org is not None else 0.0
    return share > 0 and world.uniform() < share


def give_back(world: World, org: Organisation, persons: list[int]) -> None:
    for person in persons:
        heapq.heappush(org.pool, (world.placeability[person], person))


def candidates(world: World, org: Organisation, wanted: int = 1) -> list[int]:
    """Take up to `wanted` candidates of `org` from its pool, most placeable first.

    Entries are checked when taken (still employed, in beschut_binnen, not in a trajectory, still of this
    organisation, not on sick leave before an exit for illness); stale ones are dropped, since whatever makes
    somebody a candidate again puts them back (sick leave ends only in the exit).
    Those who enter later (inflow) stay in the pool.
    """
    pool = org.pool
    if not pool:
        return []
    now = world.env.now
    p = world.people
    exits, forms, busy, entries = p.exits, p.forms, p.busy, p.entries
    org_of_muni, municipality_of = world.org_of_muni, world.municipality_of
    taken: list[int] = []
    not_yet: list[tuple[float, int]] = []
    while pool and len(taken) < wanted:
        item = heapq.heappop(pool)
        person = item[1]
        if (
            exits[person] <= now
            or forms[person] != BESCHUT
            or busy[person]
            or person in taken
            or org_of_muni[municipality_of[person]] is not org
            or p.on_sick_leave(person, now)
        ):
            continue
        if entries[person] > now:
            not_yet.append(item)
            continue
        taken.append(person)
    for item in not_yet:
        heapq.heappush(pool, item)
    return taken


# ---------------------------------------------------------------------------------------------- processes


def employer_openings(world: World, org: Organisation, form: int) -> Process:
    """Employers of `org`'s network offer openings in `form` (Poisson); each goes to the most placeable candidate."""
    env = world.env
    reference = world.orgs_config.network.openings_per_year_reference[WORK_FORMS[form]]  # type: ignore[index]
    try:
        while True:
            yield env.timeout(world.interarrival(org.reach * reference))
            for person in candidates(world, org):
                env.process(placement_trajectory(world, org, person, form))
    except simpy.Interrupt:  # a reorganisation (the organisation restarts its processes) or it closed
        return


def group_contracts(world: World, org: Organisation) -> Process:
    """Group-secondment contracts won (Poisson): a crew of candidates moves to the employer together.

    A contract needs at least half a crew (`group_size_persons`); with fewer candidates it is lost.
    """
    env = world.env
    people = world.people
    size = org.params.group_size_persons
    reference = world.orgs_config.network.group_contracts_won_per_year_reference
    try:
        while True:
            yield env.timeout(world.interarrival(org.reach * reference))
            now = env.now
            crew = candidates(world, org, size)
            if len(crew) < max(1, size // 2):
                give_back(world, org, crew)
                continue
            for person in crew:
                people.set_form(person, GROEP, now)
            duration = world.duration(org.params.group_contract_duration_years_mean)
            people.new_crew(np.array(crew, np.int64), now + duration)
    except simpy.Interrupt:
        return


def placement_trajectory(world: World, org: Organisation, person: int, form: int) -> Process:
    """A candidate waits for a job coach of `org`, is coached for `coaching_weeks`, and starts with the employer.

    If a reorganisation came in between, the person's new organisation takes them up as a candidate.
    """
    env = world.env
    people = world.people
    people.busy[person] = True
    asked = env.now
    with org.coaches.request() as request:
        if not request.triggered:  # every coach busy: wait for one (a free one, nine times in ten, takes it now)
            yield request
        waited = env.now - asked
        yield env.timeout(org.params.coaching_weeks / WEEKS_PER_YEAR)
    people.busy[person] = False
    now = env.now
    if people.exits[person] > now and people.forms[person] == BESCHUT:
        if world.org_of(person) is org:
            start_placement(world, org, person, form, waited)
        else:
            seek_placement(world, person)


def start_placement(world: World, org: Organisation, person: int, form: int, waited_years: float) -> None:
    """`person` starts in `form` now, for an exponential duration with the organisation's mean."""
    people = world.people
    now = world.env.now
    mean = org.params.placement_duration_years_mean[WORK_FORMS[form]]  # type: ignore[index]
    people.set_form(person, form, now)
    people.end_placement_at(person, now + world.duration(mean))
    people.waits.append((person, now, waited_years * WEEKS_PER_YEAR))


def placements_under_way(world: World) -> None:
    """People placed at the start get a remaining duration (memoryless) and group members a crew."""
    p = world.people
    now = world.env.now
    present = p.present(now)
    placed = np.flatnonzero(present & ((p.form == INDIVIDUEEL) | (p.form == BEGELEID)))
    mean = np.empty(len(placed))
    for org in world.organisations.values():
        durations = org.params.placement_duration_years_mean
        member = world.members_mask(org)[placed]
        for form in PLACEMENT_FORMS:
            mean[(p.form[placed] == form) & member] = durations[WORK_FORMS[form]]  # type: ignore[index]
    ends = (now + world.rng.exponential(mean)).tolist() if len(placed) else []
    for person, end in zip(placed.tolist(), ends, strict=True):
        p.end_placement_at(person, end)
    for org in world.organisations.values():
        group = org.persons[present[org.persons] & (p.form[org.persons] == GROEP)]
        size = org.params.group_size_persons
        for k in range(0, len(group), size):
            end = now + world.duration(org.params.group_contract_duration_years_mean)
            p.new_crew(group[k : k + size], end)
