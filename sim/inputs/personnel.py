"""Import of real personnel files: read, validate every row, drop identifiers, pseudonymise, write a population.

A municipality's HR export (CSV, Excel .xlsx or Parquet) becomes the population Parquet file of
`sim.model.population` (`POPULATION_SCHEMA`), which a config names with `population.file = ...`.

Privacy is the point of this module. These files hold health and disability data of real people:
- only the columns the model needs are kept: the cells of every other column (name, BSN, address, ...) are
  dropped as each row is read (from Parquet they are not read at all), and the column is named in a warning by
  its header only, never by a value;
- employee ids become pseudonyms, HMAC-SHA256 keyed with a salt from the environment variable `WSW_SIM_SALT`
  (never stored), so the same salt gives the same pseudonyms in every import and nobody without the salt can
  link a pseudonym back to an id;
- birth dates keep year and month only (and so do Wsw start dates);
- messages echo the value of a validated column (so a clerk can find and fix it) but never an employee id:
  a duplicate id is reported as "duplicate of row 7".

Row numbers are as the user sees them: in a CSV the header is row 1 and the first person row 2; in Excel the
sheet's own row numbers; in Parquet, as in CSV (header row 1, first record row 2).
"""

from __future__ import annotations

import csv
import hmac
import io
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import numpy as np

from sim.domain import DISABILITY_TYPES, MUNICIPALITIES, SEXES, WORK_FORMS
from sim.errors import ConfigError
from sim.model.population import Population, month_index

SALT_ENV = "WSW_SIM_SALT"
MIN_SALT_CHARS = 16
"""A shorter salt could be guessed by trying every short string against known ids."""

PSEUDONYM_HEX_CHARS = 16
"""64 bits of the HMAC: a collision is negligible for any Wsw population (and would show as a duplicate id)."""

MIN_AGE_YEARS = 16
MAX_AGE_YEARS = 70

STANDARD_COLUMNS = (
    "employee_id",
    "municipality",
    "birth_date",
    "sex",
    "se",
    "work_form",
    "wsw_start_date",
    "disability_type",
)
OPTIONAL_COLUMNS = ("disability_type",)
"""A file without a disability column imports with every disability type `onbekend` (and a warning)."""

HEADER_VARIANTS: Mapping[str, tuple[str, ...]] = {
    "employee_id": (
        "personeelsnummer",
        "personeelsnr",
        "persnr",
        "pers_nr",
        "medewerkernummer",
        "medewerkersnummer",
        "medewerker_id",
        "werknemersnummer",
        "registratienummer",
        "employee_number",
    ),
    "municipality": ("gemeente", "woongemeente", "gemeente_van_herkomst", "herkomstgemeente"),
    "birth_date": ("geboortedatum", "geb_datum", "gebdatum", "date_of_birth", "birthdate"),
    "sex": ("geslacht", "gender"),
    "se": ("dienstverband", "dienstverband_se", "omvang_se", "se_omvang", "omvang_dienstverband", "arbeidsomvang"),
    "work_form": ("werkvorm", "form_of_work", "arbeidsvorm"),
    "wsw_start_date": (
        "startdatum_wsw",
        "start_datum_wsw",
        "datum_in_wsw",
        "datum_instroom_wsw",
        "ingangsdatum_wsw",
        "aanvang_wsw",
        "wsw_startdatum",
        "wsw_start",
    ),
    "disability_type": (
        "handicap",
        "beperking",
        "type_beperking",
        "soort_beperking",
        "type_handicap",
        "soort_handicap",
        "handicap_type",
        "disability",
    ),
}
"""Dutch (and a few English) headers of HR exports, after normalisation (lower case, `_` for spaces)."""

