"""Faults a batch must survive: a failing chunk, kill -9, a killed worker, SIGTERM (also mid-write), a read-only
or full disk, and a done chunk whose files were lost or spoilt afterwards (resume checks the disk).

Faults are injected from outside `sim`: tests/fault_hooks.py runs the command with a replication that raises
or hangs (so that the test can kill the process at a known point), or a test monkeypatches the writer.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from batch_runs import SMOKE, cli, command, data_files, env, hidden_files
from click.testing import CliRunner

from sim.inputs.config import load_config
from sim.runs import batch, chunks, executors, folder, plan, store
from sim.runs.chunks import ChunkDone, ChunkTask
from wsw_sim.cli import cli as wsw_sim

REPS = 12
SEED = 11
CHUNK = 2  # six chunks; replication 5 is in chunk 2, replication 6 starts chunk 3


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference")
    result = batch.start_run(SMOKE, REPS, SEED, out, run_id="ref", chunk_size=CHUNK)
    assert result.status == "complete"
    return data_files(result.run_dir)


def run_args(out: Path, workers: int) -> list[str | Path]:
    args: list[str | Path] = ["run", SMOKE, "--reps", str(REPS), "--seed", str(SEED), "--chunk-size", str(CHUNK)]
    return [*args, "--workers", str(workers), "--out", out, "--run-id", "r"]


def manifest(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / folder.MANIFEST).read_text()))


def chunk_files(files: dict[str, bytes], chunk: int) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if k.endswith(f"part-{chunk:05d}.parquet")}


def assert_done_chunks_intact(run_dir: Path, reference: dict[str, bytes]) -> list[int]:
    """Every chunk the manifest calls done has all its files, byte for byte those of the reference run."""
    done = [c["id"] for c in manifest(run_dir)["chunks"] if c["status"] == "done"]
    files = data_files(run_dir)
    for chunk in done:
        assert chunk_files(files, chunk) == chunk_files(reference, chunk), chunk
    return done


def resume_equals_reference(run_dir: Path, reference: dict[str, bytes]) -> None:
    done = cli("run", "--resume", run_dir, "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(run_dir)
    assert manifest(run_dir)["status"] == "complete"
    assert data_files(run_dir) == reference
    assert hidden_files(run_dir) == []


def start_hanging(out: Path, workers: int, pidfile: Path) -> subprocess.Popen[str]:
    """Start a batch whose replication 6 (chunk 3) hangs; returns once that process has written its pid."""
    proc = subprocess.Popen(
        command(*run_args(out, workers), hooks=True),
        env=env(WSW_TEST_HANG_REPLICATION="6", WSW_TEST_PIDFILE=str(pidfile)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not pidfile.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the batch never reached replication 6"
        time.sleep(0.05)
    return proc


def gone(pid: int, within: float = 20) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True  # a zombie: dead, only not yet reaped
        time.sleep(0.1)
    return False


def test_a_failing_chunk_is_reported_the_others_go_on_and_resume_completes(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    done = cli(*run_args(tmp_path, 2), hooks=True, WSW_TEST_FAIL_REPLICATION="5")
    assert done.returncode == 1, done.stderr
    assert "1 chunk(s) failed: 2 (replications 4-5: RuntimeError: injected failure in replication 5)" in done.stderr
    assert "Traceback" not in done.stderr
    run_dir = tmp_path / "r"
    assert done.stdout.strip().splitlines()[-1] == str(run_dir)
    chunks = manifest(run_dir)["chunks"]
    assert [c["status"] for c in chunks] == ["done", "done", "failed", "done", "done", "done"]
    assert "injected failure" in chunks[2]["error"] and "fault_hooks.py" in chunks[2]["traceback"]
    assert manifest(run_dir)["status"] == "failed"
    assert chunk_files(data_files(run_dir), 2) == {}  # a failed chunk leaves no files
    assert assert_done_chunks_intact(run_dir, reference) == [0, 1, 3, 4, 5]
    resume_equals_reference(run_dir, reference)
    assert manifest(run_dir)["chunks"][2]["error"] is None


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_killed_with_sigkill_resumes_to_the_uninterrupted_result(
    tmp_path: Path, reference: dict[str, bytes], workers: int
) -> None:
    pidfile = tmp_path / "hanging.pid"
    proc = start_hanging(tmp_path, workers, pidfile)
    hanging = int(pidfile.read_text())
    assert (hanging == proc.pid) == (workers == 1)
    time.sleep(0.3)  # let the other worker finish a chunk or two
    proc.kill()
    proc.communicate(timeout=30)
    run_dir = tmp_path / "r"
    assert manifest(run_dir)["status"] == "running"  # nobody could say otherwise: kill -9
    done = assert_done_chunks_intact(run_dir, reference)
    assert 3 not in done and {0, 1, 2} <= set(done)
    assert gone(hanging), "a worker outlived its killed coordinator"
    assert not store.is_locked(run_dir)
    resume_equals_reference(run_dir, reference)


def test_a_killed_worker_fails_its_chunks_and_resume_completes(tmp_path: Path, reference: dict[str, bytes]) -> None:
    pidfile = tmp_path / "worker.pid"
    proc = start_hanging(tmp_path, 2, pidfile)
    worker = int(pidfile.read_text())
    assert worker != proc.pid
    os.kill(worker, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 1, stderr
    assert "chunk(s) failed: " in stderr and "3 (replications 6-7: a worker process died" in stderr
    run_dir = tmp_path / "r"
    assert stdout.strip().splitlines()[-1] == str(run_dir)
    chunks = manifest(run_dir)["chunks"]
    failed = [c["id"] for c in chunks if c["status"] == "failed"]
    assert 3 in failed and len(failed) <= 2  # only chunks in flight with the dead worker
    assert all(c["status"] in ("done", "failed") for c in chunks)  # the others went on with a new pool
    assert assert_done_chunks_intact(run_dir, reference) == [c for c in range(6) if c not in failed]
    assert hidden_files(run_dir) == []
    resume_equals_reference(run_dir, reference)


def test_a_worker_dying_between_chunks_costs_no_chunk_that_was_not_in_flight(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    # The pool can break while no chunk of the dead worker is in flight: then submitting the next chunk
    # raises. That chunk never ran, so it must go to the next pool, not fail (nor crash the coordinator).
    config = load_config(SMOKE)
    scenarios = plan.select_scenarios(config, None)
    text = SMOKE.read_text()
    chunks = plan.plan_chunks(REPS, CHUNK)
    tasks = [ChunkTask(str(tmp_path), text, str(SMOKE), SEED, scenarios, c) for c in chunks]
    reports: list[tuple[int, str | None]] = []

    def report(task: ChunkTask, done: ChunkDone | None, error: str | None, tb: str) -> None:
        reports.append((task.chunk.id, error))
        if len(reports) == 1:
            victim = multiprocessing.active_children()[0]
            os.kill(victim.pid or 0, signal.SIGKILL)
            victim.join(10)
            time.sleep(1)  # the pool's manager thread marks the pool broken before the next submit

    executors.run_pool(tasks, 2, report)
    assert sorted(chunk for chunk, _ in reports) == list(range(6))
    failed = [chunk for chunk, error in reports if error is not None]
    assert all(error == executors.WORKER_DIED for _, error in reports if error is not None)
    first = reports[0][0]  # 0 or 1: the two workers start on chunks 0 and 1
    assert set(failed) <= {0, 1} - {first}  # at most the chunk that was running beside the first finished one
    done = [chunk for chunk, error in reports if error is None]
    files = data_files(tmp_path)
    for chunk in done:
        assert chunk_files(files, chunk) == chunk_files(reference, chunk), chunk


def test_sigterm_stops_cleanly_and_the_run_resumes(tmp_path: Path, reference: dict[str, bytes]) -> None:
    pidfile = tmp_path / "worker.pid"
    proc = start_hanging(tmp_path, 2, pidfile)
    worker = int(pidfile.read_text())
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "incomplete (interrupted)" in stderr, stderr
    assert stdout.strip().splitlines()[-1] == str(tmp_path / "r")
    assert "Traceback" not in stderr
    run_dir = tmp_path / "r"
    assert manifest(run_dir)["status"] == "interrupted"
    assert gone(worker)
    assert hidden_files(run_dir) == [] and not store.is_locked(run_dir)
    assert chunk_files(data_files(run_dir), 3) == {}
    assert_done_chunks_intact(run_dir, reference)
    resume_equals_reference(run_dir, reference)


def test_a_read_only_out_folder_is_exit_2_and_nothing_is_written(tmp_path: Path) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root writes anywhere: drop the capability that lets it
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder unwritable")
        drop = "-dac_override,-dac_read_search"
        prefix = [setpriv, f"--bounding-set={drop}", f"--inh-caps={drop}"]
    try:
        for out in (readonly, readonly / "new" / "runs"):
            args = ["run", SMOKE, "--reps", "2", "--seed", "1", "--out", out]
            done = subprocess.run(
                [*prefix, *command(*args)], env=env(), capture_output=True, text=True, timeout=60, check=False
            )
            assert done.returncode == 2, done.stderr
            assert f"error: {out}: cannot be written (Permission denied)" in done.stderr
            assert "Traceback" not in done.stderr
            assert list(readonly.iterdir()) == []
    finally:
        readonly.chmod(0o755)


class FillingDisk:
    """`pyarrow.parquet.write_table` on a disk that fills up after a few files."""

    def __init__(self, files: int) -> None:
        self.room = files
        self.write_table = pq.write_table

    def __call__(self, table: pa.Table, where: Any, **kwargs: Any) -> None:
        if self.room > 0:
            self.room -= 1
            self.write_table(table, where, **kwargs)
            return
        where.write(b"PAR1 the first bytes of a file that does not fit")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_fails_the_chunks_cleanly_and_resume_completes(
    tmp_path: Path, reference: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [str(a) for a in run_args(tmp_path, 1)]
    with monkeypatch.context() as patch:
        patch.setattr(pq, "write_table", FillingDisk(files=3))  # chunk 0 fails after three of its ten files
        done = CliRunner().invoke(wsw_sim, args)
    assert done.exit_code == 1, done.output
    assert "6 chunk(s) failed: 0 (replications 0-1: OSError: [Errno 28] No space left on device)" in done.stderr
    run_dir = tmp_path / "r"
    assert manifest(run_dir)["status"] == "failed"
    assert data_files(run_dir) == {} and hidden_files(run_dir) == []  # no partial or temporary files
    resume_equals_reference(run_dir, reference)


def test_a_full_disk_before_the_first_chunk_is_exit_2_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(text: str, path: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, "atomic_write_text", no_space)
    out = tmp_path / "runs"
    done = CliRunner().invoke(wsw_sim, ["run", str(SMOKE), "--reps", "2", "--seed", "1", "--out", str(out)])
    assert done.exit_code == 2, done.output
    assert f"error: {out}: cannot be written (No space left on device)" in done.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- what is on disk, not what was said


def _complete_copy(reference_dir: Path, into: Path) -> Path:
    run_dir = into / "r"
    shutil.copytree(reference_dir, run_dir)
    return run_dir


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference-folder")
    return batch.start_run(SMOKE, REPS, SEED, out, run_id="ref", chunk_size=CHUNK).run_dir


def _damaged_files() -> dict[str, Any]:
    """Ways a done chunk's file can be lost or spoilt after the manifest recorded it."""

    def missing(path: Path) -> None:
        path.unlink()

    def cut_short(path: Path) -> None:
        path.write_bytes(path.read_bytes()[:100])

    def emptied(path: Path) -> None:  # a readable Parquet file of the right schema, without its rows
        table = path.parent.parent.name
        pq.write_table(folder.file_schema(table).empty_table(), path)

    return {"missing": missing, "cut_short": cut_short, "emptied": emptied}


