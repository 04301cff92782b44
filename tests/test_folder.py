"""The run folder's one owner: its layout, the typed manifest, the one table reader, the config rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from batch_runs import SMOKE
from run_folders import write_run_folder

from sim.errors import ConfigError
from sim.inputs.config import load_config
from sim.runs import batch, folder, schema


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return batch.start_run(SMOKE, 4, 5, tmp_path_factory.mktemp("folder"), run_id="r", chunk_size=3).run_dir


def test_the_layout_is_hive_partitioned_one_file_per_table_scenario_and_chunk(run_dir: Path) -> None:
    assert folder.chunk_path(run_dir, "stocks", "shared", 1) == run_dir / "stocks/scenario=shared/part-00001.parquet"
    files = folder.table_files(run_dir, "finance")
    assert [str(p.relative_to(run_dir)) for p in files] == [
        f"finance/scenario={s}/part-{c:05d}.parquet" for s in ("per_municipality", "shared") for c in (0, 1)
    ]
    assert set(folder.chunk_paths(run_dir, 0, ["shared"])) == {
        folder.chunk_path(run_dir, t, "shared", 0) for t in schema.TABLES
    }
    assert "scenario" not in folder.file_schema("stocks").names


def test_the_manifest_reads_typed_and_writes_back_every_key(run_dir: Path) -> None:
    manifest = folder.read_manifest(run_dir)
    assert manifest.schema_version == schema.SCHEMA_VERSION and manifest.replications == 4
    assert [(c.first, c.last, c.status) for c in manifest.chunks] == [(0, 2, "done"), (3, 3, "done")]
    assert sum(c.rows or 0 for c in manifest.chunks) == sum(
        folder.read_table(run_dir, t).num_rows for t in schema.TABLES
    )
    on_disk = json.loads((run_dir / folder.MANIFEST).read_text())
    assert manifest.as_dict() == on_disk
    assert json.loads(manifest.to_json()) == on_disk


def test_an_old_minimal_manifest_reads_and_keeps_its_unknown_keys(tmp_path: Path) -> None:
    run = write_run_folder(SMOKE, tmp_path / "old", 2, 1)
    raw = json.loads((run / folder.MANIFEST).read_text())
    raw["something_later"] = {"kept": True}
    (run / folder.MANIFEST).write_text(json.dumps(raw))
    manifest = folder.read_manifest(run)
    assert manifest.chunks == [] and manifest.scenarios == ["shared", "per_municipality"]
    assert manifest.as_dict() == raw  # nothing added, nothing lost
    assert json.loads(manifest.to_json())["something_later"] == {"kept": True}


def test_bad_manifests_are_config_errors_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a run folder"):
        folder.read_manifest(tmp_path)
    path = tmp_path / folder.MANIFEST
    for text, message in (
        ("{not json", "cannot be read"),
        ("[1, 2]", "is not a wsw-sim manifest"),
        (json.dumps({"config_toml": "x", "replications": "many"}), "replications: is not a wsw-sim manifest"),
    ):
        path.write_text(text)
        with pytest.raises(ConfigError, match=message) as caught:
            folder.read_manifest(tmp_path)
        assert caught.value.source == str(path)
    path.write_text(json.dumps({"config_toml": "name = [unclosed"}))
    with pytest.raises(ConfigError, match=r"manifest\.json: config_toml: is not valid TOML"):
        folder.run_config(tmp_path)


def test_run_config_is_the_config_the_run_started_from(run_dir: Path) -> None:
    rebuilt = folder.run_config(run_dir).model_dump(exclude={"source"})
    assert rebuilt == load_config(SMOKE).model_dump(exclude={"source"})


def test_read_table_selects_columns_rows_and_scenarios(run_dir: Path) -> None:
    full = folder.read_table(run_dir, "finance")
    assert full.schema.equals(schema.FINANCE, check_metadata=True)
    some = folder.read_table(run_dir, "finance", columns=["year", "municipal_contribution_eur"])
    assert some.column_names == ["year", "municipal_contribution_eur"]
    assert some.schema.field("year").metadata == schema.FINANCE.field("year").metadata
    rows = folder.read_table(run_dir, "finance", filters={"scenario": "shared", "year": [2020, 2021]})
    want = full.filter(pc.and_(pc.equal(full["scenario"], "shared"), pc.is_in(full["year"], pa.array([2020, 2021]))))
    assert rows.equals(want) and rows.num_rows > 0
    by_name = folder.read_table(run_dir, "finance", scenarios=["per_municipality"])
    assert by_name.equals(full.filter(pc.equal(full["scenario"], "per_municipality")))
    expression = folder.read_table(run_dir, "finance", filters=pc.field("replication") == 3)
    assert set(expression.column("replication").to_pylist()) == {3}
    with pytest.raises(ConfigError, match="has no column 'nope'"):
        folder.read_table(run_dir, "finance", columns=["nope"])
    with pytest.raises(ConfigError, match="unknown table 'nope'"):
        folder.read_table(run_dir, "nope")


def test_a_table_without_files_reads_empty_in_its_schema(tmp_path: Path) -> None:
    run = write_run_folder(SMOKE, tmp_path / "r", 1, 1, tables=("stocks",))
    assert folder.dataset(run, "finance") is None
    assert folder.read_table(run, "finance").equals(schema.FINANCE.empty_table())


def test_files_that_also_carry_the_scenario_read_the_same(tmp_path: Path) -> None:
    plain = write_run_folder(SMOKE, tmp_path / "plain", 2, 1)
    carried = write_run_folder(SMOKE, tmp_path / "carried", 2, 1, scenario_in_files=True)
    for table in ("stocks", "flows"):
        assert folder.read_table(plain, table).equals(folder.read_table(carried, table))
    frame = folder.read_frame(carried, "stocks")
    assert set(frame["scenario"]) == {"shared", "per_municipality"}


def test_analysis_reads_run_folders_without_the_model_and_sim_never_imports_analysis() -> None:
    import subprocess
    import sys

    from batch_runs import ROOT, env

    script = (
        "import importlib, pkgutil, sys, analysis\n"
        "for info in pkgutil.walk_packages(analysis.__path__, 'analysis.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'simpy' or m.startswith('sim.model')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env(), capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    for path in (ROOT / "sim").rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if line.strip().startswith(("import analysis", "from analysis"))], path
