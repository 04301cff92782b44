"""Reading personnel files: kinds of file by their bytes, encodings, delimiters, row numbers, exact messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.inputs.personnel_files import PersonnelFileError, Problem, RawTable, read_raw


def keep(*positions: int) -> Any:
    """A `choose` that keeps these positions and remembers the header it was given."""
    seen: list[list[str]] = []

    def choose(header: list[str]) -> list[int]:
        seen.append(header)
        return list(positions)

    choose.seen = seen  # type: ignore[attr-defined]
    return choose


def message(path: Path, **kwargs: Any) -> str:
    with pytest.raises(PersonnelFileError) as info:
        read_raw(path, keep(0), **kwargs)
    assert info.value.source == str(path) and info.value.field == "" and info.value.problems == ()
    return info.value.message


def test_problem_and_error_text() -> None:
    shown = Problem(7, "se", "1,5", "SE outside (0, 1]")
    hidden = Problem(9, "employee_id", None, "duplicate of row 7")
    assert str(shown) == "row 7, se = '1,5': SE outside (0, 1]"
    assert str(hidden) == "row 9, employee_id: duplicate of row 7"
    error = PersonnelFileError("p.csv", "2 problems", (shown, hidden))
    assert error.problems == (shown, hidden)
    assert (
        str(error)
        == "p.csv: 2 problems\n  row 7, se = '1,5': SE outside (0, 1]\n  row 9, employee_id: duplicate of row 7"
    )


# ---------------------------------------------------------------------------------------------------- CSV


def test_csv_keeps_only_the_chosen_cells_with_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"\r\nid,naam,gemeente\r\n1,Jan,Almelo\r\n , ,\r\n2,Piet,Wierden\r\n")
    choose = keep(0, 2)
    table = read_raw(path, choose)
    assert choose.seen == [["id", "naam", "gemeente"]]
    assert table == RawTable(
        header=["id", "naam", "gemeente"], kept=[0, 2], rows=[(3, ["1", "Almelo"]), (5, ["2", "Wierden"])]
    )


def test_csv_rows_that_do_not_fit_are_counted_not_read(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("a,b\n1,2\n1,2,\n3\n4,5\n", encoding="utf-8")
    table = read_raw(path, keep(1))
    assert table.rows == [(2, ["2"]), (5, ["5"])]
    assert table.misaligned == [(3, 3), (4, 1)]


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [("a;b;c", ";"), ("a\tb\tc", "\t"), ("a,b;c", ","), ("a,b,c;d;e", ","), ("a;b;c,d,e,f", ",")],
)
def test_the_delimiter_that_splits_the_header_most_wins_a_comma_on_a_tie(
    tmp_path: Path, first_line: str, delimiter: str
) -> None:
    path = tmp_path / "p.csv"
    cells = first_line.split(delimiter)
    path.write_text(f"{first_line}\n{delimiter.join(str(i) for i in range(len(cells)))}\n", encoding="utf-8")
    table = read_raw(path, keep(0))
    assert table.header == cells
    assert table.rows == [(2, ["0"])]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("naam,gemeente\nJosé,Almelo\n".encode("utf-8-sig"), "utf-8 BOM"),
        (b"\xff\xfe" + "naam,gemeente\nJosé,Almelo\n".encode("utf-16-le"), "utf-16 LE BOM"),
        (b"\xfe\xff" + "naam,gemeente\nJosé,Almelo\n".encode("utf-16-be"), "utf-16 BE BOM"),
        ("naam,gemeente\nJosé,Almelo\n".encode("cp1252"), "cp1252"),
        ("naam,gemeente\nJosé,Almelo\n".encode(), "utf-8"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    table = read_raw(path, keep(0, 1))
    assert table.header == ["naam", "gemeente"], name
    assert table.rows == [(2, ["José", "Almelo"])], name


def test_encoding_and_csv_errors_word_for_word(tmp_path: Path) -> None:
    bad_bom = tmp_path / "bom.csv"
    bad_bom.write_bytes(b"\xef\xbb\xbfa,b\n\xff\n")
    assert message(bad_bom) == "starts with a byte order mark but is not valid Unicode text"
    bad_utf16 = tmp_path / "bom16.csv"
    bad_utf16.write_bytes(b"\xff\xfea\x00,\x00\x00\xd8")  # a lone surrogate
    assert message(bad_utf16) == "starts with a byte order mark but is not valid Unicode text"
    neither = tmp_path / "x.csv"
    neither.write_bytes(b"a,b\n\x81\x8d\x8f\x90\x9d\n")
    assert message(neither) == "is not UTF-8 or Windows-1252 (cp1252) text; save it as UTF-8 CSV"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n \r\n")
    assert message(empty) == "is empty"
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b'a,b\n1,"' + b"x" * 200_000 + b'"\n')  # beyond the csv module's field size limit
    assert message(huge) == "is not a readable CSV file (field larger than field limit (131072))"


def test_a_csv_with_an_xlsx_name_is_read_as_a_workbook_and_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsm"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert message(path).startswith("cannot be read as an Excel .xlsx workbook (")


# ------------------------------------------------------------------------------------------------- kinds


def test_kinds_of_file_by_their_first_bytes(tmp_path: Path) -> None:
    assert message(tmp_path / "nope.csv") == "file not found"
    assert message(tmp_path) == "is a directory, not a personnel file"
    old = tmp_path / "old.csv"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest")
    assert message(old) == "is an old Excel .xls file; save it as .xlsx or CSV first"
    named = tmp_path / "named.XLS"
    named.write_text("a,b\n1,2\n", encoding="utf-8")
    assert message(named) == "is an old Excel .xls file; save it as .xlsx or CSV first"
    fake_zip = tmp_path / "p.xlsx"
    fake_zip.write_bytes(b"PK\x03\x04 not a workbook")
    assert message(fake_zip) == "cannot be read as an Excel .xlsx workbook (BadZipFile)"
    fake_parquet = tmp_path / "p.txt"
    fake_parquet.write_bytes(b"PAR1 not parquet")
    assert message(fake_parquet) == "cannot be read as Parquet (ArrowInvalid)"


# -------------------------------------------------------------------------------------------- Excel, Parquet


def workbook(path: Path, sheets: dict[str, list[list[Any]]], blank_rows: int = 0) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                ws.cell(row=blank_rows + i + 1, column=j + 1, value=value)
    book.save(path)
    return path


def test_xlsx_sheet_row_numbers_short_rows_and_sheets(tmp_path: Path) -> None:
    rows = [["id", None, "datum"], [1, "x", dt.datetime(1965, 3, 1)], ["", "  "], [2]]
    path = workbook(tmp_path / "p.xlsx", {"Eerste": [["ander"], [9]], "Medewerkers": rows}, blank_rows=1)
    table = read_raw(path, keep(0, 2), sheet="Medewerkers")
    assert table.header == ["id", "", "datum"]
    assert table.rows == [(3, [1, dt.datetime(1965, 3, 1)]), (5, [2, None])]
    assert read_raw(path, keep(0)).header == ["ander"]  # no sheet named: the first
    with pytest.raises(PersonnelFileError) as info:
        read_raw(path, keep(0), sheet="Blad1")
    assert info.value.message == "has no sheet 'Blad1' (sheets: Eerste, Medewerkers)"
    empty = workbook(tmp_path / "e.xlsx", {"Leeg": []})
    assert message(empty) == "the sheet is empty"


def test_parquet_reads_the_chosen_columns_only(tmp_path: Path) -> None:
    path = tmp_path / "hr.data"  # no extension needed: the magic bytes say Parquet
    pq.write_table(pa.table({"id": [7, 8], "naam": ["Jan", "Piet"], "se": [0.5, 1.0]}), path)
    choose = keep(2, 0)
    table = read_raw(path, choose)
    assert choose.seen == [["id", "naam", "se"]]
    assert table.kept == [2, 0]
    assert table.rows == [(2, [0.5, 7]), (3, [1.0, 8])]


def test_a_workbook_is_known_by_its_bytes_and_an_xlsx_name_by_its_name(tmp_path: Path) -> None:
    path = workbook(tmp_path / "hr.xlsx", {"Blad1": [["id", "se"], [7, 0.5]]})
    assert read_raw(path, keep(0, 1)).rows == [(2, [7, 0.5])]
    renamed = path.rename(tmp_path / "hr.csv")  # a workbook by its bytes, whatever its name says
    assert message(renamed) == "cannot be read as an Excel .xlsx workbook (InvalidFileException)"
    named = tmp_path / "p.xlsx"
    named.write_text("a,b\n1,2\n", encoding="utf-8")
    assert message(named).startswith("cannot be read as an Excel .xlsx workbook (")


def test_an_unopenable_path_is_named_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 300 + ".csv")
    assert message(path) == "cannot be read (File name too long)"


def test_xlsx_formulas_give_their_values_and_columns_start_at_a(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws["B1"], ws["C1"] = "id", "se"  # column A left empty
    ws["B2"], ws["C2"] = 7, "=1/2"  # a formula: openpyxl stores no computed value, so the cell reads as empty
    book.save(tmp_path / "f.xlsx")
    table = read_raw(tmp_path / "f.xlsx", keep(1, 2))
    assert table.header == ["", "id", "se"]
    assert table.rows == [(2, [7, None])]


def test_sheet_errors_name_the_file(tmp_path: Path) -> None:
    path = workbook(tmp_path / "p.xlsx", {"Eerste": [["id"], [1]]})
    with pytest.raises(PersonnelFileError) as info:
        read_raw(path, keep(0), sheet="Tweede")
    assert (info.value.source, info.value.message) == (str(path), "has no sheet 'Tweede' (sheets: Eerste)")


def test_a_quoted_cell_keeps_its_line_break(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b'id,opmerking\r\n1,"twee\r\nregels"\r\n2,x\r\n')
    # one record is one spreadsheet row, however many lines its cell has
    assert read_raw(path, keep(0, 1)).rows == [(2, ["1", "twee\r\nregels"]), (3, ["2", "x"])]
