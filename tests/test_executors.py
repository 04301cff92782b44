"""A pool worker's stop: SIGTERM unwinds the running chunk, even when it lands inside a finaliser."""

from __future__ import annotations

import subprocess
import sys
import textwrap

WORKER = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from sim.runs import executors

    executors._worker_init()
    executors._busy = True

    class Writer:  # a finaliser that is running when the stop arrives, as pyarrow's ParquetWriter.__del__ may be
        def __del__(self):
            time.sleep(1.0)

    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
    try:
        writer = Writer()
        del writer
        print("finaliser returned", flush=True)
        time.sleep(5)
        print("never stopped", flush=True)
    except SystemExit as exc:
        print(f"unwound with {exc.code}", flush=True)
    """
)


def test_sigterm_inside_a_finaliser_still_unwinds_the_chunk_without_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-c", WORKER], capture_output=True, text=True, timeout=30, check=False)
    # the stop arrives again a moment after the finaliser returned: the chunk unwinds, it never goes on
    assert done.stdout.splitlines()[-1] == "unwound with 143", (done.stdout, done.stderr)
    assert "never stopped" not in done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr


def test_other_unraisable_exceptions_are_still_printed() -> None:
    script = (
        WORKER.replace("time.sleep(1.0)", "raise ValueError('a real finaliser bug')")
        .replace("threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()", "")
        .replace("time.sleep(5)", "pass")
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False)
    assert "a real finaliser bug" in done.stderr and "Exception ignored" in done.stderr, done.stderr
