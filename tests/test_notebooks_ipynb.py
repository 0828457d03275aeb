"""The .ipynb writer: valid nbformat 4.5, papermill parameters, Spark SQL as spark.sql()."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from ingen_fab.notebooks import (
    Cell,
    Notebook,
    read_notebook_content,
    spark_sql_as_python,
    split_sql_statements,
    to_ipynb,
    write_ipynb,
)

GOLDEN = Path(__file__).parent / "golden" / "notebooks"


def pyspark_notebook() -> Notebook:
    """The golden PySpark notebook: markdown, parameters, code and Spark SQL cells."""
    return read_notebook_content(GOLDEN / "load_customers.notebook-content.py.golden")


def tsql_notebook() -> Notebook:
    return read_notebook_content(GOLDEN / "create_gold_tables.notebook-content.sql.golden")


def test_pyspark_notebook_is_valid_and_runs_on_python3():
    node = to_ipynb(pyspark_notebook())
    nbformat.validate(node)
    assert (node.nbformat, node.nbformat_minor) == (4, 5)
    assert node.metadata.kernelspec.name == "python3"
    assert node.metadata.kernelspec.language == "python"
    assert [c.cell_type for c in node.cells] == ["markdown", "code", "code", "code"]


def test_parameters_cell_is_tagged_and_no_other():
    node = to_ipynb(pyspark_notebook())
    tagged = [c for c in node.cells if "parameters" in c.metadata.get("tags", [])]
    assert node.cells[1].metadata.tags == ["parameters"]
    assert [c.source for c in tagged] == ['run_date = "2024-01-01"\nbatch_size = 1000']


def test_cell_ids_are_stable_and_unique():
    first = [c.id for c in to_ipynb(pyspark_notebook()).cells]
    assert first == [c.id for c in to_ipynb(pyspark_notebook()).cells]
    assert len(set(first)) == len(first)
    other = Notebook("other", "synapse_pyspark", [Cell("code", "x = 1")])
    assert to_ipynb(other).cells[0].id not in first


def test_spark_sql_cell_becomes_spark_sql_calls():
    source = to_ipynb(pyspark_notebook()).cells[3].source
    assert source.splitlines()[1:] == ["spark.sql('SELECT COUNT(*) AS n FROM bronze.customers')"]
    compile(source, "cell", "exec")


def test_spark_sql_values_are_python_literals_not_pasted_text():
    sql = "INSERT INTO t VALUES ('it''s', \"a\\\"b\", '\"\"\"');\nSELECT 1"
    source = spark_sql_as_python(sql)
    calls = [ast.literal_eval(node.value.args[0]) for node in ast.parse(source).body]
    assert calls == split_sql_statements(sql)
    assert calls[0] == "INSERT INTO t VALUES ('it''s', \"a\\\"b\", '\"\"\"')"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT ';' AS x; SELECT 2", ["SELECT ';' AS x", "SELECT 2"]),
        ('SELECT "a;b"', ['SELECT "a;b"']),
        ("SELECT `we;ird` FROM t", ["SELECT `we;ird` FROM t"]),
        ("SELECT 1 -- a; comment\n; SELECT 2", ["SELECT 1 -- a; comment", "SELECT 2"]),
        ("/* a; /* nested; */ b; */ SELECT 1;", ["/* a; /* nested; */ b; */ SELECT 1"]),
        ("SELECT 'a\\';b'", ["SELECT 'a\\';b'"]),
        ("-- only a comment;\n;  ;", []),
        ("", []),
    ],
)
def test_split_sql_statements(sql, expected):
    assert split_sql_statements(sql) == expected


def test_tsql_notebook_is_written_for_viewing():
    node = to_ipynb(tsql_notebook())
    nbformat.validate(node)
    assert node.metadata.kernelspec.name == "sqldatawarehouse"
    assert node.metadata.kernelspec.language == "sql"
    assert node.cells[1].source == "IF SCHEMA_ID('gold') IS NULL EXEC('CREATE SCHEMA gold');"


def test_write_ipynb_is_deterministic_and_keeps_mtime(tmp_path):
    path = write_ipynb(pyspark_notebook(), tmp_path / "out" / "load_customers.ipynb")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "\r\n" not in text
    assert text.startswith('{\n "cells": [\n  {\n')
    assert nbformat.reads(text, as_version=4).cells[1].metadata.tags == ["parameters"]
    assert json.loads(text)["metadata"]["kernelspec"]["name"] == "python3"

    path.touch()
    before = path.stat().st_mtime_ns
    write_ipynb(pyspark_notebook(), path)
    assert path.stat().st_mtime_ns == before
    assert path.read_text(encoding="utf-8") == text
