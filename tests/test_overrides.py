"""`--set PATH=VALUE`: one parameter by its config path, validated as if the file held it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.inputs.config import load_config
from sim.inputs.overrides import apply_overrides, parse_override

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "smoke.toml"
OVERHEAD = "organisations.defaults.fixed_overhead_eur_per_year"


def test_a_documented_parameter_gets_a_new_value_and_keeps_its_range():
    base = load_config(SMOKE)
    spec = base.ranged[OVERHEAD]
    inside = (spec.low + spec.high) / 2
    changed = load_config(SMOKE, [f"{OVERHEAD}={inside}"])
    assert changed.organisations.defaults.fixed_overhead_eur_per_year == inside
    assert changed.ranged[OVERHEAD].low == spec.low and changed.ranged[OVERHEAD].high == spec.high
    assert base.organisations.defaults.fixed_overhead_eur_per_year == spec.value  # the file is untouched


def test_a_list_item_and_a_plain_number_can_be_set():
    changed = load_config(SMOKE, ["demography.illness.bands[1].hazard_per_year=0.02", "viability.min_persons=55"])
    assert changed.demography.illness.bands[1].hazard_per_year == 0.02
    assert changed.viability.min_persons == 55


def test_later_overrides_win():
    changed = load_config(SMOKE, ["viability.min_persons=55", "viability.min_persons=60"])
    assert changed.viability.min_persons == 60


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ("organisations.defaults.no_such=1", "organisations.defaults.no_such", "no such parameter"),
        ("nonsense", "nonsense", "PATH=VALUE"),
        (f"{OVERHEAD}=cheap", OVERHEAD, "not a number"),
        (f"{OVERHEAD}=nan", OVERHEAD, "not a finite number"),
        (f"{OVERHEAD}=1e12", OVERHEAD, "above high"),
        ("scenarios=1", "scenarios", "only a number"),
        ("organisations.defaults.group_size_persons=8.5", "organisations.defaults.group_size_persons", "integer"),
        ("demography.illness.bands[99].hazard_per_year=0.1", "demography.illness.bands[99].hazard_per_year", "no such"),
    ],
)
def test_a_bad_override_names_the_path(override, field, words):
    with pytest.raises(ConfigError) as caught:
        load_config(SMOKE, [override])
    assert field in str(caught.value) and words in str(caught.value)


def test_the_document_is_copied_not_changed():
    raw = {"a": {"b": {"value": 1.0, "low": 0.0, "high": 2.0}}}
    out = apply_overrides(raw, ["a.b=1.5"], source="x.toml")
    assert out["a"]["b"]["value"] == 1.5 and raw["a"]["b"]["value"] == 1.0


def test_parse():
    assert parse_override(" a.b[2].c = 3.5 ") == ("a.b[2].c", 3.5)


# ---------------------------------------------------------------------------------- --set on `wsw-sim run`


def test_run_records_its_overrides_and_a_resume_applies_them_again(tmp_path):
    import json

    from click.testing import CliRunner

    from sim.runs import batch, folder
    from wsw_sim.cli import cli

    sets = [f"{OVERHEAD}=300000", "money.wage_cost_eur_per_se=31000"]
    args = [
        "run",
        str(SMOKE),
        "--reps",
        "4",
        "--seed",
        "2",
        "--out",
        str(tmp_path),
        "--run-id",
        "r",
        "--chunk-size",
        "2",
    ]
    done = CliRunner().invoke(cli, [*args, "--quiet", *(x for s in sets for x in ("--set", s))])
    assert done.exit_code == 0, done.output
    run_dir = tmp_path / "r"
    assert folder.read_manifest(run_dir).overrides == sets
    config = folder.run_config(run_dir)
    assert config.organisations.defaults.fixed_overhead_eur_per_year == 300000
    assert config.money.wage_cost_eur_per_se == 31000
    whole = folder.read_table(run_dir, "finance")
    manifest_path = run_dir / folder.MANIFEST
    data = json.loads(manifest_path.read_text())
    data["chunks"][1]["status"] = "pending"
    manifest_path.write_text(json.dumps(data))
    for path in folder.chunk_paths(run_dir, 1, data["scenarios"]):
        path.unlink()
    assert batch.resume_run(run_dir).chunks_run == 1
    assert folder.read_table(run_dir, "finance").equals(whole)
    plain = CliRunner().invoke(cli, [*args[:-4], "--run-id", "plain", "--quiet"])
    assert plain.exit_code == 0, plain.output
    assert not folder.read_table(tmp_path / "plain", "finance").equals(whole)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--set", "money.nope=1"], "no such parameter"),
        (["--set", f"{OVERHEAD}=1e12"], "above high"),
        (["--set", "nonsense"], "PATH=VALUE"),
    ],
)
def test_a_bad_set_on_run_is_exit_2_and_one_line(tmp_path, extra, words):
    from click.testing import CliRunner

    from wsw_sim.cli import cli

    args = ["run", str(SMOKE), "--reps", "2", "--seed", "1", "--out", str(tmp_path), *extra]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2, done.output
    assert words in done.output and len(done.output.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_resume_keeps_the_runs_own_overrides(tmp_path):
    from click.testing import CliRunner

    from wsw_sim.cli import cli

    done = CliRunner().invoke(cli, ["run", "--resume", str(tmp_path), "--set", f"{OVERHEAD}=300000"])
    assert done.exit_code == 2 and "cannot be combined with --set" in done.output
