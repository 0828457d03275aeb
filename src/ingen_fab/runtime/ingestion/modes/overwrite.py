"""write_mode overwrite: the target is replaced by the batch, in one commit."""

from __future__ import annotations

from ..target import last_commit_metrics, table_name
from .base import WriteMode


class OverwriteMode(WriteMode):
    name = "overwrite"
    description = "the table is replaced by the files of the run"

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int:
        frame.write.format("delta").mode("overwrite").saveAsTable(table_name(cfg))
        outcome.inserted = last_commit_metrics(spark, cfg).get("numOutputRows", 0)
        return outcome.inserted

    def replace(self, spark, cfg, frame, files, outcome, routes, span) -> int:
        """The table is what the range's files hold now (as a load of them would leave it)."""
        return self.commit(spark, cfg, frame, files, outcome, routes)
