"""Fabric git format: golden files, round-trip, determinism and item writing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from ingen_fab.errors import CompileError
from ingen_fab.notebooks import (
    Cell,
    LakehouseRef,
    Notebook,
    WarehouseRef,
    logical_id_for,
    read_notebook_content,
    render_notebook_content,
    render_platform,
    write_fabric_item,
)

GOLDEN = Path(__file__).parent / "golden" / "notebooks"


def pyspark_notebook() -> Notebook:
    return Notebook(
        display_name="load_customers",
        kernel="synapse_pyspark",
        description="Loads raw customers into the bronze lakehouse.",
        default_lakehouse=LakehouseRef(
            id="11111111-2222-4333-8444-555555555555",
            name="lh_bronze",
            workspace_id="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
        ),
        cells=[
            Cell(
                "markdown",
                "# Load customers\n\nReads `Files/raw/customers.csv` into `bronze.customers`.",
            ),
            Cell("parameters", 'run_date = "2024-01-01"\nbatch_size = 1000'),
            Cell(
                "code",
                'df = spark.read.option("header", "true").csv("Files/raw/customers.csv")\n'
                'df.write.mode("append").saveAsTable("bronze.customers")',
            ),
            Cell("code", "SELECT COUNT(*) AS n FROM bronze.customers;", "sparksql"),
        ],
    )


def tsql_notebook() -> Notebook:
    return Notebook(
        display_name="create_gold_tables",
        kernel="sqldatawarehouse",
        default_warehouse=WarehouseRef(id="99999999-8888-4777-8666-555555555555", name="wh_gold"),
        cells=[
            Cell("markdown", "Creates the `gold` schema and its `customers` table."),
            Cell("code", "IF SCHEMA_ID('gold') IS NULL EXEC('CREATE SCHEMA gold');", "tsql"),
            Cell(
                "code",
                "CREATE TABLE gold.customers (\n    customer_id int,\n    name varchar(200)\n);",
                "tsql",
            ),
        ],
    )


def golden(name: str) -> str:
    return (GOLDEN / f"{name}.golden").read_text(encoding="utf-8")


def test_pyspark_content_matches_golden():
    assert render_notebook_content(pyspark_notebook()) == golden(
        "load_customers.notebook-content.py"
    )


def test_tsql_content_matches_golden():
    assert render_notebook_content(tsql_notebook()) == golden(
        "create_gold_tables.notebook-content.sql"
    )


def test_platform_matches_golden():
    pyspark = render_platform(pyspark_notebook(), "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b")
    tsql = render_platform(tsql_notebook(), "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D")
    assert pyspark == golden("load_customers.platform")
    assert tsql == golden("create_gold_tables.platform")


def test_platform_rejects_a_logical_id_that_is_not_a_guid():
    with pytest.raises(CompileError, match=r"load_customers.*not a GUID"):
        render_platform(pyspark_notebook(), "not-a-guid")


def test_rendered_py_is_valid_python():
    compile(render_notebook_content(pyspark_notebook()), "notebook-content.py", "exec")


def python_kernel_notebook() -> Notebook:
    return Notebook(
        "python_tasks",
        "python",
        [Cell("parameters", "x = 1"), Cell("code", "print(x)"), Cell("markdown", "")],
    )


def test_python_kernel_uses_jupyter_kernel_info_and_group():
    text = render_notebook_content(python_kernel_notebook())
    assert '# META     "name": "jupyter",\n# META     "jupyter_kernel_name": "python3.11"' in text
    assert '"language_group": "jupyter_python"' in text
    assert '"dependencies": {}' in text
    compile(text, "notebook-content.py", "exec")


@pytest.mark.parametrize(
    "notebook",
    [
        pyspark_notebook(),
        tsql_notebook(),
        python_kernel_notebook(),
        Notebook(
            "edge cases",
            "synapse_pyspark",
            [
                Cell("code", ""),
                Cell("code", "\n"),
                Cell("code", "\nx = 1\n\n"),
                Cell("markdown", "a\n\n  b\n"),
                Cell("code", "", "sparksql"),
                Cell("code", "-- note\n\nSELECT 'é';\n", "sparksql"),
                Cell("markdown", "ends with markdown"),
            ],
        ),
    ],
    ids=["pyspark", "tsql", "python", "edge-cases"],
)
def test_round_trip_is_exact(tmp_path, notebook):
    text = render_notebook_content(notebook)
    path = tmp_path / "notebook-content.txt"
    path.write_text(text, encoding="utf-8")
    again = read_notebook_content(path)
    assert render_notebook_content(again) == text
    assert again.cells == notebook.cells
    assert again.kernel == notebook.kernel
    assert again.default_lakehouse == notebook.default_lakehouse


def test_read_takes_names_from_platform_and_stores_from_metadata(tmp_path):
    item = write_fabric_item(tsql_notebook(), tmp_path, "ddl/create_gold_tables")
    again = read_notebook_content(item / "notebook-content.sql")
    assert again.display_name == "create_gold_tables"
    assert again.default_warehouse == WarehouseRef("99999999-8888-4777-8666-555555555555", "")

    item = write_fabric_item(pyspark_notebook(), tmp_path, "ingest/load_customers")
    again = read_notebook_content(item / "notebook-content.py")
    assert again == pyspark_notebook()


def test_read_names_the_file_on_bad_input(tmp_path):
    path = tmp_path / "notebook-content.py"
    path.write_text("print('not a fabric notebook')\n", encoding="utf-8")
    with pytest.raises(CompileError, match=r"notebook-content\.py.*Fabric notebook source"):
        read_notebook_content(path)


def test_render_is_deterministic():
    assert render_notebook_content(pyspark_notebook()) == render_notebook_content(
        pyspark_notebook()
    )


def test_logical_id_is_stable_and_path_specific():
    first = logical_id_for("ingest/load_customers")
    assert first == logical_id_for("ingest/load_customers")
    assert first == logical_id_for("ingest\\load_customers")
    assert first != logical_id_for("ingest/load_orders")
    assert uuid.UUID(first).version == 5
    # Pinned: a change here re-identifies every deployed notebook.
    assert first == "11336df6-89b7-5d7d-a0fb-180a333e718f"


def test_write_fabric_item_layout_and_stable_mtimes(tmp_path):
    item = write_fabric_item(pyspark_notebook(), tmp_path, "ingest/load_customers")
    assert item == tmp_path / "load_customers.Notebook"
    assert sorted(p.name for p in item.iterdir()) == [".platform", "notebook-content.py"]
    content = (item / "notebook-content.py").read_bytes()
    assert b"\r\n" not in content
    assert content.decode("utf-8") == golden("load_customers.notebook-content.py")
    platform = json.loads((item / ".platform").read_text(encoding="utf-8"))
    assert platform["config"]["logicalId"] == logical_id_for("ingest/load_customers")

    mtimes = {p.name: p.stat().st_mtime_ns for p in item.iterdir()}
    for p in item.iterdir():
        p.touch()
        mtimes[p.name] = p.stat().st_mtime_ns
    write_fabric_item(pyspark_notebook(), tmp_path, "ingest/load_customers")
    assert {p.name: p.stat().st_mtime_ns for p in item.iterdir()} == mtimes


def test_write_fabric_item_removes_the_other_content_file(tmp_path):
    item = write_fabric_item(python_kernel_notebook(), tmp_path, "x")
    sql = Notebook("python_tasks", "sqldatawarehouse", [Cell("code", "SELECT 1", "tsql")])
    write_fabric_item(sql, tmp_path, "x")
    assert sorted(p.name for p in item.iterdir()) == [".platform", "notebook-content.sql"]


def test_source_line_that_looks_like_a_marker_is_refused():
    nb = Notebook("tricky", "synapse_pyspark", [Cell("code", "x = 1\n# CELL ********************")])
    with pytest.raises(CompileError, match=r"tricky.*cell 0 line 2"):
        render_notebook_content(nb)