SEX_VALUES = {"m": "M", "man": "M", "male": "M", "v": "V", "f": "V", "vrouw": "V", "female": "V"}
DISABILITY_VALUES = {"lichamelijk": "lichamelijk", "verstandelijk": "verstandelijk", "psychisch": "psychisch"}
DISABILITY_VALUES |= {"onbekend": "onbekend", "": "onbekend"}


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
class ColumnMapping:
    """A mapping file: which header holds which standard column, and extra spellings of values."""

    columns: dict[str, str] = field(default_factory=dict)  # standard column -> header in the file
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> normalised value -> canonical
    sheet: str | None = None


@dataclass(frozen=True)
class ImportResult:
    population: Population
    dropped_columns: tuple[str, ...]
    warnings: tuple[str, ...]


# ------------------------------------------------------------------------------------------------ reading


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


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s\-./]+", "_", text).strip("_")


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


# ------------------------------------------------------------------------------------------------ mapping


def load_mapping(path: Path) -> ColumnMapping:
    """A mapping TOML::

    sheet = "Medewerkers"                 # Excel only: the sheet to read (default: the first)
    [columns]                             # standard column = header in your file
    employee_id = "Pers.nr."
    birth_date = "Geb. datum"
    [values.work_form]                    # canonical value = how your file writes it (one or a list)
    beschut_binnen = ["Beschut werk", "BW"]
    """
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, "", "mapping file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "", f"cannot be read ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"is not valid TOML ({exc})") from None
    unknown = sorted(set(raw) - {"columns", "values", "sheet"})
    if unknown:
        raise ConfigError(source, unknown[0], "unknown key (known: columns, values, sheet)")
    sheet = raw.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise ConfigError(source, "sheet", "must be a sheet name (text)")
    columns_raw = raw.get("columns", {})
    if not isinstance(columns_raw, dict):
        raise ConfigError(source, "columns", "must be a table: standard column = header in the file")
    columns: dict[str, str] = {}
    for key, header in columns_raw.items():
        if key not in STANDARD_COLUMNS:
            raise ConfigError(source, f"columns.{key}", f"not a standard column ({', '.join(STANDARD_COLUMNS)})")
        if not isinstance(header, str) or not header.strip():
            raise ConfigError(source, f"columns.{key}", "must be the header (text) of a column in the file")
        columns[key] = header
    values_raw = raw.get("values", {})
    if not isinstance(values_raw, dict):
        raise ConfigError(source, "values", "must be a table of tables: [values.work_form] ...")
    allowed = {
        "municipality": MUNICIPALITIES,
        "sex": SEXES,
        "work_form": WORK_FORMS,
        "disability_type": DISABILITY_TYPES,
    }
    values: dict[str, dict[str, str]] = {}
    for column, table in values_raw.items():
        if column not in allowed:
            raise ConfigError(source, f"values.{column}", f"values can be mapped for {', '.join(allowed)} only")
        if not isinstance(table, dict):
            raise ConfigError(source, f"values.{column}", "must be a table: canonical value = file value(s)")
        out: dict[str, str] = {}
        for canonical, spellings in table.items():
            if canonical not in allowed[column]:
                raise ConfigError(
                    source, f"values.{column}.{canonical}", f"not a {column} (one of {', '.join(allowed[column])})"
                )
            items = [spellings] if isinstance(spellings, str) else spellings
            if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
                raise ConfigError(source, f"values.{column}.{canonical}", "must be text or a list of texts")
            for s in items:
                out[_normalise(s)] = canonical
        values[column] = out
    return ColumnMapping(columns=columns, values=values, sheet=sheet)


