"""Notebook parameters read the same from papermill (Python values) and from a Fabric Data
Pipeline (every value as text)."""

from __future__ import annotations

import json
import re

import pytest
from helpers import REPO

from ingen_fab.runtime.errors import UserError
from ingen_fab.runtime.params import ParameterError, as_bool, as_int, as_text


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (None, False), (0, False), (1, True),
    ("True", True), ("true", True), (" TRUE ", True), ("1", True), ("yes", True), ("on", True),
    ("False", False), ("false", False), ("0", False), ("", False), ("no", False), ("off", False),
    ("None", False),
])
def test_booleans_from_values_and_pipeline_text(value, expected):
    assert as_bool("dry_run", value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", 2, "ja"])
def test_a_value_that_is_no_boolean_names_the_parameter(value):
    with pytest.raises(ParameterError, match=r"^parameter dry_run: .* is not a boolean; pass true or false$"):
        as_bool("dry_run", value)


@pytest.mark.parametrize("value, expected", [
    (3, 3), ("3", 3), (" 3 ", 3), ("3.0", 3), (3.0, 3), ("-1", -1), ("", 0), (None, 0), ("None", 0),
])
def test_integers_from_values_and_pipeline_text(value, expected):
    assert as_int("stop_after_files", value, 0) == expected


@pytest.mark.parametrize("value", ["3.5", "three", True])
def test_a_value_that_is_no_whole_number_names_the_parameter(value):
    with pytest.raises(ParameterError, match=r"^parameter execution_group: .* is not a whole number$"):
        as_int("execution_group", value)


@pytest.mark.parametrize("value", ["", None, "  "])
def test_an_empty_required_integer_is_an_error_not_every_group(value):
    with pytest.raises(ParameterError, match="parameter execution_group is empty"):
        as_int("execution_group", value)
    assert issubclass(ParameterError, UserError)


def test_text_is_stripped_and_empty_text_is_none():
    assert as_text(" 2024-01-02 ") == "2024-01-02"
    assert as_text("") is None and as_text(None) is None and as_text("null") is None


def _code(path) -> str:
    """The notebook's own code cells (the embedded runtime's sources left out)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join(c for c in code if "_INGEN_FAB_RUNTIME_SOURCES" not in c)


def _parameters(path) -> list[str]:
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            return re.findall(r"^(\w+) = ", "".join(cell["source"]), flags=re.MULTILINE)
    return []


def test_no_generated_notebook_reads_a_parameter_with_bool_or_int():
    notebooks = sorted((REPO / "generated_notebooks" / "ipynb").rglob("*.ipynb"))
    assert notebooks
    checked = 0
    for path in notebooks:
        code = _code(path)
        for name in _parameters(path):
            assert not re.search(rf"\b(bool|int)\(\s*{name}\b", code), (path.name, name)
            checked += 1
    assert checked >= 10
