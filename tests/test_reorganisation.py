"""Reorganisations: coaches follow people, networks lose a share on a move, nobody leaves, processes restart."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from org_configs import smoke

from sim.domain import BESCHUT, INDIVIDUEEL
from sim.model.organisations import World
from sim.model.scenario import run_scenario
from sim.model.workforce import WEEKS_PER_YEAR, Workforce

SPLIT = [
    {"start": date(2019, 1, 1), "organisations": {"Regio": ["Almelo", "Tubbergen"]}},
    {"start": date(2020, 1, 1), "organisations": {"A": ["Almelo"], "T": ["Tubbergen"]}},
]
NO_NORMS = {"beschut_binnen": 0.0, "groepsdetachering": 0.0, "individuele_detachering": 0.0, "begeleid_werken": 0.0}


def split_world(
    municipality,
    placeability,
    end=2021.0,
    openings=0.0,
    min_team=2.0,
    review_weeks=520.0,
    rules=(),
    viability=None,
    other_groups=(),
):
    """Employees in beschut_binnen of Almelo (0) and Tubbergen (1), one organisation until 2020, then two."""
    config = smoke(
        {
            "horizon": {"end_year": int(end) - 1},
            "scenarios": {"shared": {"timeline": SPLIT, "rules": list(rules)}},
            "viability": viability or {"min_persons": 100},
            "organisations": {
                "defaults": {
                    "coach_min_team_fte": min_team,
                    "coach_trajectories_per_fte": 1.0,
                    "coach_fte_per_100_persons": NO_NORMS,
                    "staffing_review_weeks": review_weeks,
                    "placement_ambition": 0.5,
                    "placement_duration_years_mean": {"individuele_detachering": 1e12, "begeleid_werken": 1e12},
                },
                "other_groups": list(other_groups),
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": openings, "begeleid_werken": 0.0},
                    "group_contracts_won_per_year_reference": 0.0,
                },
            },
        }
    )
    n = len(municipality)
    people = Workforce(
        municipality=np.asarray(municipality, np.int16),
        se=np.ones(n),
        entry=np.full(n, 2019.0),
        demographic_exit=np.full(n, np.inf),
        voluntary_budget=np.full(n, np.inf),
        voluntary_hazard=np.zeros(4),
        form=np.full(n, BESCHUT, np.intp),
        placeability=np.asarray(placeability, float),
    )
    timeline = config.scenarios["shared"].timeline
    rules = config.scenarios["shared"].rules
    return World(config, people, np.random.default_rng(0), timeline, 2019.0, end, rules), people


def test_coaches_follow_people_and_a_municipality_that_moves_loses_part_of_its_network():
    # three employees in Almelo, one in Tubbergen: the team of 2 FTE splits 1.5 / 0.5
    world, _ = split_world([0, 0, 0, 1], [0.9] * 4)
    share_before = list(world.network_share)
    run_scenario(world)
    assert world.fte_history["Regio"] == [(2019.0, 2.0), (2020.0, 0.0)]
    assert world.fte_history["A"] == [(2020.0, 1.5)]
    assert world.fte_history["T"] == [(2020.0, 0.5)]
    assert world.created == {"A": [2020.0], "T": [2020.0]}
    loss = world.orgs_config.network.loss_on_move
    assert world.network_share == pytest.approx([s * (1 - loss) for s in share_before])
    assert share_before == pytest.approx([0.75, 0.25])
    assert world.organisations["A"].members == (0,) and world.organisations["T"].members == (1,)
    assert world.organisations.keys() == {"A", "T"}


def test_a_trajectory_under_way_at_a_reorganisation_is_taken_up_by_the_new_organisation():
    # one candidate of Tubbergen, an opening at 2019.9: coaching (12 weeks) runs past the split on 1 January;
    # the coached person is then of T, not of the organisation that made the opening, and waits for T's openings
    world, people = split_world([1], [0.1], openings=1.0)
    # Regio's opening at 2019.9, its next one drawn for 2024.9 (it never comes: Regio ends in 2020); T's first at
    # 2020.3 (its processes start at 2020)
    waits = iter([0.9, 5.0, 0.3])
    world.interarrival = lambda rate: next(waits, math.inf) if rate > 0 else math.inf
    run_scenario(world)
    coached_at = 2019.9 + 12.0 / WEEKS_PER_YEAR
    assert coached_at > 2020.0
    # back in T's pool at the end of the coaching: T's first opening (2020.3) takes them, and coaches them again
    assert world.fte_history["Regio"][-1] == (2020.0, 0.0)
    assert [(p, round(t, 9), f) for p, t, f in people.moves] == [
        (0, round(2020.3 + 12.0 / WEEKS_PER_YEAR, 9), INDIVIDUEEL)
    ]


def test_a_reorganisation_causes_no_exit_and_keeps_every_form_of_work():
    world, people = split_world([0, 1, 0, 1], [0.9] * 4)
    exits_before = people.exit_time.copy()
    run_scenario(world)
    assert people.moves == []
    np.testing.assert_array_equal(people.exit_time, exits_before)


# ------------------------------------------------------------------------------------------------ rules

BELOW_TWO_YEARS = {
    "organisation": "T",
    "when": "below_viability",
    "for_years": 2,
    "action": "merge_into",
    "target": "A",
}


def test_a_merge_rule_fires_after_two_years_below_viability_and_its_members_appear_in_the_target():
    # three in Almelo, one in Tubbergen: T (1 person < min_persons 100) is below at 1 January 2020 and 2021
    world, people = split_world([0, 0, 0, 1], [0.9] * 4, end=2023.0, rules=[BELOW_TWO_YEARS])
    run_scenario(world)
    assert [p.start.year for p in world.applied] == [2019, 2020, 2021]
    assert world.applied[-1].organisations == {"A": ["Almelo", "Tubbergen"]}
    assert world.organisations.keys() == {"A"} and world.organisations["A"].members == (0, 1)
    # T's coach (0.5 FTE) follows its people into A; no exit, every form kept
    assert world.fte_history["T"] == [(2020.0, 0.5), (2021.0, 0.0)]
    assert world.fte_history["A"] == [(2020.0, 1.5), (2021.0, 2.0)]
    assert people.moves == [] and np.isinf(people.exit_time).all()
    assert world.absorbed_by == {"T": "A"}


def test_a_rule_by_date_fires_on_its_date_and_buying_services_keeps_the_employer():
    rule = {"organisation": "T", "at": date(2022, 1, 1), "action": "buy_services_from", "target": "A"}
    world, _ = split_world([0, 1], [0.9] * 2, end=2024.0, rules=[rule])
    run_scenario(world)
    assert [p.start.year for p in world.applied] == [2019, 2020, 2022]
    assert world.applied[-1].organisations == {"A": ["Almelo", "Tubbergen"]}
    assert world.applied[-1].employers == {"T": ["Tubbergen"]}


def test_a_viable_organisation_is_not_merged():
    lenient = {"min_persons": 0, "max_overhead_eur_per_se": 1e12}
    world, _ = split_world([0, 0, 0, 1], [0.9] * 4, end=2023.0, rules=[BELOW_TWO_YEARS], viability=lenient)
    run_scenario(world)
    assert world.organisations.keys() == {"A", "T"} and len(world.applied) == 2


def test_a_rule_judging_the_whole_company_counts_the_other_target_groups():
    # T: one Wsw employee and 150 persons of another group; the overhead threshold out of the way
    lenient = {"min_persons": 100, "max_overhead_eur_per_se": 1e12}
    others = [{"name": "pw", "municipality": "Tubbergen", "persons_start": 150}]
    merged = {}
    for judge in ("wsw", "company"):
        rule = {**BELOW_TWO_YEARS, "judge": judge}
        world, _ = split_world([0, 1], [0.9] * 2, end=2023.0, rules=[rule], viability=lenient, other_groups=others)
        run_scenario(world)
        merged[judge] = "T" not in world.organisations
    assert merged == {"wsw": True, "company": False}