def _match_columns(header: list[str], mapping: ColumnMapping, source: Path) -> tuple[dict[str, int], list[str]]:
    """Which file column holds each standard column; and the headers that are dropped."""
    normalised = [_normalise(h) for h in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(normalised):
        seen.setdefault(name, i)
    found: dict[str, int] = {}
    for column in STANDARD_COLUMNS:
        if column in mapping.columns:
            wanted = _normalise(mapping.columns[column])
            if wanted not in seen:
                raise PersonnelFileError(
                    source,
                    f"the mapping names the header {mapping.columns[column]!r} for {column}, but no column has it",
                )
            found[column] = seen[wanted]
            continue
        candidates = [i for i, n in enumerate(normalised) if n == column or n in HEADER_VARIANTS.get(column, ())]
        if len(candidates) > 1:
            names = " and ".join(repr(header[i]) for i in candidates)
            raise PersonnelFileError(source, f"both {names} could be {column}; name one in a mapping file (--mapping)")
        if candidates:
            found[column] = candidates[0]
    missing = [c for c in STANDARD_COLUMNS if c not in found and c not in OPTIONAL_COLUMNS]
    if missing:
        raise PersonnelFileError(
            source,
            f"no column for {', '.join(missing)}; the file's headers are {', '.join(repr(h) for h in header)}. "
            'Rename them, or map them in a mapping file (--mapping MAPPING.toml, [columns] employee_id = "...")',
        )
    for column, i in found.items():
        twice = [j + 1 for j, name in enumerate(normalised) if name == normalised[i]]
        if len(twice) > 1:
            raise PersonnelFileError(
                source, f"the header {header[i]!r} ({column}) appears twice, in columns {twice[0]} and {twice[1]}"
            )
    used = set(found.values())
    clash = {i: [c for c in found if found[c] == i] for i in used}
    for i, cols in clash.items():
        if len(cols) > 1:
            raise PersonnelFileError(source, f"the column {header[i]!r} is mapped to both {' and '.join(cols)}")
    dropped = [h if h.strip() else f"(column {i + 1}, no header)" for i, h in enumerate(header) if i not in used]
    return found, dropped


# -------------------------------------------------------------------------------------------- validation

_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DUTCH = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class _Bad(ValueError):
    """A cell that cannot be used; the message says why."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_month(value: Any) -> int:
    """A month index from a date cell: YYYY-MM-DD, YYYY-MM, or the Dutch day-first DD-MM-YYYY; the day is dropped."""
    if isinstance(value, datetime | date):
        return month_index(value)
    text = _text(value)
    iso, dutch = _ISO.match(text), _DUTCH.match(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3] or 1)
    elif dutch:
        day, month, year = int(dutch[1]), int(dutch[2]), int(dutch[3])
    else:
        raise _Bad("unreadable date (expected YYYY-MM-DD or YYYY-MM)")
    try:
        return month_index(date(year, month, day))
    except ValueError:
        raise _Bad("unreadable date (no such date)") from None


def parse_se(value: Any) -> float:
    """Contract size in SE; a decimal comma (0,75) is read as a decimal point."""
    if isinstance(value, bool):
        raise _Bad("not a number")
    if isinstance(value, int | float):
        se = float(value)
    else:
        text = _text(value).replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            se = float(text)
        except ValueError:
            raise _Bad("not a number") from None
    if not 0 < se <= 1:
        raise _Bad("SE outside (0, 1]")
    return se


def _choice(value: Any, table: Mapping[str, str], what: str, expected: tuple[str, ...]) -> str:
    key = _normalise(_text(value))
    if key in table:
        return table[key]
    raise _Bad(f"unknown {what}; expected one of {', '.join(expected)}")


def pseudonym(employee_id: str, salt: str) -> str:
    """HMAC-SHA256 of the id keyed with the salt, truncated: stable for one salt, unlinkable without it.

    Ids of digits only lose their leading zeros first, so 000123 in a CSV and 123 in Excel are one person.
    """
    key = employee_id.strip()
    if key.isdigit():
        key = key.lstrip("0") or "0"
    return hmac.new(salt.encode("utf-8"), key.encode("utf-8"), sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def salt_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The salt from `WSW_SIM_SALT`; without a long enough one the import refuses (the message says how)."""
    env = os.environ if environ is None else environ
    salt = env.get(SALT_ENV, "")
    how = (
        f"set the environment variable {SALT_ENV} to a secret of at least {MIN_SALT_CHARS} characters, e.g.\n"
        f"  export {SALT_ENV}=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\"\n"
        "keep it in a password manager: the same salt gives the same pseudonyms in every import"
    )
    if not salt:
        raise ConfigError(SALT_ENV, "", f"no salt: the import pseudonymises employee ids and needs one; {how}")
    if len(salt) < MIN_SALT_CHARS:
        raise ConfigError(SALT_ENV, "", f"the salt is shorter than {MIN_SALT_CHARS} characters; {how}")
    return salt


def _parsers(mapping: ColumnMapping) -> dict[str, Callable[[Any], Any]]:
    """Per standard column, the function from a cell to its value (raising `_Bad` with the reason)."""
    extra = mapping.values
    municipalities = {_normalise(prefix + m): m for m in MUNICIPALITIES for prefix in ("", "gemeente ")}
    municipalities |= extra.get("municipality", {})
    forms = {_normalise(f): f for f in WORK_FORMS} | extra.get("work_form", {})
    sexes = SEX_VALUES | extra.get("sex", {})
    disabilities = DISABILITY_VALUES | extra.get("disability_type", {})
    return {
        "employee_id": _text,
        "municipality": lambda v: _choice(v, municipalities, "municipality", MUNICIPALITIES),
        "birth_date": parse_month,
        "sex": lambda v: _choice(v, sexes, "sex", ("M", "V", "F")),
        "se": parse_se,
        "work_form": lambda v: _choice(v, forms, "form of work", WORK_FORMS),
        "wsw_start_date": parse_month,
        "disability_type": lambda v: _choice(v, disabilities, "disability type", DISABILITY_TYPES),
    }


def _rows_with_columns(raw: RawTable, found: dict[str, int]) -> Iterator[tuple[int, dict[str, Any]]]:
    position = {c: raw.kept.index(i) for c, i in found.items()}
    for number, cells in raw.rows:
        yield number, {c: cells[i] for c, i in position.items()}


def import_personnel(
    path: str | Path,
    salt: str,
    mapping: ColumnMapping | None = None,
    reference: date | None = None,
) -> ImportResult:
    """Read, validate and pseudonymise a personnel file. Every bad cell is collected before raising
    `PersonnelFileError` (nothing is returned then); the cells of other columns are dropped as
    each row is read (and not read at all from Parquet).

    `reference` is the date at which ages must lie within 16 to 70 years (default: today).
    """
    path = Path(path)
    mapping = mapping or ColumnMapping()
    reference = reference or date.today()
    ref_month = month_index(reference)
    matched: list[tuple[dict[str, int], list[str]]] = []

    def choose(file_header: list[str]) -> list[int]:
        matched.append(_match_columns(file_header, mapping, path))
        return sorted(matched[0][0].values())

    raw = read_raw(path, choose, mapping.sheet)
    found, dropped = matched[0]
    header = {c: raw.header[i] for c, i in found.items()}
    parsers = _parsers(mapping)
    problems = [
        Problem(
            number,
            "(whole row)",
            None,
            f"has {cells} cells where the header has {len(raw.header)}: a delimiter inside a value without quotes?",
        )
        for number, cells in raw.misaligned
    ]
    first_row_of: dict[str, int] = {}
    out: dict[str, list[Any]] = {c: [] for c in STANDARD_COLUMNS}
    for number, cells in _rows_with_columns(raw, found):
        parsed: dict[str, Any] = {"disability_type": "onbekend"}  # when the file has no such column
        issues: list[tuple[str, str, bool]] = []  # column, reason, whether to show the value
        for column, value in cells.items():
            if _text(value) == "" and column != "disability_type":
                issues.append((column, "missing", False))
                continue
            try:
                parsed[column] = parsers[column](value)
            except _Bad as exc:
                issues.append((column, str(exc), True))
        if "employee_id" in parsed:
            key = pseudonym(parsed["employee_id"], salt)  # compare normalised ids, and keep no raw id around
            parsed["employee_id"] = key
            if key in first_row_of:
                issues.append(("employee_id", f"duplicate of row {first_row_of[key]}", False))
            else:
                first_row_of[key] = number
        if "birth_date" in parsed:
            age = (ref_month - parsed["birth_date"]) // 12
            if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
                why = f"age {age} at {reference.isoformat()} is outside {MIN_AGE_YEARS} to {MAX_AGE_YEARS}"
                issues.append(("birth_date", why, True))
        if "wsw_start_date" in parsed:
            start = parsed["wsw_start_date"]
            if start > ref_month:
                issues.append(("wsw_start_date", f"after the reference date {reference.isoformat()}", True))
            elif "birth_date" in parsed and start < parsed["birth_date"]:
                issues.append(("wsw_start_date", "before the birth date", True))
        problems += [
            Problem(number, header[column], _text(cells[column]) if show else None, reason)
            for column, reason, show in issues
        ]
        if not issues:
            for column in STANDARD_COLUMNS:
                out[column].append(parsed[column])
    if not raw.rows and not raw.misaligned:
        raise PersonnelFileError(path, "has a header but no rows")
    if problems:
        position = {header[c]: found[c] for c in found}
        problems.sort(key=lambda p: (p.row, position.get(p.column, 0)))
        rows = len({p.row for p in problems})
        raise PersonnelFileError(
            path,
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {rows} row{'s' if rows > 1 else ''}; "
            "nothing was written. Fix them in the file and import again:",
            tuple(problems),
        )

    warnings: list[str] = []
    if dropped:
        warnings.append(
            "dropped columns the model does not use (their contents are not kept): "
            + ", ".join(repr(h) for h in dropped)
        )
    if "disability_type" not in found:
        warnings.append("no disability column: every disability type is set to 'onbekend'")
    population = Population(
        municipalities=MUNICIPALITIES,
        person_id=np.array(out["employee_id"], dtype=object),
        municipality=np.array([MUNICIPALITIES.index(m) for m in out["municipality"]], np.int16),
        birth_month=np.array(out["birth_date"], np.int32),
        sex=np.array([SEXES.index(s) for s in out["sex"]], np.int8),
        se=np.array(out["se"], np.float64),
        work_form=np.array([WORK_FORMS.index(f) for f in out["work_form"]], np.int8),
        disability=np.array([DISABILITY_TYPES.index(d) for d in out["disability_type"]], np.int8),
        wsw_start_month=np.array(out["wsw_start_date"], np.int32),
    )
    return ImportResult(population=population, dropped_columns=tuple(dropped), warnings=tuple(warnings))


def import_to_parquet(
    path: str | Path,
    out: str | Path,
    mapping_path: str | Path | None = None,
    reference: date | None = None,
    environ: Mapping[str, str] | None = None,
) -> ImportResult:
    """The `import` command: salt first (refuse before reading anything), then read, validate, write atomically.

    On any problem a `ConfigError` is raised and nothing is written (the Parquet file appears whole or not at all).
    """
    from sim.model.population import write_population

    salt = salt_from_environment(environ)
    path, out = Path(path), Path(out)
    if out.exists() and path.exists() and out.resolve() == path.resolve():
        raise ConfigError(out, "", "--out is the personnel file itself; choose another file")
    mapping = load_mapping(Path(mapping_path)) if mapping_path is not None else None
    result = import_personnel(path, salt, mapping, reference)
    try:
        write_population(result.population, out)
    except OSError as exc:
        raise ConfigError(out, "", f"cannot be written ({exc.strerror or exc.__class__.__name__})") from None
    return result


SMALL_COUNT = 5
"""Counts below this, derived from a real file, are shown as '<5' (statistical disclosure control)."""


def suppressed(count: int) -> str:
    return f"<{SMALL_COUNT}" if 0 < count < SMALL_COUNT else str(count)


def summary(population: Population) -> str:
    """One line about an imported population, with small counts suppressed."""
    counts = np.bincount(population.municipality, minlength=len(population.municipalities))
    parts = [f"{m} {suppressed(int(c))}" for m, c in zip(population.municipalities, counts, strict=True) if c]
    return f"{suppressed(len(population))} persons imported ({', '.join(parts)})"
