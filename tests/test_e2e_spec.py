"""The spec's execution strategy end to end, at small scale over 30 days, through the CLI/api:
generate -> ddl compile -> ddl run -> groups 1, 2, 3 (papermill on real Spark + Delta).

One lakehouse is built once per module (it takes minutes); each test reads it and the tests that
change it work on a copy or restore what they touched.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO, copy_project

from ingen_fab import api

pytestmark = [pytest.mark.spark, pytest.mark.papermill]

DATASET = "retail_oltp_incremental"
TABLES = ("customers", "products", "stores", "orders", "order_items", "inventory")
KEYS = {
    "customers": ("customer_id",),
    "products": ("product_id",),
    "stores": ("store_id",),
    "orders": ("order_id",),
    "order_items": ("order_item_id",),
    "inventory": ("store_id", "product_id", "date"),
}
VOLATILE = ("_ingestion_timestamp", "_ingestion_execution_id")


def _data_dir(lakehouse: Path) -> Path:
    return lakehouse / "Files" / "synthetic_data" / DATASET


def _generate(lakehouse: Path, start: str, end: str) -> None:
    from ingen_fab.synthetic.api import generate_series

    generate_series(DATASET, start, end, output_dir=str(_data_dir(lakehouse)))


def _build(root: Path) -> dict:
    """A project copy with committed notebooks, 30 days generated, DDL run."""
    project = copy_project(root / "project", with_generated=True)
    lakehouse = root / "ws" / "spark"
    os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = str(lakehouse)
    _generate(lakehouse, "2024-01-01", "2024-01-30")
    api.run_ddl(["lakehouse"], project=project)
    return {"project": project, "lakehouse": lakehouse}


def _clone(world, dest: Path) -> dict:
    """A copy of the world's lakehouse (Delta logs hold relative paths), same project."""
    lakehouse = dest / "ws" / "spark"
    shutil.copytree(world["lakehouse"], lakehouse)
    return {"project": world["project"], "lakehouse": lakehouse}


