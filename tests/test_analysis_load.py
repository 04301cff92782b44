"""Reading a run folder: the scenario column from the folder name or the files, filters, SQL, bad folders."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixture import build_run

from analysis.load import RunError, config, has_table, load, manifest, query, scenarios
from sim.errors import ConfigError
from sim.runs.schema import TABLES


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("runs")
    return build_run(base / "with", scenario_in_files=True), build_run(base / "without", scenario_in_files=False)


def test_scenario_column_read_either_way(runs: tuple[Path, Path]) -> None:
    with_col, without_col = runs
    for table in ("stocks", "flows", "finance", "organisations"):
        a, b = load(with_col, table), load(without_col, table)
        assert len(a) > 0
        pd.testing.assert_frame_equal(a, b)
        assert pd.api.types.is_string_dtype(a["scenario"])
        assert not isinstance(a["scenario"].dtype, pd.CategoricalDtype)
        assert list(a.columns) == TABLES[table].names
    assert set(load(with_col, "stocks")["scenario"]) == {"shared", "per_municipality", "merge_2027"}


def test_columns_and_filters(runs: tuple[Path, Path]) -> None:
    run = runs[1]
    columns = ["scenario", "year", "municipal_contribution_eur"]
    df = load(run, "finance", columns=columns, filters={"scenario": "shared"})
    assert list(df.columns) == ["scenario", "year", "municipal_contribution_eur"]
    assert set(df["scenario"]) == {"shared"}
    both = load(run, "stocks", filters={"scenario": ["shared", "merge_2027"], "year": 2025})
    assert set(both["scenario"]) == {"shared", "merge_2027"} and set(both["year"]) == {2025}
    with pytest.raises(ConfigError, match="no column 'nope'"):
        load(run, "stocks", columns=["nope"])


def test_absent_table_reads_empty(tmp_path: Path) -> None:
    run = build_run(tmp_path, replications=2, tables=("stocks",))
    assert not has_table(run, "finance")
    empty = load(run, "finance")
    assert empty.empty and list(empty.columns) == TABLES["finance"].names
    assert query(run, "SELECT count(*) AS n FROM finance")["n"].iloc[0] == 0


def test_query_has_a_view_per_table(runs: tuple[Path, Path]) -> None:
    run = runs[1]
    sql = "SELECT scenario, year, sum(persons) AS persons FROM stocks GROUP BY ALL ORDER BY ALL"
    by_sql = query(run, sql)
    stocks = load(run, "stocks")
    by_pandas = stocks.groupby(["scenario", "year"], as_index=False)["persons"].sum().sort_values(["scenario", "year"])
    assert by_sql["persons"].tolist() == by_pandas["persons"].tolist()
    joined = query(
        run,
        "SELECT f.scenario, count(*) AS n FROM finance f JOIN organisations o "
        "USING (scenario, replication, year, organisation) GROUP BY ALL",
    )
    assert set(joined["scenario"]) == {"shared", "per_municipality", "merge_2027"}


def test_manifest_and_scenarios(runs: tuple[Path, Path]) -> None:
    run = runs[0]
    assert manifest(run)["run_id"] == "test-run"
    assert scenarios(run) == ["shared", "per_municipality", "merge_2027"]


def test_bad_run_folders(tmp_path: Path) -> None:
    """One error type, the one every reader of a run folder raises (exit 2 on the command line), naming it."""
    with pytest.raises(ConfigError, match="no such directory"):
        manifest(tmp_path / "missing")
    with pytest.raises(ConfigError, match=r"no manifest\.json"):
        load(tmp_path, "stocks")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"manifest\.json: cannot be read"):
        manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"run_id": "x"}), encoding="utf-8")
    with pytest.raises(ConfigError, match="config_toml: is not a wsw-sim manifest"):
        manifest(tmp_path)
    with pytest.raises(ConfigError, match="unknown table"):
        load(tmp_path, "nope")
    assert issubclass(RunError, ConfigError)


def test_config_is_the_typed_config_of_the_run(runs: tuple[Path, Path]) -> None:
    typed = config(runs[0])
    assert typed.name == "smoke" and "merge_2027" in typed.scenario_names


def test_temporary_files_are_ignored(runs: tuple[Path, Path], tmp_path: Path) -> None:
    run = build_run(tmp_path, replications=2)
    before = load(run, "stocks")
    (run / "stocks" / "scenario=shared" / ".part-00009.parquet").write_bytes(b"half written")
    pd.testing.assert_frame_equal(load(run, "stocks"), before)
