"""Notebook model validation: errors name the notebook and say what is wrong."""

from __future__ import annotations

import pytest

from ingen_fab.errors import CompileError
from ingen_fab.notebooks import Cell, LakehouseRef, Notebook, WarehouseRef

LAKEHOUSE = LakehouseRef("11111111-2222-4333-8444-555555555555", "lh", "w")


def test_two_parameters_cells_are_refused():
    cells = [Cell("parameters", "a = 1"), Cell("code", "pass"), Cell("parameters", "b = 2")]
    with pytest.raises(CompileError, match=r"notebook 'nb'.*2 parameters cells"):
        Notebook("nb", "synapse_pyspark", cells)


def test_tsql_cell_in_a_pyspark_notebook_is_refused():
    with pytest.raises(CompileError, match=r"notebook 'nb'.*cell 1 \(code\) is tsql"):
        Notebook("nb", "synapse_pyspark", [Cell("markdown", "x"), Cell("code", "SELECT 1", "tsql")])


def test_python_cell_in_a_tsql_notebook_is_refused():
    with pytest.raises(CompileError, match="only tsql cells"):
        Notebook("nb", "sqldatawarehouse", [Cell("code", "print(1)")])


@pytest.mark.parametrize(
    ("kernel", "cell", "message"),
    [
        ("spark", Cell("code", "x"), "unknown kernel 'spark'"),
        ("synapse_pyspark", Cell("raw", "x"), "unknown kind 'raw'"),
        ("synapse_pyspark", Cell("code", "x", "scala"), "unknown language 'scala'"),
        ("python", Cell("code", "SELECT 1", "sparksql"), "no Spark session"),
        ("synapse_pyspark", Cell("parameters", "SET x = 1", "sparksql"), "must be python"),
        ("synapse_pyspark", Cell("code", "a = 1\r\nb = 2"), "carriage return"),
    ],
)
def test_unknown_or_misplaced_values_are_refused(kernel, cell, message):
    with pytest.raises(CompileError, match=message):
        Notebook("nb", kernel, [cell])


@pytest.mark.parametrize("name", ["", " padded", "a/b", "a\\b", "what?", "dot.", "..", "tab\tx"])
def test_display_name_must_be_a_folder_name(name):
    with pytest.raises(CompileError, match="display_name"):
        Notebook(name, "synapse_pyspark", [])


def test_display_name_may_hold_spaces_and_unicode():
    assert Notebook("Kunden täglich laden", "synapse_pyspark", []).cells == []


def test_stores_must_match_the_kernel():
    with pytest.raises(CompileError, match="default_warehouse, not a default_lakehouse"):
        Notebook("nb", "sqldatawarehouse", [], default_lakehouse=LAKEHOUSE)
    with pytest.raises(CompileError, match="default_lakehouse, not a default_warehouse"):
        Notebook("nb", "python", [], default_warehouse=WarehouseRef("id", "wh"))


def test_writers_revalidate_a_notebook_changed_after_construction():
    from ingen_fab.notebooks import render_notebook_content, to_ipynb

    nb = Notebook("nb", "synapse_pyspark", [Cell("parameters", "a = 1")])
    nb.cells.append(Cell("parameters", "b = 2"))
    with pytest.raises(CompileError, match="parameters cells"):
        render_notebook_content(nb)
    with pytest.raises(CompileError, match="parameters cells"):
        to_ipynb(nb)


def test_markdown_language_is_ignored():
    assert Notebook("nb", "sqldatawarehouse", [Cell("markdown", "# hi")]).cells
