"""`ddl run` end to end: papermill runs the generated notebooks on real Spark + Delta."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest
from helpers import copy_project

from ingen_fab import api
from ingen_fab.errors import RunError

pytestmark = [pytest.mark.spark, pytest.mark.papermill]

LEDGER = "Tables/dbo/ddl_script_executions"
SAMPLE_ID = "Lakehouses/Config/002_Sample_Data_Ingestion/004_incremental_synthetic_data_sample_configs.py"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project copy whose lakehouse DDL has run once."""
    root = tmp_path_factory.mktemp("ddl_project")
    project = copy_project(root / "p")
    lakehouse = root / "ws" / "spark"
    mp = pytest.MonkeyPatch()
    mp.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(lakehouse))
    api.compile_ddl(["lakehouse"], project=project)
    first = api.run_ddl(["lakehouse"], project=project)
    yield {"project": project, "lakehouse": lakehouse, "first": first}
    mp.undo()


def _table(spark, lakehouse, rel):
    return spark.read.format("delta").load(str(lakehouse / rel))


def test_first_run_creates_tables_the_six_spec_configs_and_two_history_ones(project, spark):
    assert project["first"].ran == [
        "ddl_lh_Config_001_Initial_Creation",
        "ddl_lh_Config_002_Sample_Data_Ingestion",
    ]
    lakehouse = project["lakehouse"]
    configs = {r.config_id: r for r in _table(spark, lakehouse, "Tables/dbo/config_flat_file_ingestion").collect()}
    spec = sorted(
        f"retail_{t}_incremental"
        for t in ("customers", "products", "stores", "orders", "order_items", "inventory")
    )
    assert sorted(configs) == sorted([*spec, "retail_products_history", "retail_customers_changes"])
    history = configs.pop("retail_products_history")
    assert (history.write_mode, history.merge_keys, history.snapshot_deletes,
            history.execution_group) == ("scd2", "product_id", "close", 4)
    changes = configs.pop("retail_customers_changes")
    assert (changes.write_mode, changes.merge_keys, changes.file_discovery_pattern,
            changes.execution_group) == ("cdc", "customer_id", "**/customers_changes/*.csv", 4)
    orders = configs["retail_orders_incremental"]
    assert (orders.write_mode, orders.merge_keys, orders.skip_existing_dates) == ("append", None, False)
    assert (orders.execution_group, orders.import_sequence_order) == (2, 4)
    assert orders.file_discovery_pattern == "**/orders/*.csv"
    inventory = configs["retail_inventory_incremental"]
    assert inventory.merge_keys == "store_id,product_id,date" and inventory.execution_group == 3
    customers = configs["retail_customers_incremental"]
    assert (customers.write_mode, customers.merge_keys, customers.skip_existing_dates) == (
        "merge", "customer_id", True,
    )
    for row in configs.values():
        assert row.import_pattern == "date_partitioned"
        assert row.date_partition_format == "YYYY/MM/DD"
        assert row.table_relationship_group == "retail_oltp"
        assert row.target_schema_name == "bronze"
        assert row.batch_import_enabled is True
        assert (row.date_range_start, row.date_range_end) == (
            datetime.date(2024, 1, 1), datetime.date(2024, 1, 30),
        )
    log_columns = _table(spark, lakehouse, "Tables/dbo/log_flat_file_ingestion").columns
    for column in ("log_id", "config_id", "execution_id", "records_processed",
                   "execution_duration_seconds", "error_message", "error_details"):
        assert column in log_columns


def test_the_config_table_is_queryable_by_name_from_the_cli(project):
    result = subprocess.run(
        [sys.executable, "-m", "ingen_fab.cli", "lakehouse", "sql",
         "SELECT config_id FROM config_flat_file_ingestion ORDER BY config_id"],
        capture_output=True, text=True, env=_env(project),
    )
    assert result.returncode == 0, result.stderr
    assert "retail_orders_incremental" in result.stdout and "(8 rows)" in result.stdout


def _env(project):
    import os

    return {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(project["lakehouse"])}


def test_second_run_skips_every_script_and_keeps_eight_rows(project, spark, monkeypatch):
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(project["lakehouse"]))
    report = api.run_ddl(["lakehouse"], project=project["project"])
    assert [outcome for _, outcome in report.scripts] == ["skipped"] * 4
    assert project["first"].scripts == [(script_id, "ran") for script_id, _ in report.scripts]
    lakehouse = project["lakehouse"]
    assert _table(spark, lakehouse, "Tables/dbo/config_flat_file_ingestion").count() == 8


def test_edited_script_stops_with_drift_error_then_explicit_rerun_upserts(project, spark, monkeypatch):
    monkeypatch.setenv("INGEN_FAB_LAKEHOUSE_ROOT", str(project["lakehouse"]))
    root = project["project"]
    script = root / "ddl_scripts" / SAMPLE_ID
    script.write_text(script.read_text() + "# an edit after the script ran\n")
    api.compile_ddl(["lakehouse"], project=root)
    with pytest.raises(RunError) as err:
        api.run_ddl(["lakehouse"], project=root)
    assert SAMPLE_ID in str(err.value) and "changed after it ran" in str(err.value)
    api.run_ddl(["lakehouse"], rerun=[SAMPLE_ID], project=root)
    lakehouse = project["lakehouse"]
    assert _table(spark, lakehouse, "Tables/dbo/config_flat_file_ingestion").count() == 8
    ledger = _table(spark, lakehouse, LEDGER).where(f"script_id = '{SAMPLE_ID}'")
    assert ledger.where("status = 'success'").select("content_hash").distinct().count() == 2


def test_failing_script_is_recorded_stops_the_run_and_exits_nonzero(project, spark):
    root = project["project"]
    broken = root / "ddl_scripts/Lakehouses/Config/003_Broken/001_fail.py"
    broken.parent.mkdir(parents=True)
    broken.write_text("raise ValueError('boom from a ddl script')\n")
    after = root / "ddl_scripts/Lakehouses/Config/004_After/001_never.py"
    after.parent.mkdir(parents=True)
    after.write_text("spark.sql('CREATE TABLE never_created (x INT) USING DELTA')\n")
    env = _env(project)
    compiled = subprocess.run(
        [sys.executable, "-m", "ingen_fab.cli", "ddl", "compile", "--generation-mode=lakehouse"],
        capture_output=True, text=True, cwd=root, env=env,
    )
    assert compiled.returncode == 0, compiled.stderr
    result = subprocess.run(
        [sys.executable, "-m", "ingen_fab.cli", "ddl", "run", "--generation-mode=lakehouse"],
        capture_output=True, text=True, cwd=root, env=env,
    )
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert "Lakehouses/Config/003_Broken/001_fail.py" in error and "boom from a ddl script" in error
    lakehouse = project["lakehouse"]
    failed = _table(spark, lakehouse, LEDGER).where("status = 'failed'").collect()
    assert [r.script_id for r in failed] == ["Lakehouses/Config/003_Broken/001_fail.py"]
    assert not (lakehouse / "Tables/dbo/never_created").exists()
