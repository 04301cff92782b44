"""Import of real personnel files: read, validate every row, drop identifiers, pseudonymise, write a population.

A municipality's HR export (CSV, Excel .xlsx or Parquet) becomes the population Parquet file of
`sim.model.population` (`POPULATION_SCHEMA`), which a config names with `population.file = ...`.

Privacy is the point of this import. These files hold health and disability data of real people:
- only the columns the model needs are kept: the cells of every other column (name, BSN, address, ...) are
  dropped as each row is read (from Parquet they are not read at all), and the column is named in a warning by
  its header only, never by a value;
- employee ids become pseudonyms, HMAC-SHA256 keyed with a salt from the environment variable `WSW_SIM_SALT`
  (never stored), so the same salt gives the same pseudonyms in every import and nobody without the salt can
  link a pseudonym back to an id;
- birth dates keep year and month only (and so do Wsw start dates);
- messages echo the value of a validated column (so a clerk can find and fix it) but never an employee id:
  a duplicate id is reported as "duplicate of row 7".

The steps live in modules of their own, re-exported here: `personnel_files` (reading CSV, .xlsx and Parquet,
with row numbers as the user sees them), `personnel_columns` (headers and mapping files), `personnel_cells`
(one cell to one value) and `personnel_pseudonyms` (the salt and the HMAC). This module runs them in order,
checks each row as a whole (duplicates, ages, dates in order) and writes the population.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from sim.domain import DISABILITY_TYPES, MUNICIPALITIES, SEXES, WORK_FORMS
from sim.errors import ConfigError
from sim.inputs.personnel_cells import BadCell, cell_parsers, cell_text, parse_month, parse_se
from sim.inputs.personnel_columns import (
    HEADER_VARIANTS,
    OPTIONAL_COLUMNS,
    STANDARD_COLUMNS,
    ColumnMapping,
    load_mapping,
    match_columns,
)
from sim.inputs.personnel_files import PersonnelFileError, Problem, RawTable, read_raw
from sim.inputs.personnel_pseudonyms import SALT_ENV, pseudonym, salt_from_environment
from sim.model.population import Population, month_index

__all__ = [
    "HEADER_VARIANTS",
    "OPTIONAL_COLUMNS",
    "SALT_ENV",
    "STANDARD_COLUMNS",
    "ColumnMapping",
    "ImportResult",
    "PersonnelFileError",
    "Problem",
    "import_personnel",
    "import_to_parquet",
    "load_mapping",
    "parse_month",
    "parse_se",
    "pseudonym",
    "read_raw",
    "salt_from_environment",
    "summary",
    "suppressed",
]

MIN_AGE_YEARS = 16
MAX_AGE_YEARS = 70


@dataclass(frozen=True)
class ImportResult:
    population: Population
    dropped_columns: tuple[str, ...]
    warnings: tuple[str, ...]


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
        matched.append(match_columns(file_header, mapping, path))
        return sorted(matched[0][0].values())

    raw = read_raw(path, choose, mapping.sheet)
    found, dropped = matched[0]
    header = {c: raw.header[i] for c, i in found.items()}
    parsers = cell_parsers(mapping)
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
            if cell_text(value) == "" and column != "disability_type":
                issues.append((column, "missing", False))
                continue
            try:
                parsed[column] = parsers[column](value)
            except BadCell as exc:
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
            Problem(number, header[column], cell_text(cells[column]) if show else None, reason)
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
