"""Whole replications: conservation, nobody past their AOW date, reproducibility, scenario independence, draws."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from engine_oracle import SOWECO, aow_date_month, baseline_only, config, raw, with_changes
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.checks.oracle import expectations
from sim.inputs.config import config_from_dict
from sim.model.replication import Model, build_people, collect, run_replication, simulate_replication, simulate_scenario
from sim.runs import schema, store

FORMS = ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken")
EXIT_COLUMNS = ("exits_retirement", "exits_death", "exits_illness", "exits_voluntary")
INFLOW = {"demography": {"inflow": {"persons_per_year": 12, "first_year": 2020, "last_year": 2026}}}
NO_RISKS = {
    "demography": {
        "mortality": {"excess_multiplier": 0.0},
        "illness": {"bands": [{"from_age": 0, "hazard_per_year": 0.0}]},
        "voluntary": {"hazard_per_year": dict.fromkeys(FORMS, 0.0)},
    },
}
UNCERTAIN = {
    "demography": {
        "mortality": {"excess_multiplier": {"value": 1.5, "low": 1.0, "high": 2.5, "dist": "uniform"}},
        "voluntary": {
            "hazard_per_year": {
                "beschut_binnen": {"value": 0.015, "low": 0.008, "high": 0.025, "dist": "triangular"},
            }
        },
    },
}


@functools.cache
def model(variant: str) -> Model:
    """Prepared models, once per test session: smoke (with organisation scenarios) and variants."""
    changes: dict[str, dict[str, Any]] = {
        "smoke": {},
        "inflow": INFLOW,
        "no_risks": NO_RISKS,
        "uncertain": UNCERTAIN,
        "inflow_uncertain": with_changes(INFLOW, UNCERTAIN),
    }
    if variant == "soweco":
        return Model.prepare(config(path=SOWECO))
    if variant == "baseline_no_risks":
        return Model.prepare(config_from_dict(with_changes(baseline_only(raw()), NO_RISKS), source="b.toml"))
    return Model.prepare(config(changes[variant]))


def run(variant: str, replication: int, seed: int, scenarios: list[str] | None = None) -> dict[str, pa.Table]:
    out = run_replication(model(variant), replication, seed, scenarios)
    return {name: pa.concat_tables(pieces) for name, pieces in out.items() if pieces}


def ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


# ------------------------------------------------------------------------------------------ properties


def _persons(stocks: pa.Table) -> dict[tuple[str, int, str], int]:
    out: dict[tuple[str, int, str], int] = {}
    for row in stocks.to_pylist():
        key = (row["scenario"], row["year"], row["municipality"])
        out[key] = out.get(key, 0) + row["persons"]
    return out


@settings(max_examples=12, deadline=None)
@given(
    variant=st.sampled_from(["smoke", "inflow", "inflow_uncertain"]),
    replication=st.integers(0, 10_000),
    seed=st.integers(0, 2**32 - 1),
)
def test_start_minus_exits_plus_inflow_is_end_in_every_scenario(variant: str, replication: int, seed: int) -> None:
    tables = run(variant, replication, seed)
    persons = _persons(tables["stocks"])
    assert min(tables["stocks"].column("persons").to_pylist()) >= 0
    assert min(tables["stocks"].column("se").to_pylist()) >= 0
    inflow_total = 0
    for row in tables["flows"].to_pylist():
        assert min(row[c] for c in (*EXIT_COLUMNS, "inflow")) >= 0
        key = (row["scenario"], row["year"], row["municipality"])
        before = persons[(row["scenario"], row["year"] - 1, row["municipality"])]
        assert before - sum(row[c] for c in EXIT_COLUMNS) + row["inflow"] == persons[key], key
        inflow_total += row["inflow"]
    cfg = model(variant).config
    expected_inflow = cfg.demography.inflow.persons_per_year * 7 * len(cfg.scenario_names)
    assert inflow_total == expected_inflow


@pytest.mark.parametrize("variant", ["smoke", "inflow", "soweco"])
def test_nobody_stays_past_their_aow_date(variant: str) -> None:
    m = model(variant)
    people = build_people(m, m.config, m.demography, 4, 99)
    aow = m.config.demography.aow
    aow_time = {b: aow_date_month(aow, int(b)) / 12 for b in np.unique(people.population.birth_month)}
    due = np.array([aow_time[b] for b in people.population.birth_month])
    for scenario in m.config.scenario_names:
        outcome = simulate_scenario(m, m.config, m.demography, scenario, people, 4, 99)
        reached = due < m.end
        assert np.all(outcome.exit_time[reached] <= due[reached]), scenario
        assert np.all(outcome.exit_time >= people.draws.entry)


@pytest.mark.parametrize("variant", ["baseline_no_risks", "no_risks"])
def test_without_other_risks_the_stocks_are_those_before_their_aow_date(variant: str) -> None:
    """Only retirement left: the stock at 31 December Y is who reaches AOW on or after 1 January Y+1."""
    m = model(variant)
    pop = m.population
    aow = m.config.demography.aow
    due = np.array([aow_date_month(aow, int(b)) for b in pop.birth_month])
    persons = _persons(run(variant, 2, 5)["stocks"])
    for scenario in m.config.scenario_names:
        for year in [m.config.horizon.start_year - 1, *m.config.horizon.years]:
            for code, muni in enumerate(m.config.municipalities):
                expected = int(np.sum((pop.municipality == code) & (due >= 12 * (year + 1))))
                assert persons[(scenario, year, muni)] == expected, (scenario, year, muni)


# ------------------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("variant", ["smoke", "inflow_uncertain"])
def test_same_seed_same_bytes_other_seed_other_numbers(variant: str) -> None:
    first, again = run(variant, 3, 42), run(variant, 3, 42)
    assert first.keys() == again.keys()
    for name in first:
        assert first[name].equals(again[name]), name
        assert ipc_bytes(first[name]) == ipc_bytes(again[name]), name
    for other in (run(variant, 3, 43), run(variant, 4, 42)):
        assert first["stocks"].column("persons") != other["stocks"].column("persons")
        assert first["flows"].column("exits_voluntary") != other["flows"].column("exits_voluntary")


def test_a_replication_does_not_depend_on_what_ran_before() -> None:
    alone = run("smoke", 7, 1)
    for r in range(3):
        run("smoke", r, 1)
    run("inflow", 7, 1)
    after = run("smoke", 7, 1)
    assert all(ipc_bytes(alone[name]) == ipc_bytes(after[name]) for name in alone)


@pytest.mark.parametrize("variant", ["smoke", "inflow_uncertain", "soweco"])
def test_a_scenario_does_not_depend_on_which_others_run(variant: str) -> None:
    """The piece of scenario s in replication r: the same bytes alone, with the others, in any order."""
    names = list(model(variant).config.scenario_names)
    assert len(names) >= 2
    full = run_replication(model(variant), 5, 11)
    backwards = run_replication(model(variant), 5, 11, names[::-1])
    for i, scenario in enumerate(names):
        alone = run_replication(model(variant), 5, 11, [scenario])
        for table, pieces in alone.items():
            assert len(pieces) == 1, table
            assert ipc_bytes(pieces[0]) == ipc_bytes(full[table][i]), (scenario, table)
            assert ipc_bytes(pieces[0]) == ipc_bytes(backwards[table][len(names) - 1 - i]), (scenario, table)


# ---------------------------------------------------------------------------------- parameter draws


def test_uncertain_parameters_are_drawn_once_per_replication() -> None:
    cfg = model("uncertain").config
    assert set(cfg.uncertain) == {
        "demography.mortality.excess_multiplier",
        "demography.voluntary.hazard_per_year.beschut_binnen",
    }
    seen: dict[str, set[float]] = {path: set() for path in cfg.uncertain}
    for replication in range(8):
        rows = run("uncertain", replication, 2)["parameters"].to_pylist()
        by_scenario: dict[str, dict[str, float]] = {}
        for row in rows:
            assert row["replication"] == replication
            by_scenario.setdefault(row["scenario"], {})[row["parameter"]] = row["value"]
        assert set(by_scenario) == set(cfg.scenario_names)
        values = list(by_scenario.values())
        assert all(v == values[0] for v in values), "every scenario of a replication sees the same draw"
        for path, value in values[0].items():
            spec = cfg.uncertain[path]
            assert spec.low is not None and spec.high is not None
            assert spec.low <= value <= spec.high
            seen[path].add(value)
        alone = run("uncertain", replication, 2, [cfg.scenario_names[-1]])["parameters"].to_pylist()
        assert {r["parameter"]: r["value"] for r in alone} == values[0]
    assert all(len(values) == 8 for values in seen.values()), "different replications draw differently"


DRAWN_MORTALITY = {
    "demography": {"mortality": {"excess_multiplier": {"value": 1.5, "low": 0.5, "high": 3.0, "dist": "uniform"}}}
}


def test_a_drawn_parameter_changes_the_run() -> None:
    """The drawn excess mortality reaches the demography, as a z-test against exact expectations.

    Demography only (the oracle is exact there), the multiplier drawn per replication. For replication r with
    draw m_r the oracle gives the expected deaths E(m_r) and a variance V(m_r): the sum over years of each
    year's variance, an upper bound of the variance of the total (a person dies at most once), so the z-scores
    below are conservative. Two statistics of the deviations D_r - E:
    - against E(m_r), the draw applied: their sum has |z| < 4;
    - against E(1.5), the draw ignored: weighted by m_r - mean(m), they grow with the draw, z > 4. The
      expected z of this slope statistic when the draw is applied is computed exactly from the oracle, and
      must be at least 8 (so a correct run fails with probability below 1e-4).
    """
    base = model("baseline_no_risks").config  # only for its horizon
    cfg = config_from_dict(with_changes(baseline_only(raw()), DRAWN_MORTALITY), source="drawn.toml")
    m = Model.prepare(cfg)
    assert list(cfg.uncertain) == ["demography.mortality.excess_multiplier"] and base.horizon == cfg.horizon

    def oracle(multiplier: float) -> tuple[float, float]:
        e = expectations(
            dataclasses.replace(m, demography=dataclasses.replace(m.demography, excess_mortality=multiplier))
        )
        deaths = e[e["quantity"] == "exits_death"]
        return float(deaths["expected"].sum()), float(deaths["variance"].sum())

    draws, deaths = [], []
    for replication in range(80):
        tables = run_replication(m, replication, 9)
        rows = pa.concat_tables(tables["parameters"]).to_pylist()
        draws.append(rows[0]["value"])
        deaths.append(sum(pa.concat_tables(tables["flows"]).column("exits_death").to_pylist()))
    d = np.array(deaths, float)
    w = np.array(draws) - np.mean(draws)
    applied = np.array([oracle(v) for v in draws])  # E(m_r), V(m_r)
    z_applied = (d - applied[:, 0]).sum() / math.sqrt(applied[:, 1].sum())
    assert abs(z_applied) < 4
    ignored_mean, ignored_var = oracle(1.5)
    sd_slope = math.sqrt(float((w**2).sum()) * ignored_var)
    z_ignored = float((w * (d - ignored_mean)).sum()) / sd_slope
    expected_z_ignored = float((w * (applied[:, 0] - ignored_mean)).sum()) / sd_slope
    assert expected_z_ignored >= 8, expected_z_ignored  # the test's power, from the oracle alone
    assert z_ignored > 4


def test_no_uncertain_parameters_no_rows() -> None:
    assert run("smoke", 0, 1)["parameters"].num_rows == 0


@pytest.mark.parametrize("variant", ["inflow", "inflow_uncertain"])
def test_replications_tallied_together_get_what_each_gets_alone(variant: str) -> None:
    """A chunk's tables are made in one pass over its replications: each replication's rows must be exactly
    those it gets alone, whatever other replications share the pass (with drawn parameters, whose
    replications each have their own config, and without)."""
    m = model(variant)
    runs = [simulate_replication(m, r, 23) for r in (4, 0, 9)]
    for scenario in m.config.scenario_names:
        together = collect(runs, scenario)
        for table, data in together.items():
            keys = [(k, "ascending") for k in schema.KEYS[table]]
            alone = pa.concat_tables([collect([run], scenario)[table] for run in runs])
            assert data.num_rows == alone.num_rows > 0 or (table == "parameters" and variant == "inflow")
            assert ipc_bytes(data.sort_by(keys)) == ipc_bytes(alone.sort_by(keys)), (scenario, table)
        # replications in order (as a chunk has them) give rows in key order: the chunk writer has nothing to sort
        for table, data in collect(sorted(runs, key=lambda run: run.replication), scenario).items():
            assert store.key_order(data, schema.KEYS[table]) is None, (scenario, table)
