"""The [analysis] table: defaults, documented values, and errors that name the file and the field (exit 2)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.errors import ConfigError
from sim.inputs.config import AnalysisConfig, analysis_from_table, config_from_dict, load_config
from wsw_sim.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke.toml"


def _with_analysis(tmp_path: Path, table: str) -> Path:
    text = SMOKE.read_text(encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(text[: text.index("[analysis]")] + "[analysis]\n" + table, encoding="utf-8")
    return path


def test_every_config_states_its_definition_of_cost() -> None:
    expected = {
        "smoke": (None, None, 0.03),  # the defaults: derived test configs change scenarios
        "soweco_2019": ("shared", (2021, 2040), 0.03),
        "national_2016": ("baseline", (2016, 2030), 0.0),
    }
    for name, (baseline, horizon, rate) in expected.items():
        analysis = load_config(ROOT / "configs" / f"{name}.toml").analysis
        assert (analysis.baseline, analysis.horizon, analysis.discount_rate) == (baseline, horizon, rate)


def test_defaults_without_a_table() -> None:
    raw = tomllib.loads(SMOKE.read_text(encoding="utf-8"))
    del raw["analysis"]
    config = config_from_dict(raw, source="x.toml", base_dir=SMOKE.parent)
    assert config.analysis == AnalysisConfig()
    assert config.analysis.baseline is None and config.analysis.horizon is None
    assert config.analysis.discount_rate == 0.0 and config.analysis.chart_min_persons == 10


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ('baseline = "nope"\n', "analysis.baseline", "'nope' is not a scenario"),
        ("horizon = [2021, 2031]\n", "analysis.horizon", "not inside the config's horizon 2019-2030"),
        ("horizon = [2018, 2025]\n", "analysis.horizon", "not inside"),
        ("horizon = [2025, 2021]\n", "analysis.horizon", "the first year 2025 is after the last 2021"),
        ("horizon = [2021]\n", "analysis.horizon", ""),
        ("discount_rate = -0.01\n", "analysis.discount_rate", ""),
        ('discount_rate = { value = 0.03, low = 0.0, high = 0.05, dist = "uniform" }\n', "analysis.discount_rate", ""),
        ("colour = 3\n", "analysis.colour", "unknown key"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path: Path, table: str, field: str, words: str) -> None:
    path = _with_analysis(tmp_path, table)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and field in message and words in message
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2 and field in result.output and "Traceback" not in result.output


def test_the_table_alone_reads_documented_values() -> None:
    table = {"baseline": "a", "horizon": [2021, 2030], "discount_rate": {"value": 0.02, "note": "x"}}
    assert analysis_from_table(table, "m.json") == AnalysisConfig(
        baseline="a", horizon=(2021, 2030), discount_rate=0.02
    )
    assert analysis_from_table(None, "m.json") == AnalysisConfig()
    with pytest.raises(ConfigError, match=r"m.json: analysis.discount_rate"):
        analysis_from_table({"discount_rate": 2.0}, "m.json")
    with pytest.raises(ConfigError, match=r"m.json: analysis: must be a table"):
        analysis_from_table(3, "m.json")
