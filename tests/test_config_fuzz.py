"""Bad configs never crash: hypothesis mutates configs/smoke.toml and `wsw-sim check` either accepts the result
(exit 0) or rejects it with exit code 2 and one message naming the file and the mutated field (or a parent of
it), never a traceback. The search is derandomized so CI sees the same examples every run.

Also the plain cases: a missing, unreadable or non-TOML config; a missing or unreadable population file.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsw_sim.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke.toml"
BASE: dict[str, Any] = tomllib.loads(SMOKE.read_text())

Path_ = tuple[str | int, ...]

# ---------------------------------------------------------------------------------------- a TOML writer


def toml_value(value: Any) -> str:
    """Inline TOML for a parsed value (the standard library reads TOML but does not write it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_document(doc: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in doc.items())


def test_writer_round_trips_the_smoke_config() -> None:
    assert tomllib.loads(toml_document(BASE)) == BASE


# ------------------------------------------------------------------------------------------- mutations


def walk(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    if path:
        yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, i))


ALL = [p for p, _ in walk(BASE)]
LEAVES = [p for p, v in walk(BASE) if not isinstance(v, dict | list)]
NUMBERS = [p for p, v in walk(BASE) if isinstance(v, int | float) and not isinstance(v, bool)]
TABLES: list[Path_] = [(), *(p for p, v in walk(BASE) if isinstance(v, dict))]


