"""The Config_WH ddl scripts: lint clean, run on DuckDB through the ledger, six configs, twice."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2
import pytest
import sqlglot
from helpers import dataset_schemas

from ingen_fab.ddl.tsql import (
    TSQL_JINJA_GLOBALS,
    bootstrap_cell,
    lint_tsql,
    split_statements,
    wrap_script,
)
from ingen_fab.local.warehouse import query_warehouse, run_warehouse_cells
from ingen_fab.runtime.schema import CONFIG_TABLE

DDL_ROOT = Path(__file__).resolve().parents[1] / "ddl_scripts"
CONFIG_WH = DDL_ROOT / "Warehouses" / "Config_WH"
SAMPLE = (
    CONFIG_WH / "002_Sample_Data_Ingestion" / "004_incremental_synthetic_data_sample_configs.sql"
)

EXPECTED = [
    ("retail_customers_incremental", "Retail customers (daily snapshots)", "customers", "merge",
     "customer_id", "**/customers/*.csv", True, 1, 1),
    ("retail_products_incremental", "Retail products (daily snapshots)", "products", "merge",
     "product_id", "**/products/*.csv", True, 1, 2),
    ("retail_stores_incremental", "Retail stores (daily snapshots)", "stores", "merge",
     "store_id", "**/stores/*.csv", True, 1, 3),
    ("retail_orders_incremental", "Retail orders (daily new rows)", "orders", "append",
     None, "**/orders/*.csv", False, 2, 4),
    ("retail_order_items_incremental", "Retail order items (daily new rows)", "order_items",
     "append", None, "**/order_items/*.csv", False, 2, 5),
    ("retail_inventory_incremental", "Retail inventory (daily snapshots)", "inventory", "merge",
     "store_id,product_id,date", "**/inventory/*.csv", True, 3, 6),
]  # fmt: skip


def render(path: Path) -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals.update(TSQL_JINJA_GLOBALS)
    return env.from_string(path.read_text()).render()


def scripts() -> list[Path]:
    return sorted(CONFIG_WH.rglob("*.sql"))


def notebook_cells() -> list[str]:
    cells = [bootstrap_cell()]
    for path in scripts():
        source = path.read_text()
        script_id = path.relative_to(DDL_ROOT).as_posix()
        content_hash = hashlib.sha256(source.encode()).hexdigest()
        cells.append(wrap_script(script_id, content_hash, split_statements(render(path))))
    return cells


def test_the_four_scripts_exist():
    assert [p.relative_to(CONFIG_WH).as_posix() for p in scripts()] == [
        "001_Initial_Creation/001_config_flat_file_ingestion_create.sql",
        "001_Initial_Creation/002_log_flat_file_ingestion_create.sql",
        "002_Sample_Data_Ingestion/004_incremental_synthetic_data_sample_configs.sql",
        "002_Sample_Data_Ingestion/005_history_sample_configs.sql",
    ]


@pytest.mark.parametrize("path", scripts(), ids=lambda p: p.name)
def test_scripts_lint_clean_and_cells_parse(path):
    lint_tsql(render(path), str(path))
    for cell in notebook_cells():
        sqlglot.parse(cell, read="tsql")


def test_sample_merge_transpiles_and_runs_twice_on_duckdb(tmp_path):
    db = str(tmp_path / "wh.duckdb")
    run_warehouse_cells([render(next(iter(scripts())))], db)  # the config table, unwrapped
    merge = split_statements(render(SAMPLE))
    assert len(merge) == 1
    assert sqlglot.transpile(merge[0], read="tsql", write="duckdb")[0].startswith("MERGE INTO")
    run_warehouse_cells(merge, db)
    first = query_warehouse(
        db, "SELECT config_id, created_date FROM config.config_flat_file_ingestion"
    )
    run_warehouse_cells(merge, db)
    second = query_warehouse(
        db, "SELECT config_id, created_date FROM config.config_flat_file_ingestion"
    )
    assert len(first) == 6 and sorted(first) == sorted(second)  # upsert keeps created_date


def test_config_wh_run_creates_tables_and_six_configs_twice(tmp_path):
    db = str(tmp_path / "warehouse" / "Config_WH.duckdb")
    cells = notebook_cells()
    first = run_warehouse_cells(cells, db)
    assert first.counts == {"run": 4, "skipped": 0, "failed": 0}
    second = run_warehouse_cells(cells, db)
    assert second.counts == {"run": 0, "skipped": 4, "failed": 0}

    tables = query_warehouse(
        db, "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
    )
    assert tables == [
        ("config", "config_flat_file_ingestion"),
        ("log", "ddl_script_executions"),
        ("log", "log_flat_file_ingestion"),
    ]
    rows = query_warehouse(
        db,
        "SELECT config_id, config_name, target_table_name, write_mode, merge_keys, "
        "file_discovery_pattern, skip_existing_dates, execution_group, import_sequence_order "
        "FROM config.config_flat_file_ingestion ORDER BY import_sequence_order",
    )
    assert rows[:6] == EXPECTED
    assert [r[:4] for r in rows[6:]] == [
        ("retail_products_history", "Retail products (history of the daily snapshots)",
         "products_history", "scd2"),
        ("retail_customers_changes", "Retail customers (change feed applied)",
         "customers_current", "cdc"),
    ]
    common = query_warehouse(
        db,
        "SELECT DISTINCT source_file_path, source_file_format, file_delimiter, has_header, "
        "encoding, target_schema_name, import_pattern, "
        "date_partition_format, batch_import_enabled, CAST(date_range_start AS varchar(10)), "
        "CAST(date_range_end AS varchar(10)), table_relationship_group, "
        "error_handling_strategy, active_yn FROM config.config_flat_file_ingestion "
        "WHERE execution_group < 4",
    )
    assert common == [
        ("Files/synthetic_data/retail_oltp_incremental", "csv", ",", True, "utf-8",
         "bronze", "date_partitioned", "YYYY/MM/DD", True, "2024-01-01", "2024-01-30",
         "retail_oltp", "log", "Y"),
    ]  # fmt: skip
    schemas = query_warehouse(
        db, "SELECT target_table_name, custom_schema_json FROM config.config_flat_file_ingestion "
        "WHERE execution_group < 4",
    )
    assert {t: json.loads(s) for t, s in schemas} == dataset_schemas()
    assert query_warehouse(
        db, "SELECT COUNT(*) FROM config.config_flat_file_ingestion WHERE created_date IS NULL"
    ) == [(0,)]
    assert set(CONFIG_TABLE.column_names) == {
        r[0]
        for r in query_warehouse(
            db,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'config_flat_file_ingestion'",
        )
    }
