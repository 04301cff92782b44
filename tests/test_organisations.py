"""Organisations: timelines, job security, common random numbers, the census, SimPy used through its public API."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from org_configs import smoke

from sim.domain import BEGELEID, BESCHUT, DEATH, ILLNESS, INDIVIDUEEL, RETIREMENT
from sim.errors import ConfigError
from sim.model import organisations
from sim.model.demography import resolve_exits
from sim.model.replication import Model, build_people, simulate_scenario
from sim.model.scenario import run_scenario
from sim.model.workforce import Workforce


def outcomes(config, replication=3, seed=11):
    model = Model.prepare(config)
    people = build_people(model, config, model.demography, replication, seed)
    runs = {
        name: simulate_scenario(model, config, model.demography, name, people, replication, seed)
        for name in config.scenario_names
    }
    return model, people, runs


def test_every_scenario_sees_the_same_demographic_exits():
    config = smoke()
    _, _, runs = outcomes(config)
    names = list(runs)
    demographic = np.isin(runs[names[0]].exit_reason, [RETIREMENT, DEATH, ILLNESS])
    assert demographic.sum() > 10
    for name in names[1:]:
        np.testing.assert_array_equal(runs[name].exit_reason, runs[names[0]].exit_reason)
        np.testing.assert_array_equal(runs[name].exit_time, runs[names[0]].exit_time)


def test_no_scenario_changes_a_demographic_exit_even_when_voluntary_exits_depend_on_form():
    hazards = {
        "beschut_binnen": 0.03,
        "groepsdetachering": 0.01,
        "individuele_detachering": 0.005,
        "begeleid_werken": 0.0,
    }
    config = smoke({"demography": {"voluntary": {"hazard_per_year": hazards}}})
    model, people, runs = outcomes(config)
    demographic_exit = people.draws.demographic_exit
    for run in runs.values():
        left_demographically = np.isin(run.exit_reason, [RETIREMENT, DEATH, ILLNESS])
        # whoever leaves for a demographic reason leaves at their own demographic time, whatever the scenario
        np.testing.assert_array_equal(run.exit_time[left_demographically], demographic_exit[left_demographically])
        # and nobody leaves later than that time (no exit is postponed or caused by the organisation)
        assert np.all(run.exit_time[np.isfinite(run.exit_time)] <= demographic_exit[np.isfinite(run.exit_time)])
    # the demography-only exits: a scenario may only bring a voluntary exit forward or back, never the others
    reference, _ = resolve_exits(people.draws, np.full(len(demographic_exit), np.inf), model.end)
    for run in runs.values():
        assert np.all(run.exit_time <= reference)


def test_no_openings_means_no_placement_starts():
    config = smoke(
        {
            "organisations": {
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": 0, "begeleid_werken": 0},
                    "group_contracts_won_per_year_reference": 0,
                }
            }
        }
    )
    _, _, runs = outcomes(config)
    for run in runs.values():
        assert np.all(run.moves.form == BESCHUT)  # only returns from placements that end


def test_no_openings_and_no_endings_means_nobody_moves():
    config = smoke(
        {
            "organisations": {
                "defaults": {
                    "placement_duration_years_mean": {"individuele_detachering": 1e12, "begeleid_werken": 1e12},
                    "group_contract_duration_years_mean": 1e12,
                },
                "network": {
                    "openings_per_year_reference": {"individuele_detachering": 0, "begeleid_werken": 0},
                    "group_contracts_won_per_year_reference": 0,
                },
            }
        }
    )
    _, _, runs = outcomes(config)
    for run in runs.values():
        assert len(run.moves.person) == 0


def test_placements_happen_and_end_with_default_parameters():
    _, _, runs = outcomes(smoke())
    for run in runs.values():
        assert (run.moves.form == INDIVIDUEEL).sum() > 0
        assert (run.moves.form == BESCHUT).sum() > 0
        assert np.all(np.diff(run.moves.time) >= 0)


@pytest.mark.parametrize(
    ("organisations", "message"),
    [
        ({"A": ["Almelo"]}, "Tubbergen belongs to no organisation"),
        ({"A": ["Almelo", "Tubbergen"], "B": ["Tubbergen"]}, "Tubbergen is already in organisation 'A'"),
        ({"A": ["Almelo", "Tubbergen", "Wierden"]}, "unknown municipality 'Wierden'"),
    ],
)
def test_every_municipality_belongs_to_exactly_one_organisation(organisations, message):
    timeline = [{"start": date(2019, 1, 1), "organisations": organisations}]
    with pytest.raises(ConfigError) as err:
        smoke({"scenarios": {"shared": {"timeline": timeline}}})
    assert message in str(err.value)
    assert "scenarios.shared.timeline[0].organisations" in str(err.value)


def test_reorganisation_dates_are_first_of_january():
    timeline = [
        {"start": date(2019, 1, 1), "organisations": {"A": ["Almelo", "Tubbergen"]}},
        {"start": date(2021, 7, 1), "organisations": {"A": ["Almelo"], "B": ["Tubbergen"]}},
    ]
    with pytest.raises(ConfigError, match=r"scenarios.shared.timeline\[1\].start"):
        smoke({"scenarios": {"shared": {"timeline": timeline}}})


def test_override_of_an_unknown_organisation_is_an_error():
    with pytest.raises(ConfigError, match=r"organisations\.overrides\.Nowhere"):
        smoke({"organisations": {"overrides": {"Nowhere": {"fixed_overhead_eur_per_year": 1.0}}}})
    with pytest.raises(ConfigError, match=r"organisations\.overrides\.Regio\.no_such_field: unknown key"):
        smoke({"organisations": {"overrides": {"Regio": {"no_such_field": 1.0}}}})


@pytest.mark.parametrize("division_key", ["persons", "se"])
@pytest.mark.parametrize("inflow", [False, True])
def test_the_census_equals_a_count_of_everybody_employed(monkeypatch, division_key, inflow):
    # the census keeps a shrinking list of who may still be employed and skips the entry test without
    # inflow; every census a scenario takes must equal a plain count over the whole workforce
    changes: dict = {"organisations": {"division_key": division_key}}
    if inflow:
        changes["demography"] = {"inflow": {"persons_per_year": 12, "first_year": 2020, "last_year": 2026}}
    config = smoke(changes)
    taken = []
    world = organisations.World
    real = world.census

    def checked(self, now):
        census = real(self, now)
        p = self.people
        here = (p.entry <= now) & (p.exit_time > now)
        persons = np.zeros((len(self.municipalities), 4), np.int64)
        np.add.at(persons, (p.municipality[here], p.form[here]), 1)
        weight = p.se if division_key == "se" else np.ones(len(p.se))
        weights = np.bincount(p.municipality[here], weights=weight[here], minlength=len(self.municipalities))
        assert census.persons == persons.tolist()
        np.testing.assert_allclose(census.weights, weights)
        taken.append((now, int((p.exit_time <= now).sum()), bool((p.entry > now).any())))
        return census

    monkeypatch.setattr(world, "census", checked)
    outcomes(config, replication=2)
    assert len(taken) > 20
    assert taken[-1][1] > 10  # people left in between
    assert any(later for _, _, later in taken) == inflow  # with inflow, some censuses come before an entry


def test_the_model_uses_simpy_through_its_public_api_only():
    # no private attribute of SimPy (`event._ok`, `env._eid`, `env._queue`, ...) and no urgent scheduling of
    # our own: one scheduler, SimPy's
    model = Path(organisations.__file__).parent
    private = re.compile(
        r"\._(ok|value|eid|queue|now|env|capacity|trigger_put|trigger_get|do_put|do_get)\b|URGENT|schedule\("
    )
    for path in sorted(model.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not private.search(line), f"{path.name}:{number}: {line.strip()}"


def test_processes_start_after_the_placements_under_way_have_drawn_their_ends():
    # the organisations' processes start as SimPy starts a process, after whatever started them is done: the
    # remaining durations of the placements under way at the start are the stream's first draws after the
    # placeabilities, whatever the processes draw later
    config = smoke()
    model = Model.prepare(config)
    people = build_people(model, config, model.demography, 0, 5)
    pop = people.population
    rng = np.random.default_rng(0)
    workforce = Workforce(
        municipality=pop.municipality,
        se=pop.se,
        entry=people.draws.entry,
        demographic_exit=people.draws.demographic_exit,
        voluntary_budget=people.draws.voluntary_budget,
        voluntary_hazard=model.demography.voluntary_hazard_per_year,
        form=pop.work_form.astype(np.intp),
        placeability=rng.random(len(pop)),
    )
    world = organisations.World(config, workforce, rng, config.scenarios["shared"].timeline, model.start, model.end)
    placed = np.flatnonzero(np.isin(workforce.form, [INDIVIDUEEL, BEGELEID]))
    same = np.random.default_rng(0)
    same.random(len(pop))
    mean = config.organisations.defaults.placement_duration_years_mean["individuele_detachering"]
    assert mean == config.organisations.defaults.placement_duration_years_mean["begeleid_werken"]
    drawn = dict(zip(placed.tolist(), (model.start + same.exponential(mean, len(placed))).tolist(), strict=True))
    run_scenario(world)
    first_return: dict[int, float] = {}
    for person, at, form in workforce.moves:
        if form == BESCHUT and person in drawn:
            first_return.setdefault(person, at)
    assert len(first_return) > 3
    for person, at in first_return.items():
        assert at == drawn[person]
