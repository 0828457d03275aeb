"""Run-once ledger for lakehouse DDL scripts: skip what ran, stop on drift, record failures."""

from __future__ import annotations

import datetime as _dt

from .schema import DDL_LEDGER_TABLE
from .tables import create_table, local_frame, qualified


class DdlScriptError(RuntimeError):
    """A DDL script failed, or changed after it ran."""


class DdlLedger:
    """Successful script hashes are read once per notebook; each outcome is appended."""

    def __init__(self, spark, rerun: str = ""):
        self.spark = spark
        self.rerun = {s.strip() for s in (rerun or "").split(",") if s.strip()}
        self.table = create_table(spark, DDL_LEDGER_TABLE)
        rows = (
            spark.table(self.table)
            .where("status = 'success'")
            .select("script_id", "content_hash", "executed_at")
            .collect()
        )
        self.latest: dict[str, str] = {}  # script id -> hash of its latest successful run
        for row in sorted(rows, key=lambda r: r.executed_at):
            self.latest[row.script_id] = row.content_hash

    def run(self, script_id: str, content_hash: str, action) -> str:
        """Run action unless its latest successful run had this content; returns ran|skipped.

        A different hash (edited, or reverted to an older version) is drift: an error.
        """
        latest = self.latest.get(script_id)
        forced = script_id in self.rerun or "*" in self.rerun
        if latest == content_hash and not forced:
            print(f"skipped {script_id} (already ran with this content)")
            return "skipped"
        if latest is not None and not forced:
            raise DdlScriptError(
                f"DDL script {script_id} changed after it ran: add a new numbered script for the "
                f"change, or re-run it explicitly (parameter rerun_scripts='{script_id}', "
                f"locally: ingen_fab ddl run --rerun {script_id})"
            )
        try:
            action()
        except Exception as exc:
            message = f"{exc.__class__.__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            self._record(script_id, content_hash, "failed", message[:4000])
            raise DdlScriptError(f"DDL script {script_id} failed: {message}") from exc
        self._record(script_id, content_hash, "success", None)
        self.latest[script_id] = content_hash
        print(f"ran {script_id}")
        return "ran"

    def _record(self, script_id, content_hash, status, error):
        now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
        from .schema import spark_schema

        row = [(script_id, content_hash, status, now, error)]
        frame = local_frame(self.spark, spark_schema(DDL_LEDGER_TABLE), row)
        frame.write.format("delta").mode("append").saveAsTable(self.table)


def run_sql(spark, statements: list[str]) -> None:
    """Run Spark SQL statements one at a time."""
    for statement in statements:
        spark.sql(statement)


__all__ = ["DdlLedger", "DdlScriptError", "qualified", "run_sql"]