def dotted(path: Path_) -> str:
    """The path as `ConfigError.field` writes it: `a.b[0].c`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def get(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def set_(doc: Any, path: Path_, value: Any) -> None:
    get(doc, path[:-1])[path[-1]] = value


def delete(doc: Any, path: Path_) -> None:
    parent = get(doc, path[:-1])
    del parent[path[-1]]


WRONG_VALUES = ["text", "", 3, -3, 0, 2.5, True, [1, 2], [], {"x": 1}, {}, dt.date(2020, 6, 15)]


class Mutation:
    """A mutated smoke config, what was done to it, and the paths an error may name."""

    def __init__(self, doc: dict[str, Any], what: str, expected: list[Path_]) -> None:
        self.doc, self.what, self.expected = doc, what, expected

    def __repr__(self) -> str:
        return f"Mutation({self.what!r})"


@st.composite
def mutations(draw: st.DrawFn) -> Mutation:
    return Mutation(*_mutate(draw))


def _mutate(draw: st.DrawFn) -> tuple[dict[str, Any], str, list[Path_]]:
    doc = copy.deepcopy(BASE)
    kind = draw(st.sampled_from(["delete", "wrong_type", "negative", "extreme", "unknown_key", "swap"]))
    if kind == "delete":
        path = draw(st.sampled_from(ALL))
        delete(doc, path)
        # deleting a list element shifts the ones after it: the error may name any of them
        return doc, f"delete {dotted(path)}", [path[:-1] if isinstance(path[-1], int) else path]
    if kind == "wrong_type":
        path = draw(st.sampled_from(ALL))
        value = draw(st.sampled_from(WRONG_VALUES))
        set_(doc, path, value)
        return doc, f"{dotted(path)} = {value!r}", [path]
    if kind == "negative":
        path = draw(st.sampled_from(NUMBERS))
        old = get(doc, path)
        value = -abs(old) if old else -1
        set_(doc, path, value)
        return doc, f"{dotted(path)} = {value!r}", [path]
    if kind == "extreme":
        path = draw(st.sampled_from(NUMBERS))
        value = draw(st.sampled_from([math.nan, math.inf, -math.inf, 0, 0.0, 10**9, 1e300, -(10**9)]))
        set_(doc, path, value)
        return doc, f"{dotted(path)} = {value!r}", [path]
    if kind == "unknown_key":
        path = draw(st.sampled_from(TABLES))
        get(doc, path)["bogus_key"] = 1
        return doc, f"{dotted((*path, 'bogus_key'))} = 1", [(*path, "bogus_key")]
    a = draw(st.sampled_from(LEAVES))
    b = draw(st.sampled_from([p for p in LEAVES if p != a]))
    va, vb = get(doc, a), get(doc, b)
    set_(doc, a, vb)
    set_(doc, b, va)
    return doc, f"swap {dotted(a)} and {dotted(b)}", [a, b]


def related(field: str, path: str) -> bool:
    """The field is the path, one of its parents, or inside it."""
    return field == path or path.startswith((f"{field}.", f"{field}[")) or field.startswith((f"{path}.", f"{path}["))


def names_a_right_field(field: str, expected: list[Path_]) -> bool:
    return any(related(field, path) for path in map(dotted, expected))


def error_field(stderr: str, source: Path) -> str:
    """The field of an `error: <file>: <field>: <message>` line."""
    prefix = f"error: {source}: "
    assert stderr.startswith(prefix), stderr
    rest = stderr[len(prefix) :]
    match = re.match(r"([A-Za-z_][\w\-]*(?:\[\d+\]|\.[\w\- ]+)*): ", rest)
    assert match, f"no field named in: {stderr}"
    return match[1]


def check(path: Path) -> Result:
    return CliRunner().invoke(cli, ["check", str(path)])


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutations())
def test_mutated_config_is_valid_or_named(tmp_path: Path, mutation: Mutation) -> None:
    doc, what, expected = mutation.doc, mutation.what, mutation.expected
    path = tmp_path / "mutated.toml"
    path.write_text(toml_document(doc))
    result = check(path)
    assert result.exception is None or isinstance(result.exception, SystemExit), (what, result.exception)
    assert result.exit_code in (0, 2), (what, result.output)
    if result.exit_code == 2:
        assert "Traceback" not in result.output
        named = error_field(result.stderr, path)
        assert names_a_right_field(named, expected), f"{what}: error names {named!r}: {result.stderr}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # found by the search: a huge population exhausted the memory instead of being refused
        (lambda d: d["population"].__setitem__("persons", 10**9), "population.persons"),
        # found by the search: pydantic's "[key]" marker leaked into the field name
        (
            lambda d: d["population"]["work_form_shares"].__setitem__("kantoor", 0.1),
            "population.work_form_shares.kantoor",
        ),
        (
            lambda d: d["demography"]["mortality"]["qx_points"]["M"].__setitem__(1, [60]),
            "demography.mortality.qx_points.M[1]",
        ),
        (lambda d: d.pop("horizon"), "horizon"),
        (lambda d: d.pop("money"), "money"),
        (lambda d: d["horizon"].__setitem__("end_year", "2030"), ""),
    ],
)
def test_known_cases(tmp_path: Path, change: Any, field: str) -> None:
    doc = copy.deepcopy(BASE)
    change(doc)
    path = tmp_path / "c.toml"
    path.write_text(toml_document(doc))
    result = check(path)
    if not field:  # pydantic reads "2030" as a year: valid
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert error_field(result.stderr, path).startswith(field), result.stderr


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "wsw_sim.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_check_through_a_real_process(tmp_path: Path) -> None:
    good = run_cli("check", str(SMOKE))
    assert good.returncode == 0 and "ok" in good.stdout, good.stderr
    doc = copy.deepcopy(BASE)
    doc["population"]["age"]["mean_years"] = "fifty"
    delete(doc, ("demography", "illness", "bands", 0))
    path = tmp_path / "bad.toml"
    path.write_text(toml_document(doc))
    bad = run_cli("check", str(path))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and bad.stdout == ""
    assert error_field(bad.stderr, path) in ("population.age.mean_years", "demography.illness.bands")
    absent = run_cli("check", str(tmp_path / "absent.toml"))
    assert absent.returncode == 2 and absent.stderr == f"error: {tmp_path / 'absent.toml'}: file not found\n"


# ------------------------------------------------------------------------------ missing and unreadable files


def test_missing_and_unreadable_config(tmp_path: Path) -> None:
    cases = {
        tmp_path / "absent.toml": "file not found",
        tmp_path: "is a directory",
    }
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Müller"\n'.encode("cp1252"))
    cases[latin] = "cannot be read"
    broken = tmp_path / "broken.toml"
    broken.write_text("[horizon\nstart_date = 2019-01-01\n")
    cases[broken] = "not valid TOML"
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    cases[empty] = "missing key"
    for path, message in cases.items():
        result = check(path)
        assert result.exit_code == 2, (path, result.output)
        assert str(path) in result.stderr and message in result.stderr, result.stderr
        assert "Traceback" not in result.output


def config_with_population(tmp_path: Path, file: str) -> Path:
    doc = copy.deepcopy(BASE)
    doc["population"]["file"] = file
    path = tmp_path / "imported.toml"
    path.write_text(toml_document(doc))
    return path


def test_missing_and_unreadable_population_file(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really parquet")
    partial = tmp_path / "partial.parquet"
    pq.write_table(pa.table({"person_id": ["a"], "municipality": ["Almelo"]}), partial)
    elsewhere = tmp_path / "elsewhere.parquet"
    CliRunner().invoke(cli, ["population", str(SMOKE), "--out", str(elsewhere)])
    table = pq.read_table(elsewhere)
    foreign = tmp_path / "foreign.parquet"
    column = pa.array(["Wierden"] * table.num_rows)
    pq.write_table(table.set_column(table.column_names.index("municipality"), "municipality", column), foreign)
    cases = {
        "absent.parquet": "not found",
        "garbage.parquet": "cannot be read as Parquet",
        "partial.parquet": "missing column",
        "foreign.parquet": "Wierden",
    }
    for file, message in cases.items():
        path = config_with_population(tmp_path, file)
        result = check(path)
        assert result.exit_code == 2, (file, result.output)
        assert str(tmp_path / file) in result.stderr and message in result.stderr, result.stderr
        assert "Traceback" not in result.output
    ok = check(config_with_population(tmp_path, "elsewhere.parquet"))
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("wsw_start_date", [None, dt.date(1990, 1, 1)], "1 empty value"),
        ("birth_year", ["1960", "x"], "cannot be read as int16"),
        ("se", ["1", "x"], "cannot be read as double"),
        ("birth_month", [13, 1], "1 to 12"),
        ("person_id", ["a", "a"], "unique"),
    ],
)
def test_malformed_population_file(tmp_path: Path, column: str, values: list[Any], message: str) -> None:
    """A population Parquet written by another tool: empty cells, wrong types, odd values (these crashed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data: dict[str, Any] = {
        "person_id": ["a", "b"],
        "municipality": ["Almelo", "Tubbergen"],
        "birth_year": [1960, 1970],
        "birth_month": [1, 2],
        "sex": ["M", "V"],
        "se": [1.0, 0.5],
        "work_form": ["beschut_binnen", "begeleid_werken"],
        "disability_type": ["onbekend", "psychisch"],
        "wsw_start_date": [dt.date(1990, 1, 1), dt.date(1995, 1, 1)],
        column: values,
    }
    pq.write_table(pa.table(data), tmp_path / "pop.parquet")
    result = check(config_with_population(tmp_path, "pop.parquet"))
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'pop.parquet'}: {column}: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.output
