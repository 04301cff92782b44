"""One replication: build the people, draw their demography once, run every scenario on it, collect tables.

The phases are named functions: `prepare` (once per process: config, population, derived laws),
`build_people` (per replication: inflow and latent exit times from the demography streams),
`simulate_scenario` (the organisation-dependent part) and `collect` (records to Arrow tables).
Demography is drawn once per replication and shared by every scenario, so scenario differences are paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from sim import schema, tally
from sim.config import Config, ConfigError
from sim.demography import DemographyModel, ExitDraws, constant_form_voluntary_exit, draw_exits, resolve_exits
from sim.finance import OrganisationHistory, finance_tables
from sim.organisations import Workforce, World
from sim.parameters import draw_parameters
from sim.population import (
    Population,
    concat,
    inflow_population,
    month_index,
    read_population,
    synthetic_population,
)
from sim.streams import stream


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
    """Add the inflow (its own stream) and draw everybody's latent exits (the demography stream)."""
    newcomers, entry_new = inflow_population(config, stream(root_seed, replication, "inflow"))
    population = concat(model.population, newcomers) if len(newcomers) else model.population
    entry = np.concatenate([np.full(len(model.population), model.start), entry_new])
    is_inflow = np.concatenate([np.zeros(len(model.population), bool), np.ones(len(newcomers), bool)])
    draws = draw_exits(population, entry, demography, stream(root_seed, replication, "demography"))
    return People(population=population, is_inflow=is_inflow, draws=draws)


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
    )
    world = World(config, workforce, rng, timeline, model.start, model.end)
    events = world.run()
    exit_time, exit_reason = resolve_exits(people.draws, workforce.voluntary_time, model.end)
    moves = tally.Moves(
        person=np.array([m[0] for m in workforce.moves], np.int64),
        time=np.array([m[1] for m in workforce.moves], float),
        form=np.array([m[2] for m in workforce.moves], np.int8),
        wait_person=np.array([w[0] for w in workforce.waits], np.int64),
        wait_time=np.array([w[1] for w in workforce.waits], float),
        wait_weeks=np.array([w[2] for w in workforce.waits], float),
    )
    history = OrganisationHistory(fte_history=world.fte_history, created=world.created)
    return ScenarioOutcome(exit_time=exit_time, exit_reason=exit_reason, moves=moves, history=history, events=events)


def collect(
    model: Model, config: Config, people: People, outcome: ScenarioOutcome, scenario: str, replication: int
) -> dict[str, pa.Table]:
    """Turn one scenario's records into its tables."""
    pop = people.population
    records = tally.PersonRecords(
        municipality=pop.municipality,
        se=pop.se,
        initial_form=pop.work_form,
        is_inflow=people.is_inflow,
        entry=people.draws.entry,
        exit_time=outcome.exit_time,
        exit_reason=outcome.exit_reason,
        moves=outcome.moves,
    )
    years = config.horizon.years
    municipalities = config.municipalities
    persons, se = tally.stock_arrays(records, len(municipalities), years)
    out = {
        "stocks": tally.stocks_table(persons, se, municipalities, years, scenario, replication),
        "flows": tally.flows(records, municipalities, years, scenario, replication),
    }
    if outcome.history is not None:
        se_years, person_years = tally.exposure(records, len(municipalities), years)
        out["finance"], out["organisations"] = finance_tables(
            config,
            config.scenarios[scenario].timeline,
            outcome.history,
            se_years,
            person_years,
            persons,
            se,
            scenario,
            replication,
        )
    return out


def parameters_table(scenario: str, replication: int, values: dict[str, float]) -> pa.Table:
    names = sorted(values)
    return pa.Table.from_pydict(
        {
            "scenario": pa.array([scenario] * len(names), pa.string()),
            "replication": pa.array(np.full(len(names), replication, np.int32)),
            "parameter": pa.array(names, pa.string()),
            "value": pa.array([values[k] for k in names], pa.float64()),
        },
        schema=schema.PARAMETERS,
    )


def run_replication(
    model: Model, replication: int, root_seed: int, scenarios: Sequence[str] | None = None
) -> dict[str, list[pa.Table]]:
    """Run every (or the named) scenario of one replication; returns the tables, one piece per scenario.

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
    out: dict[str, list[pa.Table]] = {name: [] for name in schema.TABLES}
    for scenario in scenarios if scenarios is not None else config.scenario_names:
        outcome = simulate_scenario(model, config, demography, scenario, people, replication, root_seed)
        for table, data in collect(model, config, people, outcome, scenario, replication).items():
            out[table].append(data)
        out["parameters"].append(parameters_table(scenario, replication, values))
    return out


def start_month(config: Config) -> int:
    return month_index(config.horizon.start_date)
