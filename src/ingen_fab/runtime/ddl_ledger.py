"""Run-once ledger for lakehouse DDL scripts: skip what ran, stop on drift, record failures.

With a summary_path (local runs), each script's outcome is also written to a JSON file as it
happens, {"scripts": [{"script_id", "outcome": ran|skipped|failed, "error"}]}: what
`ingen_fab ddl run` reports. In Fabric the path is empty and no file is written.
"""

from __future__ import annotations

import json
import os

from .errors import UserError
from .identity import runtime_id
from .schema import DDL_LEDGER_TABLE
from .sql import qualified
from .tables import append_rows, create_table, utc_now


class DdlScriptError(UserError):
    """A DDL script failed, or changed after it ran."""


class DdlLedger:
    """Successful script hashes are read once per notebook; each outcome is appended."""

    def __init__(self, spark, rerun: str = "", summary_path: str = ""):
        self.spark = spark
        self.summary_path = summary_path
        self.outcomes: list[dict] = []  # {"script_id", "outcome", "error"}, in run order
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
        try:
            outcome = self._run(script_id, content_hash, action)
        except DdlScriptError as exc:
            self._summarise(script_id, "failed", str(exc))
            raise
        self._summarise(script_id, outcome, None)
        return outcome

    def _run(self, script_id: str, content_hash: str, action) -> str:
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
            text = str(exc).strip()
            message = f"{exc.__class__.__name__}: {text.splitlines()[0] if text else ''}"
            self._record(script_id, content_hash, "failed", message[:4000])
            raise DdlScriptError(f"DDL script {script_id} failed: {message}") from exc
        self._record(script_id, content_hash, "success", None)
        self.latest[script_id] = content_hash
        print(f"ran {script_id}")
        return "ran"

    def _summarise(self, script_id: str, outcome: str, error: str | None) -> None:
        """Append an outcome and rewrite the JSON summary (whole, so a reader never sees half)."""
        self.outcomes.append({"script_id": script_id, "outcome": outcome, "error": error})
        if not self.summary_path:
            return
        tmp = f"{self.summary_path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"scripts": self.outcomes}, handle, indent=1)
        os.replace(tmp, self.summary_path)

    def _record(self, script_id, content_hash, status, error):
        row = {"script_id": script_id, "content_hash": content_hash, "status": status,
               "executed_at": utc_now(), "error_message": error, "runtime_id": runtime_id()}
        append_rows(self.spark, DDL_LEDGER_TABLE, [row])


def run_sql(spark, statements: list[str]) -> None:
    """Run Spark SQL statements one at a time."""
    for statement in statements:
        spark.sql(statement)


__all__ = ["DdlLedger", "DdlScriptError", "qualified", "run_sql"]
