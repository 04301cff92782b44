"""The command line: every command has help with an example; bad input is exit 2 with one line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wsw_sim.cli import cli

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]


def test_the_commands() -> None:
    assert set(COMMANDS) >= {"run", "check", "population", "import", "validate", "backcast", "report", "compare"}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    done = CliRunner().invoke(cli, [name, "--help"])
    assert done.exit_code == 0, done.output
    assert "Example:" in done.output and f"wsw-sim {name}" in done.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nothing.toml"], "error: nothing.toml: file not found"),
        (["validate", "nowhere"], "error: nowhere: not a run folder (no such directory)"),
        (["backcast", "nowhere"], "error: nowhere: not a run folder (no such directory)"),
        (["report", "nowhere", "--out", "r.html"], "error: nowhere: not a run folder (no such directory)"),
        (["compare", "nowhere", "--baseline", "a", "--alternative", "b"], "error: nowhere: not a run folder"),
        (["run", "--resume", "nowhere"], "error: nowhere: not a run folder (no such directory)"),
    ],
)
def test_bad_input_is_exit_2_and_one_line(tmp_path: Path, args: list[str], message: str, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2, done.output
    assert done.stderr.startswith(message) and len(done.stderr.splitlines()) == 1
    assert done.stdout == ""
