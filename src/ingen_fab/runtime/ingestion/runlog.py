"""Rows of log_flat_file_ingestion: one terminal row per config per execution.

A run writes a config's ledger rows before its log row; a process killed in between leaves
ledger rows of an execution with no log row. The next run of that config logs such an
execution once as failed (interrupted), so log and ledger agree.
"""

from __future__ import annotations

import json
import uuid

from ..schema import FILE_LEDGER_TABLE, LOG_TABLE
from ..tables import append_rows, qualified, utc_now

TERMINAL = ("completed", "completed_with_errors", "failed", "no_new_data", "skipped")
INTERRUPTED = "interrupted: the run ended before its log row was written"


def log_row(cfg_id: str, execution_id: str, result, started, source_path=None) -> dict:
    """The log row for a finished config (result is a ConfigResult)."""
    if result.status not in TERMINAL:
        raise ValueError(f"not a terminal status: {result.status}")
    dates = result.dates_loaded
    details = {
        k: v
        for k, v in (
            ("notes", result.notes),
            ("file_errors", result.file_errors),
            ("collapsed_duplicates", result.collapsed_duplicates),
            ("reject_reasons", result.reject_reasons),
        )
        if v
    }
    return {
        "log_id": str(uuid.uuid4()),
        "config_id": cfg_id,
        "execution_id": execution_id,
        "job_start_time": started,
        "job_end_time": utc_now(),
        "status": result.status,
        "source_file_path": source_path,
        "date_partition": (
            f"{dates[0]}..{dates[-1]}" if len(dates) > 1 else (dates[0] if dates else None)
        ),
        "records_processed": result.rows_read,
        "records_inserted": result.rows_inserted,
        "records_updated": result.rows_updated,
        "records_deleted": result.rows_deleted,
        "records_failed": result.rows_rejected,
        "execution_duration_seconds": round(result.seconds, 3),
        "error_message": (result.error_message or None) and result.error_message[:4000],
        "error_details": json.dumps(details, sort_keys=True, default=str)[:8000]
        if details
        else None,
    }


def write_log(spark, rows: list[dict]) -> None:
    append_rows(spark, LOG_TABLE, rows)


def log_interrupted(spark, config_ids) -> list[dict]:
    """Log as failed every execution of these configs found in the ledger but not in the log.

    One query (ledger anti-joined with the log, grouped by config and execution) and, when
    anything is found, one append. Returns the log rows written.
    """
    from pyspark.sql import functions as F

    ids = sorted({str(c) for c in config_ids})
    if not ids:
        return []
    keys = ["config_id", "execution_id"]
    logged = spark.table(qualified(LOG_TABLE.name)).where(F.col("config_id").isin(ids))
    found = (
        spark.table(qualified(FILE_LEDGER_TABLE.name))
        .where(F.col("config_id").isin(ids))
        .join(logged.select(*keys), keys, "left_anti")
        .groupBy(*keys)
        .agg(
            F.min("recorded_at").alias("started"),
            F.max("recorded_at").alias("ended"),
            F.min("date_partition").alias("first_date"),
            F.max("date_partition").alias("last_date"),
            F.sum("rows_read").alias("rows_read"),
            F.sum("rows_rejected").alias("rows_rejected"),
        )
        .collect()
    )
    rows = []
    for r in sorted(found, key=lambda r: (r.started, r.config_id)):
        first, last = r.first_date, r.last_date
        dates = f"{first}..{last}" if first != last else (str(first) if first else None)
        rows.append(
            {
                "log_id": str(uuid.uuid4()),
                "config_id": r.config_id,
                "execution_id": r.execution_id,
                "job_start_time": r.started,
                "job_end_time": r.ended,
                "status": "failed",
                "source_file_path": None,
                "date_partition": dates,
                "records_processed": r.rows_read,
                "records_failed": r.rows_rejected,
                "error_message": INTERRUPTED,
            }
        )
    append_rows(spark, LOG_TABLE, rows)
    return rows
