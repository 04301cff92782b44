"""Random streams: a stream per (root seed, replication, purpose), with no overlap between any two keys.

Two kinds of check. Directly on `sim.model.streams`: every key gives its own numbers, and the derivation is the
documented one (the purpose's crc32 next to the replication in the SeedSequence spawn key), rebuilt here with
numpy and zlib. End to end on whole replications: what a replication draws for one purpose comes from that
purpose's stream and no other, and switching on another purpose (a drawn parameter, an inflow) leaves the draws
of the existing people alone. Together they catch the purpose left out of the key (all purposes then draw the
same numbers) and `root_seed + replication` as entropy (seed 12 replication 0 would equal seed 11 replication 1).
"""

from __future__ import annotations

import functools
import itertools
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from engine_oracle import SMOKE, config, with_changes

from sim.inputs.parameters import draw_parameters
from sim.model.demography import DemographyModel, draw_exits
from sim.model.population import inflow_population
from sim.model.replication import Model, run_replication, simulate_replication
from sim.model.streams import PURPOSES, purpose_key, seed_sequence, stream
from sim.runs import batch, folder

DRAWS = 64


def independent_stream(root_seed: int, replication: int, purpose: str) -> np.random.Generator:
    """The documented derivation, built here from numpy and zlib alone (not from `sim.model.streams`)."""
    key = np.random.SeedSequence(entropy=root_seed, spawn_key=(replication, zlib.crc32(purpose.encode("ascii"))))
    return np.random.Generator(np.random.PCG64(key))


# ------------------------------------------------------------------------------------- sim.model.streams


