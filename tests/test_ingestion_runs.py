"""Whole runs: crash safety, dry-run plans, group warnings, progress and verify."""

from __future__ import annotations

import pytest
from test_ingestion_support import (
    D1,
    D2,
    D3,
    add_configs,
    config,
    day_file,
    ledger_rows,
    log_rows,
    rows,
)

from ingen_fab.runtime.ingestion import IngestionAborted, run_ingestion, verify_ingestion

pytestmark = pytest.mark.spark


def _pair(prefix, root, group):
    return [
        config(
            f"{prefix}_orders",
            root,
            f"{prefix}_orders",
            execution_group=group,
            file_discovery_pattern="**/orders/*.csv",
            table_relationship_group=prefix,
        ),
        config(
            f"{prefix}_customers",
            root,
            f"{prefix}_customers",
            execution_group=group,
            import_sequence_order=2,
            write_mode="merge",
            merge_keys="customer_id",
            skip_existing_dates=True,
            file_discovery_pattern="**/customers/*.csv",
            table_relationship_group=prefix,
        ),
    ]


def _data(root):
    for n, day in enumerate((D1, D2, D3), 1):
        day_file(root, day, "orders.csv", f"order_id,customer_id\n{n}0,{n}\n{n}1,1\n", sub="orders")
        names = "\n".join(f"{c},name{c}_{n}" for c in range(1, n + 1))
        day_file(root, day, "customers.csv", f"customer_id,name\n{names}\n", sub="customers")


def test_crash_then_rerun_equals_an_uninterrupted_run(spark, tmp_path):
    _data(tmp_path)
    add_configs(spark, *_pair("crash", tmp_path, 9301), *_pair("clean", tmp_path, 9302))
    for stop in (1, 4):  # after the orders commit; then after the customers commit
        with pytest.raises(IngestionAborted):
            run_ingestion(
                spark, execution_group=9301, stop_after_files=stop, execution_id=f"crash-{stop}"
            )
        assert not [
            r for r in log_rows(spark, "crash_customers") if r.execution_id == f"crash-{stop}"
        ]
    assert run_ingestion(spark, execution_group=9301).failed is False
    assert run_ingestion(spark, execution_group=9302).failed is False
    for table in ("orders", "customers"):
        assert rows(spark, "itest", f"crash_{table}") == rows(spark, "itest", f"clean_{table}")
        latest = {}
        for r in ledger_rows(spark, f"crash_{table}"):
            latest[r.file_path] = r.status
        assert sorted(latest.values()) == ["loaded"] * 3
    assert len(rows(spark, "itest", "crash_orders")) == 6
    assert {r["name"] for r in rows(spark, "itest", "crash_customers")} == {
        "name1_3",
        "name2_3",
        "name3_3",
    }
    # neither crash left a log row (orders' ledger and log rows were still waiting for the
    # run's flush when crash-4 died after the customers commit), so the next run loaded
    # orders again: replacing the rows of the same files, no duplicate
    assert [r.status for r in log_rows(spark, "crash_orders")] == ["completed"]
    assert [r.status for r in log_rows(spark, "crash_customers")] == ["completed"]
    rerun = run_ingestion(spark, execution_group=9301)
    assert [c.status for c in rerun.configs] == ["no_new_data", "no_new_data"]


@pytest.mark.parametrize("flush_seconds", [60.0, 0.0])
def test_a_run_writes_its_ledger_and_log_rows_in_one_commit_each(
    spark, tmp_path, monkeypatch, flush_seconds
):
    """Bookkeeping is flushed when the run ends, or after a config once FLUSH_SECONDS have
    passed since the last flush (0: after every config that committed something)."""
    from ingen_fab.runtime.ingestion import engine

    monkeypatch.setattr(engine, "FLUSH_SECONDS", flush_seconds)
    _data(tmp_path)
    group = 9306 if flush_seconds else 9307
    prefix = f"flush{group}"
    add_configs(spark, *_pair(prefix, tmp_path, group))

    def versions():
        return [
            spark.sql(f"DESCRIBE HISTORY dbo.{t} LIMIT 1").first().version
            for t in ("log_flat_file_ingestion_files", "log_flat_file_ingestion")
        ]

    before = versions()
    assert not run_ingestion(spark, execution_group=group).failed
    commits = [after - b for after, b in zip(versions(), before)]
    assert commits == ([1, 1] if flush_seconds else [2, 2])
    assert len(ledger_rows(spark, f"{prefix}_orders")) == 3
    assert len(ledger_rows(spark, f"{prefix}_customers")) == 3
    assert [r.status for r in log_rows(spark, f"{prefix}_customers")] == ["completed"]


