"""`ddl run --generation-mode=warehouse`: the generated T-SQL notebooks run on DuckDB."""

from __future__ import annotations

import pytest
from helpers import copy_project

from ingen_fab import api
from ingen_fab.errors import RunError

SAMPLE_ID = "Warehouses/Config_WH/002_Sample_Data_Ingestion/004_incremental_synthetic_data_sample_configs.sql"


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(tmp_path / "ws" / "spark"))
    root = copy_project(tmp_path / "p")
    api.compile_ddl(["warehouse"], project=root)
    return root


def test_warehouse_run_creates_the_same_tables_and_six_configs(project, tmp_path):
    report = api.run_ddl(["WAREHOUSE"], project=project)
    assert report.ran == [
        "ddl_wh_Config_WH_001_Initial_Creation",
        "ddl_wh_Config_WH_002_Sample_Data_Ingestion",
    ]
    assert (tmp_path / "ws/spark/.ingen_fab/warehouse/Config_WH.duckdb").is_file()
    columns, rows = api.warehouse_sql(
        "Config_WH",
        "SELECT config_id, write_mode, merge_keys, execution_group, import_sequence_order "
        "FROM config.config_flat_file_ingestion ORDER BY import_sequence_order",
    )
    assert columns[0] == "config_id"
    assert rows[3] == ("retail_orders_incremental", "append", None, 2, 4)
    assert rows[5] == ("retail_inventory_incremental", "merge", "store_id,product_id,date", 3, 6)
    from ingen_fab.runtime.schema import CONFIG_TABLE, LOG_TABLE

    for table in (CONFIG_TABLE, LOG_TABLE):
        names, _ = api.warehouse_sql(
            "Config_WH", f"SELECT TOP 0 * FROM {table.warehouse_schema}.{table.name}"
        )
        assert names == table.column_names
    api.run_ddl(["warehouse"], project=project)
    _, again = api.warehouse_sql("Config_WH", "SELECT COUNT(*) FROM config.config_flat_file_ingestion")
    assert again == [(8,)]  # the spec's six and the two history samples


def test_warehouse_drift_is_an_error_naming_the_script(project):
    api.run_ddl(["warehouse"], project=project)
    script = project / "ddl_scripts" / SAMPLE_ID
    script.write_text(script.read_text() + "\n-- edited after it ran\n")
    api.compile_ddl(["warehouse"], project=project)
    with pytest.raises(RunError, match="changed after it ran") as err:
        api.run_ddl(["warehouse"], project=project)
    assert SAMPLE_ID in str(err.value)
    api.run_ddl(["warehouse"], rerun=[SAMPLE_ID], project=project)
    _, rows = api.warehouse_sql("Config_WH", "SELECT COUNT(*) FROM config.config_flat_file_ingestion")
    assert rows == [(8,)]


def test_unsupported_tsql_is_rejected_at_compile_time_with_file_and_line(project):
    from ingen_fab.errors import CompileError

    bad = project / "ddl_scripts/Warehouses/Config_WH/003_Bad/001_bad.sql"
    bad.parent.mkdir(parents=True)
    bad.write_text("CREATE TABLE dbo.t (\n    id int,\n    name nvarchar(50)\n);\n")
    with pytest.raises(CompileError, match=r"003_Bad/001_bad.sql:3: .*nvarchar"):
        api.compile_ddl(["warehouse"], project=project)


def test_reverting_a_rerun_script_to_an_older_version_is_drift_too(project):
    api.run_ddl(["warehouse"], project=project)
    script = project / "ddl_scripts" / SAMPLE_ID
    original = script.read_text()
    script.write_text(original + "\n-- version 2\n")
    api.compile_ddl(["warehouse"], project=project)
    api.run_ddl(["warehouse"], rerun=[SAMPLE_ID], project=project)
    script.write_text(original)
    api.compile_ddl(["warehouse"], project=project)
    with pytest.raises(RunError, match="changed after it ran"):
        api.run_ddl(["warehouse"], project=project)