@pytest.mark.parametrize("how", list(_damaged_files()))
def test_resume_runs_again_a_done_chunk_whose_file_is_damaged(
    tmp_path: Path, reference_dir: Path, reference: dict[str, bytes], how: str
) -> None:
    run_dir = _complete_copy(reference_dir, tmp_path)
    victim = folder.chunk_path(run_dir, "stocks", "shared", 2)
    _damaged_files()[how](victim)
    assert manifest(run_dir)["chunks"][2]["status"] == "done"  # the manifest still says so
    done = cli("run", "--resume", run_dir)
    assert done.returncode == 0, done.stderr
    why = {"missing": f"{victim} is missing", "cut_short": f"{victim} cannot be read"}.get(how, "chunk 2's files hold")
    assert f"note: chunk 2 runs again: {why}" in done.stderr
    assert "complete: 2 replications" in done.stderr  # chunk 2 only
    assert data_files(run_dir) == reference
    assert manifest(run_dir)["sessions"][-1]["redone"][0].startswith(f"chunk 2 runs again: {why}")


def test_resume_checks_every_file_of_a_done_chunk(tmp_path: Path, reference_dir: Path) -> None:
    run_dir = _complete_copy(reference_dir, tmp_path)
    m = folder.read_manifest(run_dir)
    scenarios = m.scenarios
    assert all(chunks.damage(run_dir, entry, scenarios) is None for entry in m.chunks)
    for path in folder.chunk_paths(run_dir, 4, scenarios):
        saved = path.read_bytes()
        path.unlink()
        assert chunks.damage(run_dir, m.chunks[4], scenarios) == f"{path} is missing"
        path.write_bytes(saved)
    assert chunks.damage(run_dir, m.chunks[4], scenarios) is None


