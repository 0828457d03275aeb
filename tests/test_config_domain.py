"""The config domain is declared once: the allowed values of every enumerated column come
from ingestion's registries (config.ENUMERATIONS); the DDL's column descriptions and the
README's config table must list exactly those values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingen_fab.runtime.ingestion import formats, modes
from ingen_fab.runtime.ingestion.config import ENUMERATIONS
from ingen_fab.runtime.schema import CONFIG_TABLE

README = Path(__file__).resolve().parents[1] / "README.md"


def test_registries_give_the_allowed_formats_and_write_modes():
    assert ENUMERATIONS["source_file_format"] == tuple(formats.FORMATS)
    assert ENUMERATIONS["write_mode"] == tuple(modes.MODES)
    for name, fmt in formats.FORMATS.items():
        assert fmt.name == name and fmt.description
    for name, mode in modes.MODES.items():
        assert mode.name == name and mode.description


@pytest.mark.parametrize("column", sorted(ENUMERATIONS))
def test_ddl_description_lists_exactly_the_allowed_values(column):
    """Descriptions read "a, b or c": the values, nothing more, nothing less."""
    described = {c.name: c.description for c in CONFIG_TABLE.columns}[column]
    listed = re.split(r", | or ", described)
    assert sorted(listed) == sorted(ENUMERATIONS[column]), (
        f"runtime/schema.py: describe {column} as "
        f"{', '.join(ENUMERATIONS[column][:-1])} or {ENUMERATIONS[column][-1]}"
    )


@pytest.mark.parametrize("column", sorted(ENUMERATIONS))
def test_readme_config_table_names_every_allowed_value(column):
    row = next(
        (line for line in README.read_text().splitlines() if line.startswith(f"| `{column}` |")),
        None,
    )
    assert row is not None, f"README.md: the config table has no row for {column}"
    missing = [v for v in ENUMERATIONS[column] if f"`{v}`" not in row]
    assert not missing, f"README.md: the {column} row does not describe {missing}"
