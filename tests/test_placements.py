"""Placements: exact traces of openings, coach queues and group contracts with two or three employees."""

from __future__ import annotations

import math

import numpy as np
import pytest
from org_configs import smoke

from sim.domain import BEGELEID, BESCHUT, GROEP, INDIVIDUEEL
from sim.model.organisations import World
from sim.model.scenario import run_scenario
from sim.model.workforce import WEEKS_PER_YEAR, Workforce

NO_NORMS = {"beschut_binnen": 0.0, "groepsdetachering": 0.0, "individuele_detachering": 0.0, "begeleid_werken": 0.0}


def config(openings=1.0, contracts=0.0, duration=1e12, group_size=8):
    return smoke(
        {
            "horizon": {"end_year": 2019},
            "organisations": {
                "defaults": {
                    "coach_min_team_fte": 1.0,
                    "coach_trajectories_per_fte": 1.0,
                    "coach_fte_per_100_persons": NO_NORMS,
                    "coaching_weeks": 12.0,
                    "placement_ambition": 0.5,
                    "placement_duration_years_mean": {"individuele_detachering": duration, "begeleid_werken": 1e12},
                    "group_size_persons": group_size,
                    "group_contract_duration_years_mean": 1e12,
                },
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": openings, "begeleid_werken": 0.0},
                    "group_contracts_won_per_year_reference": contracts,
                },
            },
        }
    )


def world(cfg, placeability, waits=(), exits=None, sick_from=None):
    """A world of len(placeability) employees of one municipality in beschut_binnen; fixed waits between the
    openings (or contracts: a test gives only one kind a positive rate)."""
    n = len(placeability)
    people = Workforce(
        municipality=np.zeros(n, np.int16),
        se=np.ones(n),
        entry=np.full(n, 2019.0),
        demographic_exit=np.full(n, np.inf) if exits is None else np.asarray(exits, float),
        voluntary_budget=np.full(n, np.inf),
        voluntary_hazard=np.zeros(4),
        form=np.full(n, BESCHUT, np.intp),
        placeability=np.asarray(placeability, float),
        sick_from=None if sick_from is None else np.asarray(sick_from, float),
    )
    w = World(cfg, people, np.random.default_rng(0), cfg.scenarios["shared"].timeline, 2019.0, 2020.0)
    fixed = iter(waits)
    w.interarrival = lambda rate: next(fixed, math.inf) if rate > 0 else math.inf
    return w, people


def test_a_placement_waits_for_a_busy_coach_exact_trace():
    """One coach slot, two openings 0.05 years apart: the second candidate waits for the first's coaching."""
    w, people = world(config(), [0.1, 0.2, 0.9], waits=[0.10, 0.05, 0.05])  # the third does not seek a placement
    run_scenario(w)
    coaching = 12.0 / WEEKS_PER_YEAR
    first_start = 2019.10 + coaching
    second_start = first_start + coaching  # waited for the coach from 2019.15 to first_start
    assert [(p, round(t, 12), f) for p, t, f in people.moves] == [
        (0, round(first_start, 12), INDIVIDUEEL),
        (1, round(second_start, 12), INDIVIDUEEL),
    ]
    waits = {p: wait for p, _, wait in people.waits}
    assert waits[0] == pytest.approx(0.0)
    assert waits[1] == pytest.approx((first_start - 2019.15) * WEEKS_PER_YEAR)
    # the third opening (2019.20) found no candidate: person 2 does not seek one, 0 and 1 were busy or placed
    assert people.form.tolist() == [INDIVIDUEEL, INDIVIDUEEL, BESCHUT]