def start_hanging_write(out: Path, workers: int, pidfile: Path) -> subprocess.Popen[str]:
    """Start a batch whose chunk 3 stops half-way through writing its first finance file."""
    proc = subprocess.Popen(
        command(*run_args(out, workers), hooks=True),
        env=env(WSW_TEST_HANG_WRITE_REPLICATION="6", WSW_TEST_PIDFILE=str(pidfile)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while not pidfile.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the batch never began writing chunk 3"
        time.sleep(0.05)
    return proc


def _half_files(run_dir: Path) -> list[Path]:
    """Temporary files holding the first bytes of a chunk file that was being written."""
    return [p for p in run_dir.rglob(f"*{folder.TEMP_SUFFIX}") if p.read_bytes().startswith(b"PAR1 the first")]


def assert_no_bad_final_file(run_dir: Path) -> None:
    for path in run_dir.rglob("part-*.parquet"):
        pq.read_metadata(path)  # every file under a final name is a whole Parquet file


@pytest.mark.parametrize(("workers", "target"), [(1, "coordinator"), (2, "coordinator"), (2, "worker")])
def test_sigterm_during_a_write_leaves_no_half_file_and_the_run_resumes(
    tmp_path: Path, reference: dict[str, bytes], workers: int, target: str
) -> None:
    pidfile = tmp_path / "writer.pid"
    proc = start_hanging_write(tmp_path, workers, pidfile)
    writer = int(pidfile.read_text())
    run_dir = tmp_path / "r"
    assert len(_half_files(run_dir)) == 1  # caught in the act: the half file exists, under a hidden name
    assert chunk_files(data_files(run_dir), 3)  # and chunk 3's first files are already in place
    os.kill(proc.pid if target == "coordinator" else writer, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    assert gone(writer)
    assert _half_files(run_dir) == [] and hidden_files(run_dir) == []
    assert chunk_files(data_files(run_dir), 3) == {}  # the chunk's finished files went with it
    assert_no_bad_final_file(run_dir)
    # SIGTERM to the coordinator stops the batch; to a worker, it fails that worker's chunk and the rest go on
    status = "interrupted" if target == "coordinator" else "failed"
    assert manifest(run_dir)["status"] == status and f"incomplete ({status})" in stderr
    assert manifest(run_dir)["chunks"][3]["status"] != "done"
    if target == "worker":
        assert f"3 (replications 6-7: {executors.WORKER_DIED})" in stderr
    assert_done_chunks_intact(run_dir, reference)
    resume_equals_reference(run_dir, reference)


def test_sigkill_during_a_write_leaves_only_a_hidden_half_file_and_the_run_resumes(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    pidfile = tmp_path / "writer.pid"
    proc = start_hanging_write(tmp_path, 1, pidfile)
    proc.kill()
    proc.communicate(timeout=30)
    run_dir = tmp_path / "r"
    assert len(_half_files(run_dir)) == 1  # nothing could clean up after kill -9 ...
    assert_no_bad_final_file(run_dir)  # ... yet no final name holds a half file
    assert manifest(run_dir)["chunks"][3]["status"] == "pending"
    resume_equals_reference(run_dir, reference)
