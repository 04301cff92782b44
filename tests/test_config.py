"""Config errors one by one: each names the file and the field, and through the CLI exits 2 cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from engine_oracle import SMOKE, raw, with_changes

from sim.errors import ConfigError
from sim.inputs.config import load_config
from wsw_sim.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FORMS = ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken")


def toml_value(value: Any) -> str:
    """A value as inline TOML (enough for configs: tables, arrays, strings, numbers, booleans, dates)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def write_toml(data: dict[str, Any], path: Path) -> Path:
    path.write_text("".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in data.items()), encoding="utf-8")
    return path


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    out = with_changes(data, {})
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


SMOKE_RAW = raw(SMOKE)
STATUTORY = SMOKE_RAW["demography"]["aow"]["months_by_year"]

# (case, the config as a dict, the field the message must name, a fragment of the message)
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing key", without(SMOKE_RAW, "horizon", "end_year"), "horizon.end_year", "missing key"),
    ("missing table", without(SMOKE_RAW, "demography"), "demography", "missing key"),
    ("unknown key", with_changes(SMOKE_RAW, {"population": {"persns": 5}}), "population.persns", "unknown key"),
    ("unknown top-level key", with_changes(SMOKE_RAW, {"horizn": {}}), "horizn", "unknown key"),
    ("wrong type", with_changes(SMOKE_RAW, {"population": {"persons": "many"}}), "population.persons", "integer"),
    (
        "negative voluntary rate",
        with_changes(SMOKE_RAW, {"demography": {"voluntary": {"hazard_per_year": {"groepsdetachering": -0.01}}}}),
        "demography.voluntary.hazard_per_year.groepsdetachering",
        "greater than or equal to 0",
    ),
    (
        "negative illness rate",
        with_changes(
            SMOKE_RAW,
            {
                "demography": {
                    "illness": {
                        "bands": [{"from_age": 0, "hazard_per_year": 0.004}, {"from_age": 50, "hazard_per_year": -1}]
                    }
                }
            },
        ),
        "demography.illness.bands[1].hazard_per_year",
        "greater than or equal to 0",
    ),
    (
        "negative excess mortality",
        with_changes(SMOKE_RAW, {"demography": {"mortality": {"excess_multiplier": -0.5}}}),
        "demography.mortality.excess_multiplier",
        "greater than or equal to 0",
    ),
    (
        "work form shares not summing to one",
        with_changes(SMOKE_RAW, {"population": {"work_form_shares": {"beschut_binnen": 0.55}}}),
        "population.work_form_shares",
        "sum to 1",
    ),
    (
        "municipality shares not summing to one",
        with_changes(SMOKE_RAW, {"population": {"municipality_shares": {"Almelo": 0.5, "Tubbergen": 0.4}}}),
        "population.municipality_shares",
        "sum to 1",
    ),
    (
        "unknown municipality",
        with_changes(
            SMOKE_RAW, {"population": {"municipality_shares": {"Almelo": 0.6, "Tubbergen": None, "Enschede": 0.4}}}
        ),
        "population.municipality_shares",
        "unknown municipality 'Enschede'",
    ),
    (
        "unknown municipality in a scenario",
        with_changes(
            SMOKE_RAW,
            {
                "scenarios": {
                    "shared": {
                        "timeline": [{"start": date(2019, 1, 1), "organisations": {"Regio": ["Almelo", "Enschede"]}}]
                    }
                }
            },
        ),
        "scenarios.shared.timeline[0].organisations.Regio",
        "unknown municipality 'Enschede'",
    ),
    (
        "unknown work form",
        with_changes(SMOKE_RAW, {"population": {"work_form_shares": {"beschut_binnen": 0.35, "thuiswerk": 0.1}}}),
        "population.work_form_shares.thuiswerk",
        "",
    ),
    (
        "start not 1 January",
        with_changes(SMOKE_RAW, {"horizon": {"start_date": date(2019, 3, 1)}}),
        "horizon.start_date",
        "1 January",
    ),
    ("end before start", with_changes(SMOKE_RAW, {"horizon": {"end_year": 2017}}), "horizon", "before the start"),
    (
        "AOW table with a gap",
        with_changes(SMOKE_RAW, {"demography": {"aow": {"months_by_year": {"2020": None}}}}),
        "demography.aow.months_by_year",
        "every year",
    ),
    (
        "AOW age falling",
        with_changes(SMOKE_RAW, {"demography": {"aow": {"months_by_year": {"2025": 790}}}}),
        "demography.aow.months_by_year",
        "may not fall",
    ),
    (
        "projection before the table ends",
        with_changes(SMOKE_RAW, {"demography": {"aow": {"projection": [[2030, 813]]}}}),
        "demography.aow",
        "must come after",
    ),
    (
        "unknown distribution",
        with_changes(
            SMOKE_RAW,
            {
                "demography": {
                    "mortality": {"excess_multiplier": {"value": 1.5, "low": 1, "high": 2.5, "dist": "normal"}}
                }
            },
        ),
        "demography.mortality.excess_multiplier.dist",
        "uniform",
    ),
    (
        "value above high",
        with_changes(
            SMOKE_RAW, {"demography": {"mortality": {"excess_multiplier": {"value": 3.0, "low": 1, "high": 2.5}}}}
        ),
        "demography.mortality.excess_multiplier",
        "above high",
    ),
    (
        "value below low",
        with_changes(
            SMOKE_RAW, {"demography": {"mortality": {"excess_multiplier": {"value": 0.5, "low": 1, "high": 2.5}}}}
        ),
        "demography.mortality.excess_multiplier",
        "below low",
    ),
    (
        "distribution without a range",
        with_changes(
            SMOKE_RAW, {"demography": {"mortality": {"excess_multiplier": {"value": 1.5, "dist": "uniform"}}}}
        ),
        "demography.mortality.excess_multiplier",
        "needs both low and high",
    ),
    (
        "distribution on the population",
        with_changes(
            SMOKE_RAW, {"population": {"share_men": {"value": 0.6, "low": 0.5, "high": 0.7, "dist": "uniform"}}}
        ),
        "population.share_men",
        "fixed",
    ),
    (
        "a range reaching a negative rate",
        with_changes(
            SMOKE_RAW,
            {
                "demography": {
                    "voluntary": {
                        "hazard_per_year": {
                            "groepsdetachering": {"value": 0.01, "low": -0.02, "high": 0.03, "dist": "uniform"}
                        }
                    }
                }
            },
        ),
        "demography.voluntary.hazard_per_year.groepsdetachering.low",
        "greater than or equal to 0",
    ),
    (
        "voluntary hazard missing a form",
        with_changes(SMOKE_RAW, {"demography": {"voluntary": {"hazard_per_year": {"begeleid_werken": None}}}}),
        "demography.voluntary.hazard_per_year",
        "begeleid_werken",
    ),
    (
        "share above one",
        with_changes(SMOKE_RAW, {"population": {"share_men": 1.2}}),
        "population.share_men",
        "less than or equal to 1",
    ),
]


