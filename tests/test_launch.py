"""What `wsw-sim run` starts: the options checked together, the result worded for the person who ran it."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_runs import SMOKE

from sim.errors import ConfigError
from sim.runs.batch import ChunkFailure, RunResult
from sim.runs.launch import export_population, launch, problems, summary
from sim.runs.plan import Chunk


def test_resume_takes_no_option_the_run_keeps_and_a_new_run_needs_its_four(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--resume: cannot be combined with CONFIG, --reps, --scenario"):
        launch(SMOKE, reps=2, scenarios=["shared"], resume=tmp_path)
    with pytest.raises(ConfigError, match=r"run: missing --seed, --out \(or give --resume RUN_DIR\)"):
        launch(SMOKE, reps=2)
    with pytest.raises(ConfigError, match="not a run folder"):
        launch(resume=tmp_path, show_progress=True)


def test_launch_runs_a_batch(tmp_path: Path) -> None:
    result = launch(SMOKE, reps=2, seed=1, out=tmp_path, run_id="a", workers=1)
    assert result.status == "complete" and result.run_dir == tmp_path / "a" and problems(result) == []
    again = launch(resume=tmp_path / "a")
    assert again.status == "complete" and again.replications_run == 0


def test_the_result_in_words(tmp_path: Path) -> None:
    result = RunResult(tmp_path / "r", "failed", 10, ("shared", "split"), 5, 4, 4, 8, 2.0)
    result.failed = [ChunkFailure(Chunk(3, 6, 7), "OSError: disk full")]
    result.redone = ["chunk 1 runs again: x is missing"]
    assert summary(result) == (
        "failed: 8 replications x 2 scenarios in 2.0 s (4.0 replications/s); 4 of 5 chunks written"
    )
    assert problems(result) == [
        "note: chunk 1 runs again: x is missing",
        "error: 1 chunk(s) failed: 3 (replications 6-7: OSError: disk full)",
        f"the run is incomplete (failed); finish it with: wsw-sim run --resume {tmp_path / 'r'}",
    ]


def test_export_population_writes_and_describes_it(tmp_path: Path) -> None:
    line = export_population(SMOKE, tmp_path / "people.parquet")
    assert (tmp_path / "people.parquet").is_file() and " persons, " in line and "mean age" in line
    with pytest.raises(ConfigError, match="cannot be written"):
        export_population(SMOKE, tmp_path / "people.parquet" / "under-a-file.parquet")
