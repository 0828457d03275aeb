"""The lakehouse run-once ledger on real Spark + Delta (what each DDL notebook cell calls)."""

from __future__ import annotations

import pytest

from ingen_fab.runtime.ddl_ledger import DdlLedger, DdlScriptError

pytestmark = pytest.mark.spark


def _status(spark, script_id):
    return [
        r.status
        for r in spark.table("dbo.ddl_script_executions")
        .where(f"script_id = '{script_id}'")
        .orderBy("executed_at")
        .collect()
    ]


def test_run_once_skip_drift_rerun_and_revert(spark):
    sid, calls = "Lakehouses/T/001_G/001_ledger_test.py", []
    assert DdlLedger(spark).run(sid, "h1", lambda: calls.append(1)) == "ran"
    assert DdlLedger(spark).run(sid, "h1", lambda: calls.append(2)) == "skipped"
    with pytest.raises(DdlScriptError, match=f"{sid} changed after it ran.*rerun"):
        DdlLedger(spark).run(sid, "h2", lambda: calls.append(3))
    assert DdlLedger(spark, rerun=sid).run(sid, "h2", lambda: calls.append(4)) == "ran"
    with pytest.raises(DdlScriptError, match="changed after it ran"):
        DdlLedger(spark).run(sid, "h1", lambda: calls.append(5))  # reverted to v1
    assert calls == [1, 4]
    assert _status(spark, sid) == ["success", "success"]


def test_a_failing_script_is_recorded_and_raises_naming_it(spark):
    sid = "Lakehouses/T/001_G/002_failing.py"

    def fail():
        raise ValueError("no such column: x")

    with pytest.raises(DdlScriptError, match=f"{sid} failed: ValueError: no such column: x"):
        DdlLedger(spark).run(sid, "h1", fail)
    assert _status(spark, sid) == ["failed"]
    assert DdlLedger(spark).run(sid, "h1", lambda: None) == "ran"  # a fixed run is not drift


def test_each_outcome_is_written_to_the_json_summary_as_it_happens(spark, tmp_path):
    import json

    summary = tmp_path / "summary.json"
    ran, failing = "Lakehouses/T/001_G/003_summary.py", "Lakehouses/T/001_G/004_summary_fails.py"
    DdlLedger(spark).run(ran, "h1", lambda: None)
    ledger = DdlLedger(spark, summary_path=str(summary))
    assert ledger.run(ran, "h1", lambda: None) == "skipped"
    with pytest.raises(DdlScriptError):
        ledger.run(failing, "h1", lambda: 1 / 0)
    scripts = json.loads(summary.read_text(encoding="utf-8"))["scripts"]
    assert scripts == [
        {"script_id": ran, "outcome": "skipped", "error": None},
        {"script_id": failing, "outcome": "failed",
         "error": f"DDL script {failing} failed: ZeroDivisionError: division by zero"},
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temporary file left


def test_without_a_summary_path_no_file_is_written(spark, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert DdlLedger(spark).run("Lakehouses/T/001_G/005_no_summary.py", "h1", lambda: None) == "ran"
    assert list(tmp_path.iterdir()) == []


def test_log_rows_carry_the_runtime_build_and_older_tables_gain_the_column(spark):
    """A log table made by a runtime before runtime_id was declared takes the next append,
    which adds the column; its earlier rows read NULL."""
    import dataclasses

    from ingen_fab.runtime.identity import runtime_id
    from ingen_fab.runtime.schema import LOG_TABLE
    from ingen_fab.runtime.tables import append_rows, create_table, utc_now

    sid = "Lakehouses/T/001_G/006_build_id.py"
    DdlLedger(spark).run(sid, "h1", lambda: None)
    [row] = spark.table("dbo.ddl_script_executions").where(f"script_id = '{sid}'").collect()
    assert row.runtime_id == runtime_id() and "+" in row.runtime_id

    older = dataclasses.replace(LOG_TABLE, columns=tuple(c for c in LOG_TABLE.columns
                                                         if c.name != "runtime_id"))
    create_table(spark, older, schema="olderrt")
    base = {"config_id": "c", "execution_id": "e", "job_start_time": utc_now(), "status": "completed"}
    append_rows(spark, older, [{**base, "log_id": "1"}], schema="olderrt")
    append_rows(spark, LOG_TABLE, [{**base, "log_id": "2", "runtime_id": runtime_id()}], schema="olderrt")
    got = {r.log_id: r.runtime_id for r in spark.table("olderrt.log_flat_file_ingestion").collect()}
    assert got == {"1": None, "2": runtime_id()}
