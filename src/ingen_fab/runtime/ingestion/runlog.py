"""Rows of log_flat_file_ingestion: one terminal row per config per execution."""

from __future__ import annotations

import json
import uuid

from ..schema import LOG_TABLE
from ..tables import append_rows, utc_now

TERMINAL = ("completed", "completed_with_errors", "failed", "no_new_data", "skipped")


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