def crc32(data: bytes) -> int:
    """CRC-32 (ISO 3309, reflected polynomial 0xEDB88320) bit by bit, as the standard defines it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_purpose_keys_are_the_crc32_of_the_names_and_distinct() -> None:
    assert crc32(b"123456789") == 0xCBF43926  # the standard's check value
    assert [purpose_key(p) for p in PURPOSES] == [crc32(p.encode("ascii")) for p in PURPOSES]
    assert len({purpose_key(p) for p in PURPOSES}) == len(PURPOSES)
    assert PURPOSES == ("demography", "inflow", "placements", "parameters")


def test_an_unknown_purpose_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown stream purpose 'demographics'; known: demography, inflow"):
        stream(1, 0, "demographics")
    with pytest.raises(ValueError, match="unknown stream purpose"):
        seed_sequence(1, 0, "")


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize(("root_seed", "replication"), [(0, 0), (11, 1), (12, 0), (20190101, 199)])
def test_a_stream_is_the_documented_derivation(root_seed: int, replication: int, purpose: str) -> None:
    sequence = seed_sequence(root_seed, replication, purpose)
    assert sequence.entropy == root_seed
    assert sequence.spawn_key == (replication, zlib.crc32(purpose.encode("ascii")))
    expected = independent_stream(root_seed, replication, purpose).random(DRAWS)
    assert np.array_equal(stream(root_seed, replication, purpose).random(DRAWS), expected)
    assert np.array_equal(stream(root_seed, replication, purpose).random(DRAWS), expected)  # fresh each call


def test_no_two_keys_share_numbers() -> None:
    """Every (seed, replication, purpose) in a small grid gives its own first draws: no pair of keys overlaps,
    not seed 12 replication 0 and seed 11 replication 1, nor two purposes of one replication."""
    keys = list(itertools.product((0, 1, 11, 12, 13), (0, 1, 2), PURPOSES))
    first = {key: stream(*key).integers(0, 2**63, size=8) for key in keys}
    seen: dict[tuple[int, ...], tuple[int, int, str]] = {}
    for key, values in first.items():
        other = seen.setdefault(tuple(int(v) for v in values), key)
        assert other == key, f"{key} draws the same numbers as {other}"
    assert not np.array_equal(stream(12, 0, "demography").random(DRAWS), stream(11, 1, "demography").random(DRAWS))


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(PURPOSES, 2)))
def test_purposes_of_one_replication_are_uncorrelated(a: str, b: str) -> None:
    """Not only unequal but unrelated: with 4000 uniforms each, a correlation of independent streams has
    standard deviation 1/sqrt(4000); a shared or shifted stream would show far beyond 5 of those."""
    n = 4000
    x, y = stream(5, 3, a).random(n), stream(5, 3, b).random(n)
    assert abs(np.corrcoef(x, y)[0, 1]) * np.sqrt(n) < 5
    assert not np.isin(x, y).any()


# ----------------------------------------------------------------------------------------- end to end

INFLOW = {"demography": {"inflow": {"persons_per_year": 12, "first_year": 2020, "last_year": 2026}}}
DRAWN_MONEY = {
    "money": {"wage_cost_eur_per_se": {"value": 30000, "low": 28000, "high": 33000, "dist": "uniform"}},
}
DRAWN_MORTALITY = {
    "demography": {"mortality": {"excess_multiplier": {"value": 1.5, "low": 1.0, "high": 2.5, "dist": "uniform"}}},
}


@functools.cache
def model(variant: str) -> Model:
    changes: dict[str, dict[str, Any]] = {
        "plain": {},
        "inflow": INFLOW,
        "drawn_money": DRAWN_MONEY,
        "drawn_mortality": DRAWN_MORTALITY,
        "inflow_drawn": with_changes(INFLOW, with_changes(DRAWN_MONEY, DRAWN_MORTALITY)),
    }
    return Model.prepare(config(changes[variant]))


@pytest.mark.parametrize("replication", [0, 1, 5])
def test_each_purpose_draws_from_its_own_stream_end_to_end(replication: int) -> None:
    """A replication's drawn parameters, inflow and demographic draws are those of the purpose's own stream,
    rebuilt here independently: no purpose borrows another's numbers."""
    seed = 31
    m = model("inflow_drawn")
    run = simulate_replication(m, replication, seed)
    drawn_config, values = draw_parameters(m.config, independent_stream(seed, replication, "parameters"))
    assert run.values == values and len(values) == 2
    inflow = independent_stream(seed, replication, "inflow")
    newcomers, entry_new = inflow_population(drawn_config, inflow)
    assert len(newcomers) == 12 * 7
    n = len(m.population)
    assert np.array_equal(run.people.population.birth_month[n:], newcomers.birth_month)
    assert np.array_equal(run.people.draws.entry[n:], entry_new)
    demography = DemographyModel.from_config(drawn_config.demography)
    # the starting population's exits from the demography stream; the newcomers' from the inflow stream, after
    # the newcomers themselves (so switching the inflow on changes no existing person's draws)
    start = draw_exits(
        m.population, run.people.draws.entry[:n], demography, independent_stream(seed, replication, "demography")
    )
    later = draw_exits(newcomers, entry_new, demography, inflow)
    for name in ("death", "illness", "retirement", "voluntary_budget"):
        expected = np.concatenate([getattr(start, name), getattr(later, name)])
        assert np.array_equal(getattr(run.people.draws, name), expected), name


def test_a_parameter_drawn_leaves_every_exit_time_unchanged() -> None:
    """Drawing a money parameter uses the parameters stream only: every person's exit time, in every scenario,
    is the same as without it, replication by replication."""
    for replication in range(4):
        plain = simulate_replication(model("plain"), replication, 8)
        drawn = simulate_replication(model("drawn_money"), replication, 8)
        assert drawn.values and not plain.values
        for scenario, outcome in plain.outcomes.items():
            assert np.array_equal(outcome.exit_time, drawn.outcomes[scenario].exit_time), (replication, scenario)
            assert np.array_equal(outcome.exit_reason, drawn.outcomes[scenario].exit_reason)


def test_a_drawn_mortality_changes_deaths_only() -> None:
    """A drawn mortality level changes death ages, through the law, but not the other latent draws."""
    plain = simulate_replication(model("plain"), 2, 8)
    drawn = simulate_replication(model("drawn_mortality"), 2, 8)
    assert not np.array_equal(plain.people.draws.death, drawn.people.draws.death)
    for name in ("illness", "retirement", "voluntary_budget", "entry"):
        assert np.array_equal(getattr(plain.people.draws, name), getattr(drawn.people.draws, name)), name