def with_rules(*rules: dict[str, Any]) -> dict[str, Any]:
    """The smoke config with these rules in its per_municipality scenario (Regio, then Almelo and Tubbergen
    from 2021)."""
    return with_changes(SMOKE_RAW, {"scenarios": {"per_municipality": {"rules": list(rules)}}})


RULE = {"organisation": "Tubbergen", "at": date(2025, 1, 1), "action": "merge_into", "target": "Almelo"}
RULES = "scenarios.per_municipality.rules"
CASES += [
    (
        "rule on an unknown organisation",
        with_rules({**RULE, "organisation": "Nowhere"}),
        f"{RULES}[0].organisation",
        "unknown organisation 'Nowhere'",
    ),
    ("rule with an unknown target", with_rules({**RULE, "target": "Nowhere"}), f"{RULES}[0].target", "unknown"),
    (
        "rule with a target that does not exist at that date",
        with_rules({**RULE, "at": date(2020, 1, 1)}),
        f"{RULES}[0].target",
        "does not exist on 2020-01-01",
    ),
    (
        "rule with both when and at",
        with_rules({**RULE, "when": "below_viability"}),
        f"{RULES}[0]",
        "exactly one of 'when' and 'at'",
    ),
    ("rule with neither when nor at", with_rules(without(RULE, "at")), f"{RULES}[0]", "exactly one of"),
    (
        "a cycle of merges",
        with_rules(
            {**RULE, "at": date(2025, 1, 1)},
            {"organisation": "Almelo", "when": "below_viability", "action": "merge_into", "target": "Tubbergen"},
        ),
        RULES,
        "a cycle of merges",
    ),
    (
        "negative persons of another target group",
        with_changes(
            SMOKE_RAW,
            {
                "organisations": {
                    "other_groups": [
                        {"name": "pw", "municipality": "Almelo", "persons_start": 10, "persons_by_year": {"2025": -3}}
                    ]
                }
            },
        ),
        "organisations.other_groups[0].persons_by_year.2025",
        "greater than or equal to 0",
    ),
    (
        "another target group of an unknown municipality",
        with_changes(
            SMOKE_RAW,
            {"organisations": {"other_groups": [{"name": "pw", "municipality": "Nowhere", "persons_start": 10}]}},
        ),
        "organisations.other_groups[0].municipality",
        "Nowhere",
    ),
    (
        "an unknown action",
        with_rules({**RULE, "action": "close"}),
        f"{RULES}[0].action",
        "merge_into",
    ),
]


