"""Import of personnel files: formats, Dutch exports, every error with its row, privacy, pseudonyms, end to end."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from sim.errors import ConfigError
from sim.inputs.config import config_from_dict
from sim.inputs.personnel import (
    SALT_ENV,
    ColumnMapping,
    ImportResult,
    PersonnelFileError,
    import_personnel,
    import_to_parquet,
    summary,
    suppressed,
)
from sim.model.population import POPULATION_SCHEMA
from sim.model.replication import Model, run_replication
from wsw_sim.cli import cli

SALT = "test-salt-0123456789abcdef"
OTHER_SALT = "another-salt-fedcba9876543210"
REFERENCE = "2019-01-01"
ROOT = Path(__file__).resolve().parent.parent

HEADER = "employee_id,municipality,birth_date,sex,se,work_form,wsw_start_date,disability_type"
GOOD_ROWS = [
    "101,Almelo,1965-03-15,M,1,beschut_binnen,1990-05-01,lichamelijk",
    "102, tubbergen ,1970-07,F,0.75,Groepsdetachering,2001-01-01,",
    "103,ALMELO,1980-11-30,V,0.5,individuele_detachering,2005-02-28,psychisch",
    "104,Rijssen Holten,1958-01-01,m,1.0,begeleid werken,1980-09-01,verstandelijk",
]


def expected_id(message: str, salt: str = SALT) -> str:
    """The pseudonym of an id (already without leading zeros), from `hmac` alone: HMAC-SHA256 keyed with the salt."""
    return hmac.new(salt.encode(), message.encode(), hashlib.sha256).hexdigest()[:16]


def run_import(*args: str | Path, salt: str | None = SALT) -> Result:
    runner = CliRunner(env={SALT_ENV: salt})  # None: unset
    return runner.invoke(cli, ["import", *map(str, args), "--reference-date", REFERENCE], catch_exceptions=False)


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def read(path: Path) -> dict[str, list[Any]]:
    return pq.read_table(path).to_pydict()


def assert_nothing_written(folder: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(f".{out.name}")], "temporary file left behind"


# ------------------------------------------------------------------------------------------------ formats


def test_standard_csv(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "p.csv", [HEADER, *GOOD_ROWS])
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)
    table = pq.read_table(out)
    assert table.schema.equals(POPULATION_SCHEMA, check_metadata=False)
    cols = table.to_pydict()
    assert cols["municipality"] == ["Almelo", "Tubbergen", "Almelo", "Rijssen-Holten"]
    assert cols["birth_year"] == [1965, 1970, 1980, 1958]
    assert cols["birth_month"] == [3, 7, 11, 1]
    assert cols["sex"] == ["M", "V", "V", "M"]
    assert cols["se"] == [1.0, 0.75, 0.5, 1.0]
    assert cols["work_form"] == ["beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken"]
    assert cols["disability_type"] == ["lichamelijk", "onbekend", "psychisch", "verstandelijk"]
    # the start date keeps its month only (the population stores months)
    assert cols["wsw_start_date"] == [
        dt.date(1990, 5, 1),
        dt.date(2001, 1, 1),
        dt.date(2005, 2, 1),
        dt.date(1980, 9, 1),
    ]
    assert cols["person_id"] == [expected_id(i) for i in ("101", "102", "103", "104")]


def test_semicolon_cp1252_dutch_headers(tmp_path: Path) -> None:
    lines = [
        "Personeelsnummer;Naam;Gemeente;Geboortedatum;Geslacht;Dienstverband;Werkvorm;Startdatum WSW;Handicap",
        "A-1;José Müller;Wierden;15-03-1965;V;0,75;Beschut binnen;01-05-1990;Lichamelijk",
        "A-2;Ère Daniëls;Gemeente Hellendoorn;1971-02;M;1;individuele detachering;1995-06;",
    ]
    src = write_csv(tmp_path / "export.csv", lines, encoding="cp1252")
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 0, result.output
    assert "'Naam'" in result.stderr
    cols = read(out)
    assert cols["municipality"] == ["Wierden", "Hellendoorn"]
    assert (cols["birth_year"], cols["birth_month"]) == ([1965, 1971], [3, 2])
    assert cols["se"] == [0.75, 1.0]
    assert cols["work_form"] == ["beschut_binnen", "individuele_detachering"]
    assert cols["disability_type"] == ["lichamelijk", "onbekend"]
    assert cols["wsw_start_date"] == [dt.date(1990, 5, 1), dt.date(1995, 6, 1)]


def test_repeated_unused_headers_are_dropped(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "p.csv", [f"Opmerking,{HEADER},Opmerking", *(f"x,{row},y" for row in GOOD_ROWS)])
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 0, result.output
    assert "'Opmerking', 'Opmerking'" in result.stderr


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-16", "\t")],  # UTF-8 with BOM; Excel's "Unicode text" (UTF-16, tabs)
)
def test_byte_order_marks(tmp_path: Path, encoding: str, delimiter: str) -> None:
    src = tmp_path / "bom.txt"
    src.write_bytes("\n".join(line.replace(",", delimiter) for line in [HEADER, *GOOD_ROWS]).encode(encoding))
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 0, result.output  # the BOM must not spoil the first header
    assert read(out)["municipality"] == ["Almelo", "Tubbergen", "Almelo", "Rijssen-Holten"]


def write_xlsx(path: Path, rows: list[list[Any]], blank_rows_before_header: int = 0) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Medewerkers"
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            ws.cell(row=blank_rows_before_header + i + 1, column=j + 1, value=value)
    book.save(path)
    return path


def test_xlsx_with_date_cells(tmp_path: Path) -> None:
    rows = [
        ["Personeelsnummer", "Achternaam", "Gemeente", "Geboortedatum", "Geslacht", "SE", "Werkvorm", "Startdatum WSW"],
        [5001, "Vermeulen", "Twenterand", dt.datetime(1962, 4, 20), "M", 0.8, "groepsdetachering", dt.date(1988, 1, 4)],
        [5002, "De Vries", "wierden", "1975-09", "F", 1, "beschut_binnen", dt.datetime(2000, 3, 1)],
    ]
    src = write_xlsx(tmp_path / "p.xlsx", rows)
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 0, result.output
    assert "disability" in result.stderr  # no disability column: a warning, and onbekend
    cols = read(out)
    assert cols["municipality"] == ["Twenterand", "Wierden"]
    assert (cols["birth_year"], cols["birth_month"]) == ([1962, 1975], [4, 9])
    assert cols["disability_type"] == ["onbekend", "onbekend"]
    # an id typed as a number in Excel is the same person as the text id in a CSV
    assert cols["person_id"] == [expected_id("5001"), expected_id("5002")]


def test_xlsx_errors_use_sheet_row_numbers(tmp_path: Path) -> None:
    header = ["employee_id", "municipality", "birth_date", "sex", "se", "work_form", "wsw_start_date"]
    rows = [
        header,
        [1, "Almelo", "1965-01", "M", 1, "beschut_binnen", "1990-01"],
        [2, "Almelo", "1965-01", "M", 7, "beschut_binnen", "1990-01"],
    ]
    src = write_xlsx(tmp_path / "p.xlsx", rows, blank_rows_before_header=2)  # header on sheet row 3
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 2
    assert "row 5, se = '7': SE outside (0, 1]" in result.stderr
    assert_nothing_written(tmp_path, out)


def test_parquet_input(tmp_path: Path) -> None:
    src = tmp_path / "hr.parquet"
    pq.write_table(
        pa.table(
            {
                "personeelsnummer": pa.array([7, 8], pa.int64()),
                "gemeente": ["Almelo", "Tubbergen"],
                "geboortedatum": pa.array([dt.date(1960, 12, 31), dt.date(1990, 1, 1)], pa.date32()),
                "geslacht": ["V", "M"],
                "se": pa.array([0.6, 1.0], pa.float64()),
                "werkvorm": ["begeleid_werken", "beschut_binnen"],
                "startdatum_wsw": pa.array([dt.datetime(1985, 7, 1), dt.datetime(2010, 2, 1)], pa.timestamp("s")),
                "beperking": ["psychisch", None],
            }
        ),
        src,
    )
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 0, result.output
    cols = read(out)
    assert cols["birth_year"] == [1960, 1990] and cols["birth_month"] == [12, 1]
    assert cols["wsw_start_date"] == [dt.date(1985, 7, 1), dt.date(2010, 2, 1)]
    assert cols["disability_type"] == ["psychisch", "onbekend"]
    assert cols["person_id"] == [expected_id("7"), expected_id("8")]


def test_mapping_file_names_headers_and_values(tmp_path: Path) -> None:
    lines = [
        "Pers.nr.,Gem.,Geb. datum,M/V,Omvang,Soort werk,Datum in dienst SW,Beperking",
        "9,Almelo,1966-06-06,M,1,BW,1991-01-01,",
        "10,Almelo,1967-07-07,V,1,Det,1992-01-01,",
    ]
    src = write_csv(tmp_path / "p.csv", lines)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        "[columns]\n"
        'employee_id = "Pers.nr."\nmunicipality = "Gem."\nbirth_date = "Geb. datum"\nsex = "M/V"\n'
        'se = "Omvang"\nwork_form = "Soort werk"\nwsw_start_date = "Datum in dienst SW"\n'
        "[values.work_form]\n"
        'beschut_binnen = "BW"\nindividuele_detachering = ["Det", "ID"]\n'
    )
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out, "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert read(out)["work_form"] == ["beschut_binnen", "individuele_detachering"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[columns]\nname = "Naam"\n', "columns.name"),
        ('[values.work_form]\nkantoor = "K"\n', "values.work_form.kantoor"),
        ("colums = 1\n", "colums"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_bad_mapping_file(tmp_path: Path, text: str, field: str) -> None:
    src = write_csv(tmp_path / "p.csv", [HEADER, *GOOD_ROWS])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(text)
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out, "--mapping", mapping)
    assert result.exit_code == 2
    assert str(mapping) in result.stderr and field in result.stderr
    assert "Traceback" not in result.output
    assert_nothing_written(tmp_path, out)


# ------------------------------------------------------------------------------------------------- errors


def test_every_error_kind_reported_at_once_with_rows(tmp_path: Path) -> None:
    lines = [
        HEADER,
        GOOD_ROWS[0],  # row 2
        "201,,1965-03-15,M,1,beschut_binnen,1990-05-01,",  # row 3: missing municipality
        "202,Almelo,15 maart 1965,M,1,beschut_binnen,1990-05-01,",  # row 4: unreadable date
        "203,Almelo,2008-01-01,M,1,beschut_binnen,2015-05-01,",  # row 5: age 10 at the reference date
        "204,Almelo,1940-01-01,M,1,beschut_binnen,1970-05-01,",  # row 6: age 79
        "205,Almelo,1965-03-15,M,0,beschut_binnen,1990-05-01,",  # row 7: SE 0
        "206,Almelo,1965-03-15,M,1.2,beschut_binnen,1990-05-01,",  # row 8: SE above 1
        "207,Enschede,1965-03-15,M,1,beschut_binnen,1990-05-01,",  # row 9: unknown municipality
        "208,Almelo,1965-03-15,M,1,kantoorwerk,1990-05-01,",  # row 10: unknown form of work
        "101,Almelo,1966-03-15,V,1,beschut_binnen,1990-05-01,",  # row 11: duplicate of row 2
        ",Almelo,1966-03-15,V,1,beschut_binnen,1990-05-01,",  # row 12: missing id
        "",  # row 13: blank, still counted
        "209,Almelo,1966-03-15,Q,abc,beschut_binnen,2019-02,onzin",  # row 14: sex, se, start, disability
        GOOD_ROWS[1],  # row 15
    ]
    src = write_csv(tmp_path / "p.csv", lines)
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 2
    err = result.stderr
    expected = [
        "row 3, municipality: missing",
        "row 4, birth_date = '15 maart 1965': unreadable date",
        "row 5, birth_date = '2008-01-01': age 11 at 2019-01-01 is outside 16 to 70",
        "row 6, birth_date = '1940-01-01': age 79 at 2019-01-01 is outside 16 to 70",
        "row 7, se = '0': SE outside (0, 1]",
        "row 8, se = '1.2': SE outside (0, 1]",
        "row 9, municipality = 'Enschede': unknown municipality",
        "row 10, work_form = 'kantoorwerk': unknown form of work",
        "row 11, employee_id: duplicate of row 2",
        "row 12, employee_id: missing",
        "row 14, sex = 'Q': unknown sex",
        "row 14, se = 'abc': not a number",
        "row 14, wsw_start_date = '2019-02': after the reference date 2019-01-01",
        "row 14, disability_type = 'onzin': unknown disability type",
    ]
    for line in expected:
        assert line in err, f"{line!r} not in:\n{err}"
    assert "14 problems in 11 rows" in err
    assert str(src) in err
    assert "row 2," not in err and "row 15," not in err
    assert "Traceback" not in result.output
    assert_nothing_written(tmp_path, out)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["employee_id,municipality,birth_date,sex,se,work_form", "1,Almelo,1965-01,M,1,beschut_binnen"], "no column"),
        ([f"{HEADER},gemeente", f"{GOOD_ROWS[0]},Almelo"], "could be municipality"),
        ([f"{HEADER},Employee_ID", f"{GOOD_ROWS[0]},9"], "could be employee_id"),
        ([HEADER], "no rows"),
        ([], "is empty"),
    ],
)
def test_bad_file_shape(tmp_path: Path, lines: list[str], message: str) -> None:
    src = write_csv(tmp_path / "p.csv", lines)
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 2
    assert str(src) in result.stderr and message in result.stderr, result.stderr
    assert_nothing_written(tmp_path, out)


def test_missing_unreadable_and_unwritable(tmp_path: Path) -> None:
    out = tmp_path / "pop.parquet"
    result = run_import(tmp_path / "nope.csv", "--out", out)
    assert result.exit_code == 2 and "not found" in result.stderr
    garbage = tmp_path / "p.xlsx"
    garbage.write_bytes(b"PK\x03\x04 this is no workbook")
    result = run_import(garbage, "--out", out)
    assert result.exit_code == 2 and "Excel" in result.stderr
    undecodable = tmp_path / "p.csv"
    undecodable.write_bytes(HEADER.encode() + b"\n\x81\x8d\x8f\x90\x9d\n")
    result = run_import(undecodable, "--out", out)
    assert result.exit_code == 2 and "cp1252" in result.stderr
    assert_nothing_written(tmp_path, out)
    src = write_csv(tmp_path / "good.csv", [HEADER, *GOOD_ROWS])
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = run_import(src, "--out", blocker / "pop.parquet")  # a folder that cannot exist
    assert result.exit_code == 2 and "cannot be written" in result.stderr
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------------------------ privacy

IDENTIFYING = ["Hendrika Oude Vrielink", "123456782", "Plesmanweg 1", "06-12345678", "h.oudevrielink@example.nl"]


def privacy_file(tmp_path: Path, bad_row: bool = False) -> Path:
    header = f"Naam,BSN,Adres,Telefoon,E-mail,{HEADER}"
    rows = [
        ",".join([*IDENTIFYING, "EMP-778899", "Almelo", "1965-03-15", "V", "1", "beschut_binnen", "1990-05-01", ""]),
        ",".join(["Ander Persoon", "987654321", "Straat 2", "0612", "a@b.nl", *GOOD_ROWS[0].split(",")]),
    ]
    if bad_row:
        rows.append(",".join([*IDENTIFYING, "EMP-778899", "Almelo", "1965-03-15", "V", "9", "beschut_binnen", "", ""]))
    return write_csv(tmp_path / "p.csv", [header, *rows])


def test_identifiers_dropped_and_named_by_column_only(tmp_path: Path) -> None:
    out = tmp_path / "pop.parquet"
    result = run_import(privacy_file(tmp_path), "--out", out)
    assert result.exit_code == 0, result.output
    for column in ("'Naam'", "'BSN'", "'Adres'", "'Telefoon'", "'E-mail'"):
        assert column in result.stderr
    data = out.read_bytes()
    for value in [*IDENTIFYING, "EMP-778899"]:
        assert value.encode() not in data
        assert value not in result.stdout and value not in result.stderr
    assert pq.read_table(out).column_names == POPULATION_SCHEMA.names
    assert SALT.encode() not in data  # the salt is never stored
    assert b"1965-03-15" not in data and read(out)["birth_month"][0] == 3


def test_errors_never_echo_identifiers_or_ids(tmp_path: Path) -> None:
    out = tmp_path / "pop.parquet"
    result = run_import(privacy_file(tmp_path, bad_row=True), "--out", out)
    assert result.exit_code == 2
    assert "row 4, employee_id: duplicate of row 2" in result.stderr
    assert "row 4, se = '9'" in result.stderr
    for value in [*IDENTIFYING, "EMP-778899"]:
        assert value not in result.output
    assert_nothing_written(tmp_path, out)


def test_pseudonyms_stable_per_salt(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "p.csv", [HEADER, *GOOD_ROWS])
    ids = []
    for i, salt in enumerate([SALT, SALT, OTHER_SALT]):
        out = tmp_path / f"pop{i}.parquet"
        assert run_import(src, "--out", out, salt=salt).exit_code == 0
        ids.append(read(out)["person_id"])
    assert ids[0] == ids[1] == [expected_id(i) for i in ("101", "102", "103", "104")]
    assert ids[2] == [expected_id(i, OTHER_SALT) for i in ("101", "102", "103", "104")]
    assert not set(ids[0]) & set(ids[2])


def test_leading_zeros_and_spaces_do_not_make_another_person(tmp_path: Path) -> None:
    """Excel drops the leading zeros a CSV keeps: 000101 and 101 are one person (a duplicate), A101 another."""
    rest = ",Almelo,1965-03-15,M,1,beschut_binnen,1990-05-01,"
    src = write_csv(tmp_path / "p.csv", [HEADER, f"000101{rest}", f"A0101{rest}", f" 0042 {rest}"])
    out = tmp_path / "pop.parquet"
    assert run_import(src, "--out", out).exit_code == 0
    assert read(out)["person_id"] == [expected_id("101"), expected_id("A0101"), expected_id("42")]
    src = write_csv(tmp_path / "q.csv", [HEADER, f"000101{rest}", f"101{rest}"])
    result = run_import(src, "--out", out)
    assert result.exit_code == 2 and "row 3, employee_id: duplicate of row 2" in result.stderr


@pytest.mark.parametrize("salt", [None, "", "short"])
def test_refuses_without_salt(tmp_path: Path, salt: str | None) -> None:
    src = write_csv(tmp_path / "p.csv", [HEADER, *GOOD_ROWS])
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out, salt=salt)
    assert result.exit_code == 2
    assert f"export {SALT_ENV}=" in result.stderr
    assert_nothing_written(tmp_path, out)


def test_import_subprocess_without_traceback(tmp_path: Path) -> None:
    """The real command line: exit codes and no traceback, with and without the salt."""
    src = write_csv(tmp_path / "p.csv", [HEADER, *GOOD_ROWS, "999,Almelo,1965-03-15,M,2,beschut_binnen,1990-05-01,"])
    out = tmp_path / "pop.parquet"
    env = {k: v for k, v in os.environ.items() if k != SALT_ENV} | {"PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "wsw_sim.cli", "import", str(src), "--out", str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and SALT_ENV in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(cmd, env=env | {SALT_ENV: SALT}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "row 6, se = '2'" in proc.stderr and "Traceback" not in proc.stderr
    assert_nothing_written(tmp_path, out)


# -------------------------------------------------------------------------------------------- end to end


def test_imported_population_runs_a_replication(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [HEADER]
    for i in range(60):
        municipality = "Almelo" if i % 3 else "Tubbergen"
        year = int(rng.integers(1955, 1995))
        form = ["beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken"][i % 4]
        rows.append(
            f"{1000 + i},{municipality},{year}-{i % 12 + 1:02d},{'MV'[i % 2]},{0.5 + (i % 5) / 10},{form},2000-01,"
        )
    src = write_csv(tmp_path / "p.csv", rows)
    out = tmp_path / "pop.parquet"
    assert run_import(src, "--out", out).exit_code == 0

    raw = tomllib.loads((ROOT / "configs" / "smoke.toml").read_text())
    raw["population"]["file"] = "pop.parquet"  # relative to the config's folder
    config_path = tmp_path / "imported.toml"
    config = config_from_dict(raw, source=str(config_path), base_dir=tmp_path)
    model = Model.prepare(config)
    assert len(model.population) == 60
    tables = run_replication(model, replication=0, root_seed=11)
    stocks = pa.concat_tables(tables["stocks"]).to_pydict()
    start: dict[tuple[str, str], int] = {}
    for s, y, m, p in zip(stocks["scenario"], stocks["year"], stocks["municipality"], stocks["persons"], strict=True):
        if y == 2018:  # the start stock, at 31 December before the first year
            start[s, m] = start.get((s, m), 0) + p
    assert start == {(s, m): n for s in config.scenario_names for m, n in (("Almelo", 40), ("Tubbergen", 20))}


def test_shifted_row_is_reported_without_its_cells(tmp_path: Path) -> None:
    """An unquoted comma in a name shifts the later cells: 'Jan' would land in municipality and be echoed."""
    lines = [
        f"Naam,{HEADER}",
        f"Jansen,{GOOD_ROWS[0]}",
        f"Oude Vrielink, Hendrika,{GOOD_ROWS[1]}",  # row 3: one cell too many (the last one empty)
        f"Bakker,{GOOD_ROWS[2]}",  # row 4: fine
        "Kort,105,Almelo",  # row 5: too few cells
    ]
    src = write_csv(tmp_path / "p.csv", lines)
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out)
    assert result.exit_code == 2
    assert "row 3, (whole row): has 10 cells where the header has 9" in result.stderr
    assert "row 5, (whole row): has 3 cells where the header has 9" in result.stderr
    assert "row 4" not in result.stderr and "2 problems in 2 rows" in result.stderr
    for name in ("Hendrika", "Vrielink", "Kort", "Jansen", "Bakker"):
        assert name not in result.output
    assert_nothing_written(tmp_path, out)


def test_mapped_header_that_appears_twice(tmp_path: Path) -> None:
    header = HEADER.replace("employee_id", "Nr")
    src = write_csv(tmp_path / "p.csv", [f"{header},Nr", *(f"{row},1" for row in GOOD_ROWS)])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\nemployee_id = "Nr"\n')
    out = tmp_path / "pop.parquet"
    result = run_import(src, "--out", out, "--mapping", mapping)
    assert result.exit_code == 2
    assert "'Nr' (employee_id) appears twice, in columns 1 and 9" in result.stderr
    assert_nothing_written(tmp_path, out)


# ------------------------------------------------------------------------------------- the import as a library


def import_rows(tmp_path: Path, rows: list[str], header: str = HEADER, **kwargs: Any) -> ImportResult:
    src = write_csv(tmp_path / "lib.csv", [header, *rows])
    return import_personnel(src, SALT, reference=dt.date(2019, 1, 1), **kwargs)


def problems_of(tmp_path: Path, rows: list[str], header: str = HEADER) -> PersonnelFileError:
    with pytest.raises(PersonnelFileError) as info:
        import_rows(tmp_path, rows, header)
    return info.value


def row(birth: str = "1965-03-15", start: str = "1990-05-01", employee: str = "1", se: str = "1") -> str:
    return f"{employee},Almelo,{birth},M,{se},beschut_binnen,{start},"


def test_ages_16_and_70_at_the_reference_date_are_in_15_and_71_out(tmp_path: Path) -> None:
    result = import_rows(tmp_path, [row("2003-01-31", "2018-12", "1"), row("1948-02-01", "1970-01", "2")])
    assert list(result.population.birth_month) == [2003 * 12, 1948 * 12 + 1]
    error = problems_of(tmp_path, [row("2003-02-01", "2018-12", "1"), row("1947-12-31", "1970-01", "2")])
    assert [str(p) for p in error.problems] == [
        "row 2, birth_date = '2003-02-01': age 15 at 2019-01-01 is outside 16 to 70",
        "row 3, birth_date = '1947-12-31': age 71 at 2019-01-01 is outside 16 to 70",
    ]


def test_a_start_in_the_reference_month_or_the_birth_month_is_fine(tmp_path: Path) -> None:
    result = import_rows(tmp_path, [row("1990-06-10", "2019-01-31", "1"), row("1990-06-10", "1990-06-01", "2")])
    assert list(result.population.wsw_start_month) == [2019 * 12, 1990 * 12 + 5]
    error = problems_of(tmp_path, [row("1990-06-10", "2019-02-01", "1"), row("1990-06-10", "1990-05-31", "2")])
    assert [str(p) for p in error.problems] == [
        "row 2, wsw_start_date = '2019-02-01': after the reference date 2019-01-01",
        "row 3, wsw_start_date = '1990-05-31': before the birth date",
    ]


def test_problems_in_file_column_order_with_the_whole_message(tmp_path: Path) -> None:
    header = "disability_type,wsw_start_date,work_form,se,sex,birth_date,municipality,employee_id"
    good = ",1990-05-01,beschut_binnen,1,M,1965-03-15,Almelo,7"
    bad = "onzin,1990-05-01,beschut_binnen,5,Q,1965-03-15,,7"  # every problem of the row, in the file's order
    error = problems_of(tmp_path, [good, bad], header)
    assert str(error) == (
        f"{tmp_path / 'lib.csv'}: 5 problems in 1 row; nothing was written. Fix them in the file and import again:\n"
        "  row 3, disability_type = 'onzin': unknown disability type; expected one of lichamelijk, verstandelijk, "
        "psychisch, onbekend\n"
        "  row 3, se = '5': SE outside (0, 1]\n"
        "  row 3, sex = 'Q': unknown sex; expected one of M, V, F\n"
        "  row 3, municipality: missing\n"
        "  row 3, employee_id: duplicate of row 2"
    )
    one = problems_of(tmp_path, [row(se="2")])
    assert one.message.startswith("1 problem in 1 row; nothing was written.")
    two = problems_of(tmp_path, [row(se="2", employee="1"), row(se="3", employee="2")])
    assert two.message.startswith("2 problems in 2 rows; nothing was written.")


def test_no_rows_and_warnings_word_for_word(tmp_path: Path) -> None:
    error = problems_of(tmp_path, [])
    assert error.message == "has a header but no rows" and error.problems == ()
    result = import_rows(tmp_path, [f"x,{row()[:-1]},y"], header=f"Naam,{HEADER.removesuffix(',disability_type')},BSN")
    assert result.dropped_columns == ("Naam", "BSN")
    assert result.warnings == (
        "dropped columns the model does not use (their contents are not kept): 'Naam', 'BSN'",
        "no disability column: every disability type is set to 'onbekend'",
    )
    assert import_rows(tmp_path, [row()]).warnings == ()


def test_the_population_has_the_model_types(tmp_path: Path) -> None:
    pop = import_rows(tmp_path, GOOD_ROWS).population
    assert pop.person_id.dtype == object and list(pop.person_id) == [
        expected_id(i) for i in ("101", "102", "103", "104")
    ]
    assert (pop.municipality.dtype, pop.birth_month.dtype, pop.sex.dtype) == (np.int16, np.int32, np.int8)
    assert (pop.se.dtype, pop.work_form.dtype, pop.disability.dtype) == (np.float64, np.int8, np.int8)
    assert pop.wsw_start_month.dtype == np.int32
    assert list(pop.municipality) == [0, 3, 0, 2] and list(pop.sex) == [0, 1, 1, 0]
    assert list(pop.work_form) == [0, 1, 2, 3] and list(pop.disability) == [0, 3, 2, 1]
    assert list(pop.se) == [1.0, 0.75, 0.5, 1.0]


def test_the_mapping_names_the_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["iets anders"])
    ws = book.create_sheet("Medewerkers")
    ws.append(HEADER.split(","))
    ws.append(GOOD_ROWS[0].split(","))
    book.save(tmp_path / "p.xlsx")
    result = import_personnel(tmp_path / "p.xlsx", SALT, ColumnMapping(sheet="Medewerkers"), dt.date(2019, 1, 1))
    assert list(result.population.person_id) == [expected_id("101")]


def test_import_to_parquet_takes_the_salt_from_the_environment_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SALT_ENV, raising=False)
    src = write_csv(tmp_path / "p.csv", [HEADER, *GOOD_ROWS])
    result = import_to_parquet(src, tmp_path / "pop.parquet", environ={SALT_ENV: SALT}, reference=dt.date(2019, 1, 1))
    assert read(tmp_path / "pop.parquet")["person_id"] == [expected_id(i) for i in ("101", "102", "103", "104")]
    assert len(result.population) == 4
    with pytest.raises(ConfigError) as info:
        import_to_parquet(src, src, environ={SALT_ENV: SALT})
    assert (info.value.source, info.value.field, info.value.message) == (
        str(src),
        "",
        "--out is the personnel file itself; choose another file",
    )
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ConfigError) as info:
        import_to_parquet(src, tmp_path / "afile" / "pop.parquet", environ={SALT_ENV: SALT})
    assert (info.value.source, info.value.field) == (str(tmp_path / "afile" / "pop.parquet"), "")
    assert info.value.message == "cannot be written (File exists)"  # the folder cannot be made: a file has its name


def test_small_counts_are_suppressed_in_the_summary(tmp_path: Path) -> None:
    assert [suppressed(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    pop = import_rows(tmp_path, [row(employee=str(i)) for i in range(6)] + [GOOD_ROWS[1]]).population
    assert summary(pop) == "7 persons imported (Almelo 6, Tubbergen <5)"