def test_inflow_switched_on_leaves_every_existing_exit_time_unchanged() -> None:
    for replication in range(3):
        plain = simulate_replication(model("plain"), replication, 8)
        inflow = simulate_replication(model("inflow"), replication, 8)
        n = len(plain.people.population)
        assert inflow.people.is_inflow.sum() > 0
        for name in ("death", "illness", "retirement", "voluntary_budget"):
            assert np.array_equal(getattr(plain.people.draws, name), getattr(inflow.people.draws, name)[:n]), name


def test_inflow_switched_on_leaves_existing_retirement_and_death_unchanged() -> None:
    for replication in range(3):
        plain = simulate_replication(model("plain"), replication, 8)
        inflow = simulate_replication(model("inflow"), replication, 8)
        n = len(plain.people.population)
        assert len(inflow.people.population) == n + 12 * 7
        for name in ("death", "retirement", "entry"):
            assert np.array_equal(getattr(plain.people.draws, name), getattr(inflow.people.draws, name)[:n]), name


def test_seed_and_replication_pairs_do_not_overlap_end_to_end() -> None:
    """Seed 12 replication 0 and seed 11 replication 1 are different replications (entropy is not seed plus
    replication), and the same key gives the same tables."""
    m = model("plain")
    a = simulate_replication(m, 0, 12)
    b = simulate_replication(m, 1, 11)
    again = simulate_replication(m, 0, 12)
    assert not np.array_equal(a.people.draws.death, b.people.draws.death)
    for scenario in a.outcomes:
        assert np.array_equal(a.outcomes[scenario].exit_time, again.outcomes[scenario].exit_time)
    tables_a, tables_b = run_replication(m, 0, 12), run_replication(m, 1, 11)
    stocks_a = [t.column("persons").to_pylist() for t in tables_a["stocks"]]
    stocks_b = [t.column("persons").to_pylist() for t in tables_b["stocks"]]
    assert stocks_a != stocks_b


def test_on_a_batch_keys_do_not_overlap_and_a_drawn_money_parameter_moves_no_exit(tmp_path: Path) -> None:
    """Through `start_run` and the Parquet tables: seed 12 replication 0 is not seed 11 replication 1, and a
    batch with the wage cost drawn has the flows (every exit, every move) of the batch without, replication by
    replication, while its money differs."""
    drawn = tmp_path / "drawn.toml"
    text = SMOKE.read_text(encoding="utf-8")
    plain_line = 'wage_cost_eur_per_se = { value = 30000, low = 28000, high = 33000, note = "assumption (brief)" }'
    assert plain_line in text
    drawn.write_text(text.replace(plain_line, plain_line.replace("note =", 'dist = "uniform", note =')))
    runs = {
        name: batch.start_run(path, 2, seed, tmp_path, run_id=name, chunk_size=1, workers=1).run_dir
        for name, path, seed in (("s11", SMOKE, 11), ("s12", SMOKE, 12), ("drawn12", drawn, 12))
    }

    def rows(run: str, table: str, replication: int) -> list[dict[str, Any]]:
        data = folder.read_table(runs[run], table).to_pylist()
        mine = [
            {k: v for k, v in row.items() if k != "replication"} for row in data if row["replication"] == replication
        ]
        assert mine
        return sorted(mine, key=lambda row: tuple(str(v) for v in row.values()))

    assert rows("s12", "stocks", 0) != rows("s11", "stocks", 1)
    assert rows("s12", "flows", 0) != rows("s11", "flows", 1)
    for replication in (0, 1):
        assert rows("drawn12", "flows", replication) == rows("s12", "flows", replication)
        assert rows("drawn12", "stocks", replication) == rows("s12", "stocks", replication)
        assert rows("drawn12", "finance", replication) != rows("s12", "finance", replication)
    assert {row["parameter"] for row in folder.read_table(runs["drawn12"], "parameters").to_pylist()} == {
        "money.wage_cost_eur_per_se"
    }
