"""Reading personnel files (CSV, Excel .xlsx, Parquet): the header, and the cells of the kept columns only.

The cells of every other column (name, BSN, address, ...) are dropped as each row is read, and from Parquet they
are not read at all. Row numbers are as the user sees them: in a CSV the header is row 1 and the first person
row 2; in Excel the sheet's own row numbers; in Parquet, as in CSV (header row 1, first record row 2).
Messages name a file, a row or a line, never a cell's content.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ConfigError


class PersonnelFileError(ConfigError):
    """A personnel file (or its mapping) that cannot be imported; `problems` lists every bad cell."""

    def __init__(self, source: str | Path, message: str, problems: tuple[Problem, ...] = ()) -> None:
        self.problems = problems
        lines = [message, *(f"  {p}" for p in problems)]
        super().__init__(source, "", "\n".join(lines))


@dataclass(frozen=True)
class Problem:
    """One bad cell: the row as the user sees it, the column header as written in the file, and why."""

    row: int
    column: str
    value: str | None  # None: not shown (missing, or an employee id)
    reason: str

    def __str__(self) -> str:
        shown = f" = {self.value!r}" if self.value is not None else ""
        return f"row {self.row}, {self.column}{shown}: {self.reason}"


@dataclass(frozen=True)
class RawTable:
    """A file's header, the columns kept, and the rows as values of those columns only (str, numbers, dates or
    None), each with its row number. The other columns' cells are dropped as each row is read."""

    header: list[str]
    kept: list[int]
    rows: list[tuple[int, list[Any]]]
    misaligned: list[tuple[int, int]] = field(default_factory=list)  # (row, cells) of CSV rows that do not fit


Choose = Callable[[list[str]], list[int]]
"""Given the header, the positions of the columns to keep."""


def _decode(data: bytes, source: Path) -> str:
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise PersonnelFileError(source, "starts with a byte order mark but is not valid Unicode text") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise PersonnelFileError(source, "is not UTF-8 or Windows-1252 (cp1252) text; save it as UTF-8 CSV") from None


def _delimiter(first_line: str) -> str:
    """The candidate that splits the header into the most fields (a comma on a tie)."""
    best, best_count = ",", 0
    for candidate in (",", ";", "\t"):
        count = len(next(csv.reader([first_line], delimiter=candidate), []))
        if count > best_count:
            best, best_count = candidate, count
    return best


def _read_csv(path: Path, choose: Choose) -> RawTable:
    text = _decode(path.read_bytes(), path)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    kept: list[int] = []
    rows: list[tuple[int, list[Any]]] = []
    misaligned: list[tuple[int, int]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue  # blank lines still count, so row numbers match a spreadsheet's
            if header is None:
                header = record
                kept = choose(header)
                continue
            if len(record) != len(header):
                # a delimiter inside an unquoted value shifts every later cell: the row cannot be trusted, and
                # its cells may hold a name where a municipality should be, so none is shown. Even an extra
                # empty cell at the end is refused: with an empty last column, that is what a shift looks like.
                misaligned.append((number, len(record)))
                continue
            rows.append((number, [record[i] for i in kept]))
    except csv.Error as exc:  # the message names a line, never its content
        raise PersonnelFileError(path, f"is not a readable CSV file ({exc})") from None
    if header is None:
        raise PersonnelFileError(path, "is empty")
    return RawTable(header=header, kept=kept, rows=rows, misaligned=misaligned)


def _read_xlsx(path: Path, sheet: str | None, choose: Choose) -> RawTable:
    import openpyxl

    try:
        # not read_only: that mode skips empty rows, and the row numbers must be the sheet's own
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file; none carries cell values
        raise PersonnelFileError(
            path, f"cannot be read as an Excel .xlsx workbook ({exc.__class__.__name__})"
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise PersonnelFileError(path, f"has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        header: list[str] | None = None
        kept: list[int] = []
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
            cells = list(values)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            if header is None:
                header = ["" if v is None else str(v) for v in cells]
                kept = choose(header)
            else:
                rows.append((number, [cells[i] if i < len(cells) else None for i in kept]))
    finally:
        book.close()
    if header is None:
        raise PersonnelFileError(path, "the sheet is empty")
    return RawTable(header=header, kept=kept, rows=rows)


def _read_parquet(path: Path, choose: Choose) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        header = list(pq.read_schema(path).names)
        kept = choose(header)
        table = pq.read_table(path, columns=[header[i] for i in kept])  # the other columns are never read
    except (OSError, pa.ArrowException) as exc:
        raise PersonnelFileError(path, f"cannot be read as Parquet ({exc.__class__.__name__})") from None
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [(i + 2, [col[i] for col in columns]) for i in range(table.num_rows)]
    return RawTable(header=header, kept=kept, rows=rows)


def read_raw(path: Path, choose: Choose, sheet: str | None = None) -> RawTable:
    """Read any supported file, keeping the columns `choose` picks from the header; the kind of file comes
    from its first bytes, then its extension."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except FileNotFoundError:
        raise PersonnelFileError(path, "file not found") from None
    except IsADirectoryError:
        raise PersonnelFileError(path, "is a directory, not a personnel file") from None
    except OSError as exc:
        raise PersonnelFileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    suffix = path.suffix.lower()
    if magic.startswith(b"PAR1"):
        return _read_parquet(path, choose)
    if magic.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, choose)
    if magic.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise PersonnelFileError(path, "is an old Excel .xls file; save it as .xlsx or CSV first")
    try:
        return _read_csv(path, choose)
    except OSError as exc:
        raise PersonnelFileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
