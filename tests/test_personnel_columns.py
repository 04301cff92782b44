"""Headers and mapping files: every spelling the import knows, every mistake in a mapping, with its exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.inputs.personnel_columns import (
    HEADER_VARIANTS,
    STANDARD_COLUMNS,
    ColumnMapping,
    load_mapping,
    match_columns,
    normalise,
)
from sim.inputs.personnel_files import PersonnelFileError

HEADER = list(STANDARD_COLUMNS)
SOURCE = Path("hr.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Startdatum WSW ", "startdatum_wsw"),
        ("Pers.nr.", "pers_nr"),
        ("Geb. - datum", "geb_datum"),
        ("a/b\tc", "a_b_c"),
        ("ＧＥＭＥＥＮＴＥ", "gemeente"),  # full-width letters: NFKC
        ("__x__", "x"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_every_standard_column_and_variant_is_recognised() -> None:
    for column in STANDARD_COLUMNS:
        for spelling in (column, *HEADER_VARIANTS.get(column, ())):
            header = [spelling if c == column else c for c in HEADER]
            found, dropped = match_columns(header, ColumnMapping(), SOURCE)
            assert found == {c: i for i, c in enumerate(HEADER)} and dropped == [], spelling


def test_dropped_headers_in_file_order_and_blank_ones_by_position() -> None:
    found, dropped = match_columns(["Naam", *HEADER, " ", "BSN"], ColumnMapping(), SOURCE)
    assert found == {c: i + 1 for i, c in enumerate(HEADER)}
    assert dropped == ["Naam", "(column 10, no header)", "BSN"]


def test_without_a_disability_column_it_is_not_found_and_not_missing() -> None:
    found, _ = match_columns(HEADER[:-1], ColumnMapping(), SOURCE)
    assert "disability_type" not in found and len(found) == 7


def errors(header: list[str], mapping: ColumnMapping | None = None) -> str:
    with pytest.raises(PersonnelFileError) as info:
        match_columns(header, mapping or ColumnMapping(), SOURCE)
    assert info.value.source == "hr.csv" and info.value.field == ""
    return info.value.message


def test_header_errors_word_for_word() -> None:
    assert errors(HEADER[:5]) == (
        "no column for work_form, wsw_start_date; the file's headers are 'employee_id', 'municipality', "
        "'birth_date', 'sex', 'se'. Rename them, or map them in a mapping file "
        '(--mapping MAPPING.toml, [columns] employee_id = "...")'
    )
    assert errors([*HEADER, "Gemeente"]) == (
        "both 'municipality' and 'Gemeente' could be municipality; name one in a mapping file (--mapping)"
    )
    mapping = ColumnMapping(columns={"employee_id": "Nr"})
    assert errors(HEADER, mapping) == "the mapping names the header 'Nr' for employee_id, but no column has it"
    assert (
        errors(["Nr", *HEADER[1:], "nr"], mapping) == "the header 'Nr' (employee_id) appears twice, in columns 1 and 9"
    )
    both = ColumnMapping(columns={"birth_date": "datum", "wsw_start_date": "datum"})
    header = ["employee_id", "municipality", "datum", "sex", "se", "work_form"]
    assert errors(header, both) == "the column 'datum' is mapped to both birth_date and wsw_start_date"


def test_a_mapped_header_wins_over_the_built_in_spellings() -> None:
    mapping = ColumnMapping(columns={"municipality": "Plaats"})
    found, dropped = match_columns(["Plaats", *HEADER[:1], *HEADER[2:], "Gemeente"], mapping, SOURCE)
    assert found["municipality"] == 0 and dropped == ["Gemeente"]


# ------------------------------------------------------------------------------------------ mapping files


def mapping_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_mapping_file(tmp_path: Path) -> None:
    path = mapping_file(
        tmp_path,
        'sheet = "Medewerkers"\n[columns]\nemployee_id = "Pers.nr."\n'
        '[values.work_form]\nbeschut_binnen = ["Beschut werk", "BW"]\nindividuele_detachering = "I.D."\n'
        '[values.municipality]\nAlmelo = "Gem. Almelo"\n[values.sex]\nV = "Vr"\n'
        '[values.disability_type]\npsychisch = "GGZ"\n',
    )
    assert load_mapping(path) == ColumnMapping(
        columns={"employee_id": "Pers.nr."},
        values={
            "work_form": {"beschut_werk": "beschut_binnen", "bw": "beschut_binnen", "i_d": "individuele_detachering"},
            "municipality": {"gem_almelo": "Almelo"},
            "sex": {"vr": "V"},
            "disability_type": {"ggz": "psychisch"},
        },
        sheet="Medewerkers",
    )
    assert load_mapping(mapping_file(tmp_path, "")) == ColumnMapping()


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("colums = 1\n", "colums", "unknown key (known: columns, values, sheet)"),
        ("sheet = 3\n", "sheet", "must be a sheet name (text)"),
        ("columns = 3\n", "columns", "must be a table: standard column = header in the file"),
        (
            '[columns]\nname = "Naam"\n',
            "columns.name",
            "not a standard column (employee_id, municipality, birth_date, sex, se, work_form, wsw_start_date, "
            "disability_type)",
        ),
        ('[columns]\nse = "  "\n', "columns.se", "must be the header (text) of a column in the file"),
        ("[columns]\nse = 1\n", "columns.se", "must be the header (text) of a column in the file"),
        ("values = 3\n", "values", "must be a table of tables: [values.work_form] ..."),
        (
            '[values.se]\nx = "y"\n',
            "values.se",
            "values can be mapped for municipality, sex, work_form, disability_type only",
        ),
        ('[values]\nsex = "M"\n', "values.sex", "must be a table: canonical value = file value(s)"),
        (
            '[values.sex]\nX = "x"\n',
            "values.sex.X",
            "not a sex (one of M, V)",
        ),
        (
            '[values.work_form]\nkantoor = "K"\n',
            "values.work_form.kantoor",
            "not a work_form (one of beschut_binnen, groepsdetachering, individuele_detachering, begeleid_werken)",
        ),
        ("[values.sex]\nM = 1\n", "values.sex.M", "must be text or a list of texts"),
        ('[values.sex]\nM = ["m", 1]\n', "values.sex.M", "must be text or a list of texts"),
    ],
)
def test_mapping_mistakes_word_for_word(tmp_path: Path, text: str, field: str, message: str) -> None:
    path = mapping_file(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert (info.value.source, info.value.field, info.value.message) == (str(path), field, message)


def test_unreadable_mapping_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_mapping(missing)
    assert (info.value.source, info.value.field, info.value.message) == (str(missing), "", "mapping file not found")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[columns]\nsex = "Geslacht é"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_mapping(latin)
    assert (info.value.source, info.value.field, info.value.message) == (
        str(latin),
        "",
        "cannot be read (UnicodeDecodeError)",
    )
    with pytest.raises(ConfigError) as info:
        load_mapping(tmp_path)  # a folder
    assert info.value.source == str(tmp_path) and info.value.field == ""
    assert info.value.message in ("cannot be read (IsADirectoryError)", "cannot be read (PermissionError)")
    broken = mapping_file(tmp_path, "[columns\n")
    with pytest.raises(ConfigError) as info:
        load_mapping(broken)
    assert info.value.field == "" and info.value.message.startswith("is not valid TOML (")
    assert "line 1" in info.value.message
