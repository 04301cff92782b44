"""One replication: build the people, draw their demography once, run every scenario on it; then the tables.

The phases are named functions: `prepare` (once per process: config, population, derived laws),
`build_people` (per replication: inflow and latent exit times from the demography streams),
`simulate_scenario` (the organisation-dependent part), `simulate_replication` (all of a replication's
scenarios) and `collect` (records to Arrow tables, for many replications in one vectorised pass: a chunk's).
Demography is drawn once per replication and shared by every scenario, so scenario differences are paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np
import pyarrow as pa

import sim.model.scenario
from sim.domain import ILLNESS
from sim.errors import ConfigError
from sim.inputs.config import Config
from sim.inputs.parameters import draw_parameters
from sim.model import tally
from sim.model.demography import DemographyModel, ExitDraws, constant_form_voluntary_exit, draw_exits, resolve_exits
from sim.model.finance import OrganisationHistory, finance_tables
from sim.model.organisations import World
from sim.model.population import (
    Population,
    concat,
    inflow_population,
    month_index,
    read_population,
    synthetic_population,
)
from sim.model.streams import stream
from sim.model.workforce import Workforce
from sim.runs import schema


@dataclass(frozen=True, eq=False)
class Model:
    """What every replication of a config shares: the config, the starting population, derived laws."""

    config: Config
    population: Population
    demography: DemographyModel

    @classmethod
    def prepare(cls, config: Config) -> Model:
        demography = DemographyModel.from_config(config.demography)
        if config.population.file is not None:
            population = read_population(config.population.file, config.municipalities)
        else:
            aow_at_start = int(demography.aow.months_in(config.horizon.start_year))
            population = synthetic_population(config, aow_at_start)
        if len(population) == 0:
            raise ConfigError(config.source, "population", "the population is empty")
        return cls(config=config, population=population, demography=demography)

    @property
    def start(self) -> float:
        return float(self.config.horizon.start_year)

    @property
    def end(self) -> float:
        """The end of the horizon: 1 January after `end_year`."""
        return float(self.config.horizon.end_year + 1)


@dataclass(frozen=True, eq=False)
class People:
    """The people of one replication: the starting population plus any what-if inflow, with their draws."""

    population: Population
    is_inflow: np.ndarray
    draws: ExitDraws


@dataclass(eq=False)
class ScenarioOutcome:
    """What a scenario produced for one replication: per-person exits and moves, organisation records."""

    exit_time: np.ndarray
    exit_reason: np.ndarray
    moves: tally.Moves = field(default_factory=tally.Moves)
    history: OrganisationHistory | None = None
    events: int = 0


def build_people(model: Model, config: Config, demography: DemographyModel, replication: int, root_seed: int) -> People:
    """Draw the latent exits of the starting population (the demography stream), then add the inflow.

    Newcomers and their exits come from the inflow stream alone, so switching the inflow on leaves every
    existing person's draws unchanged: a vectorised draw sized by everybody would shift them.
    """
    start = model.population
    at_start = np.full(len(start), model.start)
    draws = draw_exits(start, at_start, demography, stream(root_seed, replication, "demography"))
    inflow = stream(root_seed, replication, "inflow")
    newcomers, entry_new = inflow_population(config, inflow)
    if not len(newcomers):
        return People(population=start, is_inflow=np.zeros(len(start), bool), draws=draws)
    new = draw_exits(newcomers, entry_new, demography, inflow)
    joined = ExitDraws(
        **{f.name: np.concatenate([getattr(draws, f.name), getattr(new, f.name)]) for f in fields(ExitDraws)}
    )
    is_inflow = np.concatenate([np.zeros(len(start), bool), np.ones(len(newcomers), bool)])
    return People(population=concat(start, newcomers), is_inflow=is_inflow, draws=joined)


def sick_leave_from(ill: np.ndarray, exit_time: np.ndarray, config: Config) -> np.ndarray:
    """When the sick leave of each person who leaves for illness (`ill`) at `exit_time` begins, inf for the
    others: the `money.sick_leave_years_before_illness_exit` before the exit. Placements (from the latent
    draws) and finance (from the exits as they happened) both count it so."""
    assert config.money is not None, "a scenario with organisations has a money table (validated)"
    return np.where(ill, exit_time - config.money.sick_leave_years_before_illness_exit, np.inf)


def simulate_scenario(
    model: Model,
    config: Config,
    demography: DemographyModel,
    scenario: str,
    people: People,
    replication: int,
    root_seed: int,
) -> ScenarioOutcome:
    """Exits and moves of one scenario: demography only without organisations, else the SimPy model.

    The placements stream starts afresh for every scenario, and its first draws (one placeability per
    person) are therefore the same in every scenario of the replication.
    """
    pop = people.population
    timeline = config.scenarios[scenario].timeline
    if not timeline:
        voluntary = constant_form_voluntary_exit(people.draws, pop.work_form, demography)
        exit_time, exit_reason = resolve_exits(people.draws, voluntary, model.end)
        return ScenarioOutcome(exit_time=exit_time, exit_reason=exit_reason)
    rng = stream(root_seed, replication, "placements")
    workforce = Workforce(
        municipality=pop.municipality,
        se=pop.se,
        entry=people.draws.entry,
        demographic_exit=people.draws.demographic_exit,
        voluntary_budget=people.draws.voluntary_budget,
        voluntary_hazard=demography.voluntary_hazard_per_year,
        form=pop.work_form.astype(np.intp),  # a copy, in the type numpy indexes and counts with
        placeability=rng.random(len(pop)),
        birth=people.draws.birth,
        voluntary_by_age=demography.voluntary_by_age,
        sick_from=sick_leave_from(people.draws.demographic_reason == ILLNESS, people.draws.illness, config),
    )
    world = World(config, workforce, rng, timeline, model.start, model.end, config.scenarios[scenario].rules)
    events = sim.model.scenario.run_scenario(world)  # looked up here: a test may replace it
    exit_time, exit_reason = resolve_exits(people.draws, workforce.voluntary_time, model.end)
    moves = tally.Moves(
        person=np.array([m[0] for m in workforce.moves], np.int64),
        time=np.array([m[1] for m in workforce.moves], float),
        form=np.array([m[2] for m in workforce.moves], np.int8),
        wait_person=np.array([w[0] for w in workforce.waits], np.int64),
        wait_time=np.array([w[1] for w in workforce.waits], float),
        wait_weeks=np.array([w[2] for w in workforce.waits], float),
    )
    history = OrganisationHistory(
        fte_history=world.fte_history,
        created=world.created,
        timeline=tuple(world.applied),
        dissolved=tuple(world.dissolved),
    )
    return ScenarioOutcome(exit_time=exit_time, exit_reason=exit_reason, moves=moves, history=history, events=events)


@dataclass(eq=False)
class ReplicationRun:
    """One replication simulated: its config (with any drawn parameters), people and scenario outcomes.

    What the tables are made from. The tables of many replications are made together (`collect`), in one
    vectorised pass, rather than one replication at a time.
    """

    replication: int
    config: Config
    values: dict[str, float]
    people: People
    outcomes: dict[str, ScenarioOutcome]


def simulate_replication(
    model: Model, replication: int, root_seed: int, scenarios: Sequence[str] | None = None
) -> ReplicationRun:
    """Run every (or the named) scenario of one replication.

    A replication's numbers depend only on (config, root seed, replication number): not on which other
    scenarios or replications run, nor where.
    """
    config = model.config
    demography = model.demography
    values: dict[str, float] = {}
    if config.uncertain:
        config, values = draw_parameters(config, stream(root_seed, replication, "parameters"))
        demography = DemographyModel.from_config(config.demography)
    people = build_people(model, config, demography, replication, root_seed)
    outcomes = {
        scenario: simulate_scenario(model, config, demography, scenario, people, replication, root_seed)
        for scenario in (scenarios if scenarios is not None else config.scenario_names)
    }
    return ReplicationRun(replication, config, values, people, outcomes)


def collect(runs: Sequence[ReplicationRun], scenario: str) -> dict[str, pa.Table]:
    """The tables of one scenario for these replications, rows in the order of `runs`.

    Replications that share a config (all of them, unless parameters are drawn) are tallied together; each
    replication's rows are exactly what it would get alone.
    """
    groups: list[list[ReplicationRun]] = []
    for run in runs:
        if groups and groups[-1][0].config is run.config:
            groups[-1].append(run)
        else:
            groups.append([run])
    parts = [_collect_group(group, scenario) for group in groups]
    out = {table: pa.concat_tables([part[table] for part in parts]) for table in parts[0]} if parts else {}
    out["parameters"] = parameters_table(scenario, runs)
    return out


def _collect_group(runs: Sequence[ReplicationRun], scenario: str) -> dict[str, pa.Table]:
    config = runs[0].config
    records = tally.stack(
        [
            tally.PersonRecords(
                municipality=run.people.population.municipality,
                se=run.people.population.se,
                initial_form=run.people.population.work_form,
                is_inflow=run.people.is_inflow,
                entry=run.people.draws.entry,
                exit_time=run.outcomes[scenario].exit_time,
                exit_reason=run.outcomes[scenario].exit_reason,
                moves=run.outcomes[scenario].moves,
                birth_month=run.people.population.birth_month,
            )
            for run in runs
        ]
    )
    replications = [run.replication for run in runs]
    years = config.horizon.years
    municipalities = config.municipalities
    persons, se = tally.stock_arrays(records, len(municipalities), years)
    out = {
        "stocks": tally.stocks_table(persons, se, municipalities, years, scenario, replications),
        "flows": tally.flows(records, municipalities, years, scenario, replications),
        "ages": tally.ages(
            records, municipalities, years, month_index(date(years.start - 1, 12, 1)), scenario, replications
        ),
    }
    histories = [h for run in runs if (h := run.outcomes[scenario].history) is not None]
    if histories:  # the scenario has organisations
        se_years, person_years = tally.exposure(records, len(municipalities), years)
        sick_since = sick_leave_from(records.exit_reason == ILLNESS, records.exit_time, config)
        sick_se_years = tally.exposure(records, len(municipalities), years, since=sick_since)[0]
        out["finance"], out["organisations"] = finance_tables(
            config,
            config.scenarios[scenario].timeline,
            histories,
            se_years,
            person_years,
            persons,
            se,
            scenario,
            replications,
            sick_se_years=sick_se_years,
        )
    return out


def parameters_table(scenario: str, runs: Sequence[ReplicationRun]) -> pa.Table:
    """The drawn parameters of `runs`: a row per replication and parameter, by replication, then name."""
    names = [sorted(run.values) for run in runs]
    n = sum(len(ns) for ns in names)
    return pa.Table.from_pydict(
        {
            "scenario": pa.repeat(pa.scalar(scenario, pa.string()), n),
            "replication": pa.array(
                np.repeat([run.replication for run in runs], [len(ns) for ns in names]).astype(np.int32)
            ),
            "parameter": pa.array([name for ns in names for name in ns], pa.string()),
            "value": pa.array(
                [run.values[name] for run, ns in zip(runs, names, strict=True) for name in ns], pa.float64()
            ),
        },
        schema=schema.PARAMETERS,
    )


def run_replication(
    model: Model, replication: int, root_seed: int, scenarios: Sequence[str] | None = None
) -> dict[str, list[pa.Table]]:
    """Run every (or the named) scenario of one replication; returns its tables, one piece per scenario."""
    run = simulate_replication(model, replication, root_seed, scenarios)
    out: dict[str, list[pa.Table]] = {name: [] for name in schema.TABLES}
    for scenario in run.outcomes:
        for table, data in collect([run], scenario).items():
            out[table].append(data)
    return out


def start_month(config: Config) -> int:
    return month_index(config.horizon.start_date)
