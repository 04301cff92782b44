"""Which column of a personnel file holds what: the standard columns, Dutch header spellings, mapping files.

A file's headers are matched to the standard columns after normalisation (lower case, `_` for spaces and
punctuation); a mapping file (TOML) names headers the built-in spellings do not know, and extra spellings of
values. Every column the model does not use is named so the import can warn that it was dropped.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sim.domain import DISABILITY_TYPES, MUNICIPALITIES, SEXES, WORK_FORMS
from sim.errors import ConfigError
from sim.inputs.personnel_files import PersonnelFileError

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


@dataclass(frozen=True)
class ColumnMapping:
    """A mapping file: which header holds which standard column, and extra spellings of values."""

    columns: dict[str, str] = field(default_factory=dict)  # standard column -> header in the file
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> normalised value -> canonical
    sheet: str | None = None


def normalise(text: str) -> str:
    """A header or value as compared: Unicode NFKC, trimmed, lower case, runs of spaces and `-./` as `_`."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s\-./]+", "_", text).strip("_")


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
                out[normalise(s)] = canonical
        values[column] = out
    return ColumnMapping(columns=columns, values=values, sheet=sheet)


def match_columns(header: list[str], mapping: ColumnMapping, source: Path) -> tuple[dict[str, int], list[str]]:
    """Which file column holds each standard column; and the headers that are dropped."""
    normalised = [normalise(h) for h in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(normalised):
        seen.setdefault(name, i)
    found: dict[str, int] = {}
    for column in STANDARD_COLUMNS:
        if column in mapping.columns:
            wanted = normalise(mapping.columns[column])
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
