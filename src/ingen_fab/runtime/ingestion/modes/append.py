"""write_mode append: the rows of each file loaded, replacing what that file loaded before.

One commit with replaceWhere `_source_file_path IN (files of the batch)`: loading a file
again replaces its earlier rows, so a re-run never duplicates them.
"""

from __future__ import annotations

from ...sql import string_list
from ..target import in_span, last_commit_metrics, table_name
from .base import WriteMode


class AppendMode(WriteMode):
    name = "append"
    description = "rows added; a file loaded again replaces the rows it loaded before"

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int:
        where = f"_source_file_path IN ({string_list(f.display_path for f in files)})"
        frame.write.format("delta").mode("overwrite").option("replaceWhere", where).saveAsTable(
            table_name(cfg)
        )
        metrics = last_commit_metrics(spark, cfg)
        outcome.inserted = metrics.get("numOutputRows", 0)
        outcome.deleted = metrics.get("numDeletedRows", 0)
        return outcome.inserted

    def replace(self, spark, cfg, frame, files, outcome, routes, span) -> int:
        """The rows of the range's dates, whichever file they came from, replaced by the
        range's files as they are now (one commit with replaceWhere on the date)."""
        frame.write.format("delta").mode("overwrite").option("replaceWhere", in_span(span)).saveAsTable(
            table_name(cfg))
        metrics = last_commit_metrics(spark, cfg)
        outcome.inserted = metrics.get("numOutputRows", 0)
        outcome.deleted = metrics.get("numDeletedRows", 0)
        return outcome.inserted
