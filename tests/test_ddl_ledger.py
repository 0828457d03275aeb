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