def _run(world, **kwargs):
    os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = str(world["lakehouse"])
    return api.run_flat_file_ingestion(project=world["project"], **kwargs)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The world before any ingestion (30 days generated, DDL run), built once; tests copy it."""
    saved = os.environ.get("INGEN_FAB_LAKEHOUSE_ROOT")
    yield _build(tmp_path_factory.mktemp("e2e-base"))
    if saved is None:
        os.environ.pop("INGEN_FAB_LAKEHOUSE_ROOT", None)
    else:
        os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = saved


@pytest.fixture(scope="module")
def world(base, tmp_path_factory, spark):
    saved = os.environ.get("INGEN_FAB_LAKEHOUSE_ROOT")
    world = _clone(base, tmp_path_factory.mktemp("e2e"))
    reports = [_run(world, execution_groups=[g]) for g in (1, 2, 3)]
    world["reports"] = reports
    world["fingerprints"] = {t: fingerprint(spark, world, t) for t in TABLES}
    yield world
    if saved is None:
        os.environ.pop("INGEN_FAB_LAKEHOUSE_ROOT", None)
    else:
        os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = saved


def _bronze(spark, world, table):
    return spark.read.format("delta").load(str(world["lakehouse"] / "Tables" / "bronze" / table))


def _csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _files(world, table) -> list[Path]:
    return sorted(_data_dir(world["lakehouse"]).glob(f"*/*/*/{table}/*.csv"))


def fingerprint(spark, world, table) -> str:
    """The rows of a bronze table, without the per-run lineage columns, as one order-free
    digest computed in Spark: the row count and two sums of 64-bit row hashes (any changed,
    missing or extra row changes it)."""
    from pyspark.sql import functions as F

    frame = _bronze(spark, world, table)
    columns = sorted(c for c in frame.columns if c not in VOLATILE)
    values = [F.coalesce(F.col(c).cast("string"), F.lit("\u0000")) for c in columns]
    total = frame.agg(
        F.count(F.lit(1)),
        F.sum(F.xxhash64(*values).cast("decimal(38,0)")),
        F.sum(F.xxhash64(F.lit("salt"), *values).cast("decimal(38,0)")),
    ).first()
    return f"{columns}: {tuple(total)}"


def test_every_group_completed_and_the_log_shows_six_configs(world, spark):
    statuses = {c["config_id"]: c["status"] for r in world["reports"] for c in r.configs}
    assert statuses == {f"retail_{t}_incremental": "completed" for t in TABLES}
    assert not any(r.failed for r in world["reports"])
    log = spark.read.format("delta").load(
        str(world["lakehouse"] / "Tables/dbo/log_flat_file_ingestion")
    )
    completed = log.where("status = 'completed'").select("config_id").distinct().collect()
    assert len(completed) == 6


def test_the_run_log_tables_skip_column_statistics_and_the_targets_keep_them(world, spark):
    from delta.tables import DeltaTable

    def props(table):
        path = str(world["lakehouse"] / "Tables" / table)
        return DeltaTable.forPath(spark, path).detail().collect()[0]["properties"]

    for table in ("dbo/log_flat_file_ingestion", "dbo/log_flat_file_ingestion_files"):
        assert props(table).get("delta.dataSkippingNumIndexedCols") == "0", table
    assert "delta.dataSkippingNumIndexedCols" not in props("bronze/orders")


def test_snapshot_tables_hold_every_keys_latest_row(world, spark):
    """merge with snapshot_deletes ignore: the last date's snapshot, plus the products
    hard-deleted on the way at the state they were last seen in."""
    for table in ("customers", "products", "stores"):
        key = KEYS[table][0]
        expected = {}
        for path in _files(world, table):
            expected.update((row[key], row) for row in _csv_rows(path))
        last = {row[key] for row in _csv_rows(_files(world, table)[-1])}
        assert (len(expected) > len(last)) == (table == "products"), table
        got = {str(r[key]): r for r in _bronze(spark, world, table).collect()}
        assert sorted(got) == sorted(expected), table
        rows = list(expected.values())
        sample = rows[:: max(1, len(rows) // 50)] + [r for k, r in expected.items() if k not in last]
        for row in sample:
            loaded = got[row[key]]
            for column, value in row.items():
                assert _same(loaded[column], value), (table, column, loaded[column], value)


def _same(actual, text: str) -> bool:
    """A loaded value equals the CSV text it came from (numbers compared as numbers)."""
    if actual is None:
        return text == ""
    if isinstance(actual, float):
        return abs(actual - float(text)) < 1e-9
    return str(actual) == text


def test_incremental_tables_hold_every_daily_row_once(world, spark):
    for table in ("orders", "order_items", "inventory"):
        expected = sum(len(_csv_rows(p)) for p in _files(world, table))
        frame = _bronze(spark, world, table)
        assert frame.count() == expected, table
        assert frame.select(*KEYS[table]).distinct().count() == expected, (
            f"duplicate keys in {table}"
        )


def test_lineage_columns_on_every_row(world, spark):
    frame = _bronze(spark, world, "orders")
    for column in (
        "_ingestion_timestamp",
        "_ingestion_execution_id",
        "_source_file_path",
        "_source_date_partition",
    ):
        assert frame.where(f"{column} IS NULL").count() == 0
    mismatched = frame.where("CAST(order_date AS DATE) <> _source_date_partition").count()
    assert mismatched == 0


SPEC_STATUS = """SELECT 
    config_id,
    execution_id,
    status,
    records_processed,
    records_inserted,
    records_updated,
    execution_duration_seconds,
    error_message
FROM log_flat_file_ingestion
WHERE config_id LIKE 'retail_%_incremental%'
ORDER BY job_start_time DESC;"""

SPEC_COVERAGE = """-- Check date coverage
SELECT 
    'customers' as table_name,
    DATE_TRUNC('day', _ingestion_timestamp) as ingestion_date,
    COUNT(*) as record_count
FROM bronze.customers
GROUP BY DATE_TRUNC('day', _ingestion_timestamp)

UNION ALL

SELECT 
    'orders' as table_name,
    DATE_TRUNC('day', order_date) as ingestion_date,
    COUNT(*) as record_count  
FROM bronze.orders
GROUP BY DATE_TRUNC('day', order_date)

ORDER BY table_name, ingestion_date;"""

SPEC_RI = """-- Verify order-customer relationships
SELECT 
    COUNT(*) as total_orders,
    COUNT(DISTINCT o.customer_id) as unique_customers,
    COUNT(c.customer_id) as valid_customer_refs