def test_an_opening_that_finds_nobody_is_lost_and_the_next_one_takes_the_returned_candidate():
    # one candidate, placed at 2019.1 + coaching; the placement ends at 2019.5 (fixed below). The opening at
    # 2019.3 finds nobody (the candidate is in a trajectory) and does nothing; the one at 2019.6 places them again
    w, people = world(config(), [0.1], waits=[0.1, 0.2, 0.3])
    real_start = w.env.process
    trajectories = []

    def placement_ends_at_half_year(generator):
        process = real_start(generator)
        if generator.__name__ == "placement_trajectory" and not trajectories:
            trajectories.append(process)
            process.callbacks.append(lambda _: people.end_placement_at(0, 2019.5))
        return process

    w.env.process = placement_ends_at_half_year
    run_scenario(w)
    coaching = 12.0 / WEEKS_PER_YEAR
    assert [(p, round(t, 9), f) for p, t, f in people.moves] == [
        (0, round(2019.1 + coaching, 9), INDIVIDUEEL),
        (0, 2019.5, BESCHUT),
        (0, round(2019.6 + coaching, 9), INDIVIDUEEL),
    ]


@pytest.mark.parametrize(("sick_from", "placed"), [(2018.9, 1), (2019.5, 0)])
def test_somebody_on_sick_leave_before_an_illness_exit_is_no_candidate(sick_from, placed):
    # person 0 is the most placeable and leaves for illness at 2019.9; one opening at 2019.1. On sick leave
    # from 2018.9 they are passed over for person 1; with sick leave from 2019.5 they take the opening
    w, people = world(config(), [0.1, 0.2], waits=[0.1], exits=[2019.9, math.inf], sick_from=[sick_from, math.inf])
    run_scenario(w)
    assert [(p, f) for p, _, f in people.moves] == [(placed, INDIVIDUEEL)]


def test_sick_leave_counts_only_when_illness_comes_before_a_voluntary_exit():
    people = Workforce(
        municipality=np.zeros(2, np.int16),
        se=np.ones(2),
        entry=np.full(2, 2019.0),
        demographic_exit=np.array([2020.0, 2020.0]),
        voluntary_budget=np.array([np.inf, 0.5]),  # person 1 leaves voluntarily at 2019.5, before the illness
        voluntary_hazard=np.ones(4),
        form=np.full(2, BESCHUT, np.intp),
        placeability=np.array([0.1, 0.2]),
        sick_from=np.array([2018.0, 2018.0]),
    )
    assert people.on_sick_leave(0, 2019.2) and not people.on_sick_leave(1, 2019.2)
    assert not people.on_sick_leave(0, 2017.9)


def test_a_group_contract_needs_half_a_crew():
    # crews of 4: the first contract (2019.2) takes the four most placeable candidates; the second (2019.4)
    # finds one, less than half a crew, and is lost: the candidate stays in the pool
    cfg = config(openings=0.0, contracts=1.0, group_size=4)
    w, people = world(cfg, [0.1, 0.2, 0.3, 0.4, 0.45], waits=[0.2, 0.2])
    run_scenario(w)
    assert people.moves == [(p, 2019.2, GROEP) for p in range(4)]
    assert people.crew.tolist() == [0, 0, 0, 0, -1]
    assert [person for _, person in w.organisations["Regio"].pool] == [4]


# ------------------------------------------------------------- history: re-placement, renewal, outflow


def history_config(replacement=0.0, renewal=0.0, exit_share=0.0, openings=0.0, supported=0.0, contracts=0.0):
    cfg = config(openings=openings, contracts=contracts, group_size=2)
    defaults = cfg.organisations.defaults.model_copy(
        update={
            "replacement_chance": replacement,
            "group_contract_renewal": renewal,
            "supported_employment_exit_share": exit_share,
        }
    )
    network = cfg.organisations.network.model_copy(
        update={"openings_per_year_reference": {"individuele_detachering": openings, "begeleid_werken": supported}}
    )
    orgs = cfg.organisations.model_copy(update={"defaults": defaults, "network": network})
    return cfg.model_copy(update={"organisations": orgs})


def placed_until(w, people, person, form, end):
    """`person` (in beschut_binnen) starts in `form` at 2019.05 and the placement ends at `end`."""

    def put():
        yield w.env.timeout(0.05)
        people.set_form(person, form, w.env.now)
        people.end_placement_at(person, end)

    w.env.process(put())