def test_dry_run_plans_without_reading_or_writing(spark, tmp_path):
    _data(tmp_path)
    add_configs(spark, *_pair("dry", tmp_path, 9303))
    before = spark.table("dbo.log_flat_file_ingestion").count()
    result = run_ingestion(spark, execution_group=9303, dry_run=True, end_date="2024-01-02")
    plan = {p.config_id: p for p in result.plan}
    assert plan["dry_orders"].dates == ["2024-01-01", "2024-01-02"]
    assert [f.path.rsplit("/", 2)[-2:] for f in plan["dry_orders"].files] == [
        ["orders", "orders.csv"]
    ] * 2
    assert "dry_customers" in result.render_table() and not result.failed
    assert not spark.catalog.tableExists("itest.dry_orders")
    assert spark.table("dbo.log_flat_file_ingestion").count() == before
    assert not ledger_rows(spark, "dry_orders")


def test_group_warning_progress_and_verify(spark, tmp_path):
    _data(tmp_path)
    day_file(tmp_path, D1, "orders_extra.csv", "order_id,customer_id\n99,42\n", sub="orders")
    rows_ = _pair("ver", tmp_path, 9305)
    rows_[1]["execution_group"] = 9304
    rows_[1]["date_range_start"] = D1
    rows_[1]["date_range_end"] = D3.replace(day=4)
    add_configs(spark, *rows_)
    messages = []
    result = run_ingestion(spark, execution_group=9305, progress=messages.append)
    assert any("before group(s) 9304 ever loaded" in w for w in result.warnings)
    assert "warning:" in result.render_table()
    assert any(m.startswith("ver_orders: completed") for m in messages)
    assert not run_ingestion(spark, execution_group=9304).warnings
    assert not run_ingestion(spark, execution_group=9305).warnings
    report = verify_ingestion(spark, ["ver_orders", "ver_customers"])
    text = report.render()
    assert not report.ok
    assert "ver_customers: 1 date(s) missing: 2024-01-04" in text
    assert "ver_orders.customer_id -> ver_customers: 1 orphaned row(s)" in text
    assert "duplicate" not in text


def test_execution_with_ledger_rows_but_no_log_row_is_logged_once_as_interrupted(spark, tmp_path):
    from ingen_fab.runtime.ingestion.runlog import INTERRUPTED

    day_file(tmp_path, D1, "i.csv", "id\n1\n")
    day_file(tmp_path, D2, "i.csv", "id\n2\n")
    add_configs(
        spark,
        config("run_lost", tmp_path, "run_lost"),
        config("run_lost_other", tmp_path, "run_lost_other"),
    )
    for cid in ("run_lost", "run_lost_other"):
        assert not run_ingestion(spark, config_id=cid, execution_id=f"{cid}-1").failed
        # as if the process died after the ledger write and before the log write
        spark.sql(
            f"DELETE FROM dbo.log_flat_file_ingestion WHERE config_id = '{cid}' "
            f"AND execution_id = '{cid}-1'"
        )
    recorded = [r.recorded_at for r in ledger_rows(spark, "run_lost")]
    assert len(recorded) == 2
    assert run_ingestion(spark, config_id="run_lost").configs[0].status == "no_new_data"
    logs = log_rows(spark, "run_lost")
    assert [(r.execution_id, r.status) for r in logs] == [
        ("run_lost-1", "failed"),
        (logs[1].execution_id, "no_new_data"),
    ]
    lost = logs[0]
    assert lost.error_message == INTERRUPTED
    assert (lost.job_start_time, lost.job_end_time) == (min(recorded), max(recorded))
    assert lost.records_processed == 2
    assert not log_rows(spark, "run_lost_other")  # not part of the run: left alone
    run_ingestion(spark, config_id="run_lost")
    assert [r.execution_id for r in log_rows(spark, "run_lost")].count("run_lost-1") == 1
    assert len(log_rows(spark, "run_lost")) == 3