FROM bronze.orders o
LEFT JOIN bronze.customers c ON o.customer_id = c.customer_id
WHERE o.order_date >= '2024-01-01';"""


def _cli(world, *args):
    env = {**os.environ, "INGEN_FAB_LAKEHOUSE_ROOT": str(world["lakehouse"])}
    return subprocess.run(
        [sys.executable, "-m", "ingen_fab.cli", *args],
        capture_output=True,
        text=True,
        cwd=world["project"],
        env=env,
    )


def _table_rows(stdout: str) -> list[list[str]]:
    lines = [line for line in stdout.strip().splitlines() if line and not line.startswith("(")]
    return [line.split() for line in lines[2:]]


def test_the_spec_monitoring_queries_run_verbatim_with_the_right_answers(world):
    status = _cli(world, "lakehouse", "sql", SPEC_STATUS)
    assert status.returncode == 0, status.stderr
    rows = _table_rows(status.stdout)
    assert len(rows) == 6 and {r[2] for r in rows} == {"completed"}
    coverage = _cli(world, "lakehouse", "sql", SPEC_COVERAGE)
    assert coverage.returncode == 0, coverage.stderr
    orders_days = [r for r in _table_rows(coverage.stdout) if r[0] == "orders"]
    assert len(orders_days) == 30
    assert sum(int(r[-1]) for r in orders_days) == sum(
        len(_csv_rows(p)) for p in _files(world, "orders")
    )
    ri = _cli(world, "lakehouse", "sql", SPEC_RI)
    assert ri.returncode == 0, ri.stderr
    ((total, unique, valid),) = _table_rows(ri.stdout)
    assert int(total) > 0 and total == valid and 0 < int(unique) <= int(total)


def test_verify_reports_no_problem(world):
    result = _cli(world, "package", "flat-file-ingestion", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "30/30 dates" in result.stdout


def test_dry_run_lists_nothing_pending_and_writes_nothing(world):
    before = sorted(
        p.name for p in (world["lakehouse"] / "Tables/bronze/orders/_delta_log").iterdir()
    )
    result = _cli(
        world,
        "run",
        "package",
        "flat-file-ingestion",
        "run",
        "--execution-group=2",
        "--dry-run",
        "--end-date",
        "2024-01-31",
    )
    assert result.returncode == 0, result.stderr
    assert "retail_orders_incremental: 0 files" in result.stdout
    after = sorted(
        p.name for p in (world["lakehouse"] / "Tables/bronze/orders/_delta_log").iterdir()
    )
    assert before == after


def test_rerun_changes_nothing_then_five_more_days_load_only_those(world, spark, tmp_path):
    world = _clone(world, tmp_path)
    before = {t: fingerprint(spark, world, t) for t in TABLES}
    rerun = _run(world)
    assert {c["status"] for c in rerun.configs} == {"no_new_data"}
    assert {t: fingerprint(spark, world, t) for t in TABLES} == before

    orders_before = _bronze(spark, world, "orders").count()
    _generate(world["lakehouse"], "2024-01-31", "2024-02-04")
    more = _run(world, end_date="2024-02-04")
    assert not more.failed
    loaded = {c["config_id"]: c["dates_loaded"] for c in more.configs}
    assert all(len(days) == 5 and days[0] == "2024-01-31" for days in loaded.values()), loaded
    new_orders = sum(len(_csv_rows(p)) for p in _files(world, "orders")[-5:])
    assert _bronze(spark, world, "orders").count() == orders_before + new_orders


def test_rewriting_one_days_orders_replaces_exactly_that_days_rows(world, spark, tmp_path):
    world = _clone(world, tmp_path)
    day_file = _files(world, "orders")[9]
    assert day_file.name == "orders_20240110.csv"
    rows = _csv_rows(day_file)
    kept = rows[: len(rows) // 2]
    kept[0] = {**kept[0], "order_status": "cancelled"}
    with open(day_file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    report = _run(world, config_id="retail_orders_incremental")
    (result,) = report.configs
    assert result["dates_loaded"] == ["2024-01-10"]
    frame = _bronze(spark, world, "orders")
    day = frame.where("_source_date_partition = DATE'2024-01-10'")
    assert day.count() == len(kept)
    assert day.where(f"order_id = {kept[0]['order_id']}").first().order_status == "cancelled"
    others = frame.where("_source_date_partition <> DATE'2024-01-10'")
    assert others.count() == sum(
        len(_csv_rows(p)) for p in _files(world, "orders") if p != day_file
    )
    again = _run(world, config_id="retail_orders_incremental")
    assert [c["status"] for c in again.configs] == ["no_new_data"]
    assert _bronze(spark, world, "orders").count() == frame.count()


def test_group_two_before_group_one_warns(base, tmp_path):
    world = _clone(base, tmp_path)
    report = _run(world, execution_groups=[2], start_date="2024-01-01", end_date="2024-01-02")
    assert any("group" in w.lower() and "1" in w for w in report.warnings), report.warnings
    assert not report.failed


def test_the_pipelines_run_the_ddl_then_every_group_and_stop_at_the_first_failure(base, tmp_path, spark):
    from ingen_fab.errors import RunError

    world = _clone(base, tmp_path)
    os.environ["INGEN_FAB_LAKEHOUSE_ROOT"] = str(world["lakehouse"])
    ddl = api.run_pipeline("ddl_pipeline", project=world["project"])
    assert ddl.ran[0].startswith("ddl_lh_") and ddl.ran[-1].startswith("ddl_wh_"), ddl.ran
    assert (world["lakehouse"] / ".ingen_fab/warehouse/Config_WH.duckdb").is_file()
    # a value a pipeline should never send stops the first activity; the others never run
    with pytest.raises(RunError, match=r"activity flat_file_ingestion_group_1 failed .*"
                                       r"parameter dry_run.*; 3 later activities not run"):
        api.run_pipeline("flat_file_ingestion_pipeline", {"dry_run": "maybe"}, project=world["project"])
    assert not list((world["lakehouse"] / "Tables").glob("bronze/*/_delta_log"))
    run = api.run_pipeline("flat_file_ingestion_pipeline", {"end_date": "2024-01-02"},
                           project=world["project"])
    assert run.ran == [f"flat_file_ingestion_group_{g}" for g in (1, 2, 3, 4)]
    log = spark.read.format("delta").load(str(world["lakehouse"] / "Tables/dbo/log_flat_file_ingestion"))
    loaded = {(r.config_id, r.date_partition) for r in log.where("status = 'completed'").collect()}
    assert loaded == {(f"retail_{t}_incremental", "2024-01-01..2024-01-02") for t in TABLES}


def _kill_kernel_when(cli: subprocess.Popen, ready, timeout=300) -> bool:
    import psutil

    deadline = time.time() + timeout
    while time.time() < deadline and cli.poll() is None:
        if ready():
            for child in psutil.Process(cli.pid).children(recursive=True):
                if "ipykernel" in " ".join(child.cmdline()):
                    child.send_signal(signal.SIGKILL)
                    return True
        time.sleep(0.2)
    return False


def test_crash_mid_group_then_rerun_equals_an_uninterrupted_run(base, world, tmp_path, spark):
    crashed = _clone(base, tmp_path)
    # 1. the test hook aborts group 1 right after a data commit, before ledger and log
    aborted = _run(crashed, execution_groups=[1], stop_after_files=5)
    assert aborted.errors and "IngestionAborted" in aborted.errors[0]
    # 2. a real SIGKILL of the kernel while group 2 is loading (a one-shot kernel: the CLI's child)
    env = {
        **os.environ,
        "INGEN_FAB_LAKEHOUSE_ROOT": str(crashed["lakehouse"]),
        "INGEN_FAB_WARM_KERNEL": "0",
    }
    cli = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingen_fab.cli",
            "run",
            "package",
            "flat-file-ingestion",
            "run",
            "--execution-group=2",
        ],
        cwd=crashed["project"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    orders_log = crashed["lakehouse"] / "Tables/bronze/orders/_delta_log"
    killed = _kill_kernel_when(cli, lambda: orders_log.is_dir() and any(orders_log.glob("*.json")))
    _, stderr = cli.communicate(timeout=300)
    assert killed and cli.returncode == 1, stderr
    assert b"kernel died" in stderr
    # 3. running again yields exactly the tables of the uninterrupted run
    for group in (1, 2, 3):
        assert not _run(crashed, execution_groups=[group]).failed
    assert {t: fingerprint(spark, crashed, t) for t in TABLES} == world["fingerprints"]
    log = spark.read.format("delta").load(
        str(crashed["lakehouse"] / "Tables/dbo/log_flat_file_ingestion")
    )
    ledger = spark.read.format("delta").load(
        str(crashed["lakehouse"] / "Tables/dbo/log_flat_file_ingestion_files")
    )
    loaded = ledger.where("status = 'loaded'").select("config_id", "file_path").distinct().count()
    assert loaded == 6 * 30
    # every execution that recorded files has its log row (the killed ones say so)
    logged = {
        (r.config_id, r.execution_id) for r in log.select("config_id", "execution_id").collect()
    }
    recorded = {
        (r.config_id, r.execution_id)
        for r in ledger.select("config_id", "execution_id").distinct().collect()
    }
    assert recorded <= logged
    assert {r.status for r in log.collect()} <= {"completed", "no_new_data", "failed", "skipped"}


def test_compiled_group_notebooks_are_the_ones_papermill_ran(world):
    for report in world["reports"]:
        for output in report.outputs:
            import nbformat

            committed = REPO / "generated_notebooks/ipynb/flat_file_ingestion" / output.name
            ran = nbformat.read(str(output), as_version=4)
            source = nbformat.read(str(committed), as_version=4)
            ran_code = [
                c.source
                for c in ran.cells
                if "injected-parameters" not in c.metadata.get("tags", [])
            ]
            assert ran_code == [c.source for c in source.cells]