@pytest.mark.parametrize("chance", [0.0, 1.0])
def test_somebody_back_from_a_placement_is_a_candidate_again_with_the_replacement_chance(chance):
    # person 0 is not placeable by their own number (0.9 > ambition 0.5); placed from 2019.05 to 2019.3 anyway
    # (as the people placed at the start are). The opening at 2019.5 places them again only with chance 1
    w, people = world(history_config(replacement=chance, openings=1.0), [0.9], waits=[0.5])
    placed_until(w, people, 0, INDIVIDUEEL, 2019.3)
    run_scenario(w)
    again = [(0, round(2019.5 + 12.0 / WEEKS_PER_YEAR, 9), INDIVIDUEEL)] if chance else []
    assert [(p, round(t, 9), f) for p, t, f in people.moves] == [
        (0, 2019.05, INDIVIDUEEL),
        (0, 2019.3, BESCHUT),
        *again,
    ]
    assert (people.placeability[0] < 0.5) == bool(chance)  # a fresh draw below the ambition, kept


@pytest.mark.parametrize("renewal", [0.0, 1.0])
def test_a_group_contract_is_renewed_with_its_probability_and_the_crew_stays(renewal):
    # one contract at 2019.2 for a crew of two, each contract lasting 0.3 years: renewed it runs to 2019.8 and
    # 2020.1 (past the horizon); not renewed the crew is back at 2019.5
    w, people = world(history_config(renewal=renewal, contracts=1.0), [0.1, 0.2], waits=[0.2])
    w.duration = lambda mean: 0.3
    run_scenario(w)
    back = [] if renewal else [(0, 2019.5, BESCHUT), (1, 2019.5, BESCHUT)]
    assert [(p, round(t, 9), f) for p, t, f in people.moves] == [(0, 2019.2, GROEP), (1, 2019.2, GROEP), *back]
    assert people.crew_end[0] == (pytest.approx(2020.1) if renewal else math.inf)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_supported_employment_that_ends_sends_its_share_out_of_the_wsw(share):
    # person 0 in begeleid werken until 2019.3, person 1 individually seconded until 2019.3: only supported
    # employment can end in an exit (a voluntary one: the voluntary exit time is the end)
    w, people = world(history_config(exit_share=share), [0.9, 0.9])
    placed_until(w, people, 0, BEGELEID, 2019.3)
    placed_until(w, people, 1, INDIVIDUEEL, 2019.3)
    run_scenario(w)
    assert people.forms[1] == BESCHUT and people.exits[1] == math.inf
    if share:
        assert people.forms[0] == BEGELEID  # left from supported employment, not moved back
        assert people.exits[0] == people.voluntary_time[0] == people.exit_time[0] == 2019.3
        assert not people.present(2019.4)[0]
    else:
        assert people.forms[0] == BESCHUT and people.exits[0] == math.inf


def test_a_batch_keeps_its_mix_with_re_placement_and_renewal():
    """Smoke, shared, 60 replications: the share in beschut_binnen at the end of 2030 drifts up without the
    new mechanisms (returners are rarely placeable, contracts lapse) and stays near its start with them."""
    from sim.model.replication import Model, collect, simulate_replication

    def beschut_share(cfg):
        model = Model.prepare(cfg)
        runs = [simulate_replication(model, r, 7, ["shared"]) for r in range(60)]
        stocks = collect(runs, "shared")["stocks"].to_pandas()
        start, end = (stocks[stocks["year"] == y] for y in (2018, 2030))
        share = [
            frame.loc[frame["work_form"] == "beschut_binnen", "persons"].sum() / frame["persons"].sum()
            for frame in (start, end)
        ]
        return share

    without = smoke()
    history = {"replacement_chance": 0.8, "group_contract_renewal": 0.7, "supported_employment_exit_share": 0.3}
    stable = smoke({"organisations": {"defaults": history}})
    (start, drift), (_, kept) = beschut_share(without), beschut_share(stable)
    assert drift > start + 0.08
    assert abs(kept - start) < drift - start - 0.05