@pytest.mark.parametrize(("case", "data", "field", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_each_config_error_names_the_file_and_the_field(
    tmp_path: Path, case: str, data: dict[str, Any], field: str, fragment: str
) -> None:
    path = write_toml(data, tmp_path / "bad.toml")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.source == str(path), case
    assert error.field == field, case
    assert str(path) in str(error) and field in str(error), case
    assert fragment in error.message, (case, error.message)


def test_the_toml_writer_round_trips_the_smoke_config(tmp_path: Path) -> None:
    """The cases above are only errors if the unchanged config, written the same way, loads."""
    config = load_config(write_toml(SMOKE_RAW, tmp_path / "smoke.toml"))
    assert config == load_config(SMOKE).model_copy(update={"source": str(tmp_path / "smoke.toml")})


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("name = 'x'\n[horizon\n", "not valid TOML"), ("\xff\xfe", "")],
    ids=["syntax", "not text"],
)
def test_unreadable_files_name_the_file(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.source == str(path) and fragment in info.value.message


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found") as info:
        load_config(tmp_path / "nowhere.toml")
    assert info.value.source == str(tmp_path / "nowhere.toml")


# --------------------------------------------------------------------------------------------------- CLI

CLI_CASES = [
    c
    for c in CASES
    if c[0] in ("missing key", "wrong type", "unknown municipality", "unknown distribution", "a cycle of merges")
]


@pytest.mark.parametrize(("case", "data", "field", "fragment"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_check_exits_2_with_one_message(
    tmp_path: Path, case: str, data: dict[str, Any], field: str, fragment: str
) -> None:
    path = write_toml(data, tmp_path / "bad.toml")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2, case
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert str(path) in result.stderr and field in result.stderr and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.parametrize(("case", "data", "field", "fragment"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_population_writes_nothing_for_a_bad_config(
    tmp_path: Path, case: str, data: dict[str, Any], field: str, fragment: str
) -> None:
    path = write_toml(data, tmp_path / "bad.toml")
    out = tmp_path / "out" / "population.parquet"
    result = CliRunner().invoke(cli, ["population", str(path), "--out", str(out)])
    assert result.exit_code == 2, case
    assert "Traceback" not in result.output and field in result.stderr
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_check_and_population_succeed_on_the_smoke_config(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(SMOKE)])
    assert result.exit_code == 0 and "ok" in result.output
    out = tmp_path / "population.parquet"
    result = CliRunner().invoke(cli, ["population", str(SMOKE), "--out", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert result.stdout.strip().splitlines()[-1] == str(out)


def test_check_through_a_real_process(tmp_path: Path) -> None:
    path = write_toml(with_changes(SMOKE_RAW, {"horizon": {"end_year": 2017}}), tmp_path / "bad.toml")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "wsw_sim.cli", "check", str(path)], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.startswith(f"error: {path}: horizon: ") and "before the start" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_merged_organisation_parameters_follow_the_copy_they_are_asked_of() -> None:
    # params() caches the merge; a model_copy (a replication's drawn parameters) shares that cache
    orgs = load_config(ROOT / "configs" / "soweco_2019.toml").organisations
    assert orgs is not None and orgs.overrides.get("Tubbergen")
    before = orgs.params("Tubbergen")
    assert orgs.params("Tubbergen") is before  # merged once
    drawn = orgs.model_copy(update={"defaults": orgs.defaults.model_copy(update={"coaching_weeks": 19.0})})
    assert drawn.params("Tubbergen").coaching_weeks == 19.0
    assert drawn.params("Almelo").coaching_weeks == 19.0
    assert orgs.params("Tubbergen").coaching_weeks == before.coaching_weeks != 19.0
    assert drawn.params("Tubbergen").model_dump() == {**before.model_dump(), "coaching_weeks": 19.0}


def test_configs_compare_equal_whatever_their_merged_parameters_cache_holds() -> None:
    a = load_config(ROOT / "configs" / "soweco_2019.toml")
    b = load_config(ROOT / "configs" / "soweco_2019.toml")
    assert a.organisations is not None and b.organisations is not None
    a.organisations.params("Tubbergen")
    assert a == b
    b.organisations.params("Tubbergen")
    b.organisations.params("Wierden")
    assert a == b and a.organisations == b.organisations  # the cache is not part of the value