def test_verify_reports_a_duplicate_key_appended_behind_the_engines_back(spark, tmp_path):
    day_file(tmp_path, D1, "c.csv", "customer_id,name\n1,a\n2,b\n")
    add_configs(
        spark,
        config("ver_dup", tmp_path, "ver_dup", write_mode="merge", merge_keys="customer_id"),
    )
    assert not run_ingestion(spark, config_id="ver_dup").failed
    assert verify_ingestion(spark, ["ver_dup"]).ok
    extra = spark.table("itest.ver_dup").where("customer_id = 2").collect()
    spark.createDataFrame(extra, spark.table("itest.ver_dup").schema).write.format("delta").mode(
        "append"
    ).saveAsTable("itest.ver_dup")
    report = verify_ingestion(spark, ["ver_dup"])
    assert not report.ok
    assert report.problems == [
        "ver_dup: 1 duplicate merge key(s) in itest.ver_dup on customer_id (e.g. customer_id=2)"
    ]


def test_verify_orphans_cover_append_tables_by_their_own_id_column(spark, tmp_path):
    day_file(tmp_path, D1, "c.csv", "customer_id,name\n1,a\n2,b\n", sub="customers")
    day_file(tmp_path, D1, "o.csv", "order_id,customer_id\n10,1\n11,2\n", sub="orders")
    day_file(
        tmp_path,
        D1,
        "i.csv",
        "order_item_id,order_id,qty\n100,10,1\n101,11,2\n102,99,3\n103,,4\n",
        sub="order_items",
    )
    add_configs(
        spark,
        *[
            config(
                f"vorph_{table}",
                tmp_path,
                table,
                target_schema_name="vorph",
                file_discovery_pattern=f"**/{table}/*.csv",
                table_relationship_group="vorph",
                execution_group=9306,
                import_sequence_order=n,
            )
            for n, table in enumerate(("customers", "orders", "order_items"), 1)
        ],
    )
    assert not run_ingestion(spark, execution_group=9306).failed
    report = verify_ingestion(spark, ["vorph_customers", "vorph_orders", "vorph_order_items"])
    assert report.problems == ["vorph_order_items.order_id -> vorph_orders: 1 orphaned row(s)"]
    assert "vorph_orders.customer_id -> vorph_customers: 0 orphaned row(s)" in report.lines


def test_status_tells_what_is_loaded_what_is_pending_and_how_the_last_run_went(spark, tmp_path):
    from ingen_fab.runtime.ingestion import ingestion_status

    _data(tmp_path)
    add_configs(spark, *_pair("status", tmp_path, 9311),
                config("status_gone", tmp_path / "nowhere", "status_gone", execution_group=9311))
    ids = ["status_orders", "status_customers", "status_gone"]

    def status():
        return {s.config_id: s for s in ingestion_status(spark, ids)}

    before = status()
    for config_id in ("status_orders", "status_customers"):
        fresh = before[config_id]
        assert (fresh.files_loaded, fresh.files_pending, fresh.oldest_pending_date) == (0, 3, str(D1))
        assert fresh.last_loaded_date is None and fresh.last_run_status is None
    assert "source_file_path" in before["status_gone"].problem

    run_ingestion(spark, config_id="status_orders", end_date=str(D2))
    run_ingestion(spark, config_id="status_customers", end_date=str(D2))
    after = status()
    for config_id in ("status_orders", "status_customers"):
        got = after[config_id]
        assert (got.last_loaded_date, got.files_loaded, got.files_pending,
                got.oldest_pending_date) == (str(D2), 2, 1, str(D3)), config_id
        assert got.last_run_status == "completed" and got.last_run_seconds > 0
        assert got.last_run_rows_quarantined == 0
    # a loaded file written again is pending again (merge mode re-reads it; a
    # skip_existing_dates config never re-reads a loaded date)
    day_file(tmp_path, D1, "orders.csv", "order_id,customer_id\n10,1\n11,1\n12,2\n", sub="orders")
    day_file(tmp_path, D1, "customers.csv", "customer_id,name\n1,renamed\n", sub="customers")
    again = status()
    assert (again["status_orders"].files_pending, again["status_orders"].oldest_pending_date) == (
        2, str(D1))
    assert again["status_customers"].files_pending == 1
