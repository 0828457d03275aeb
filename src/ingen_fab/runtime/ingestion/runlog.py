"""Rows of log_flat_file_ingestion: one terminal row per config per execution.

A run writes a config's ledger rows before its log row; a process killed in between leaves
ledger rows of an execution with no log row. The next run of that config logs such an
execution once as failed (interrupted), so log and ledger agree.
"""

from __future__ import annotations

import json
import uuid

from ..identity import runtime_id
from ..schema import LOG_TABLE
from ..tables import append_rows, utc_now

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
    """Append log rows, each stamped with the runtime build that wrote it."""
    build = runtime_id()
    append_rows(spark, LOG_TABLE, [{**row, "runtime_id": build} for row in rows])


def log_interrupted(spark, states: dict, config_ids) -> list[dict]:
    """Log as failed every execution of these configs found in the ledger but not in the log.

    states: ledger.load_states(..., logged=True). A run logs its configs' interrupted
    executions before it writes any ledger row of its own, so every ledger row of such an
    execution is still the latest row of its file: the latest rows tell them all. One
    append when anything is found. Returns the log rows written.
    """
    found: dict = {}
    for config_id in sorted({str(c) for c in config_ids}):
        for row in states.get(config_id, {}).values():
            if not row.logged:
                found.setdefault((config_id, row.execution_id), []).append(row)
    rows = []
    for (config_id, execution_id), got in found.items():
        dates = sorted(r.date_partition for r in got if r.date_partition is not None)
        first, last = (dates[0], dates[-1]) if dates else (None, None)
        rows.append(
            {
                "log_id": str(uuid.uuid4()),
                "config_id": config_id,
                "execution_id": execution_id,
                "job_start_time": min(r.recorded_at for r in got),
                "job_end_time": max(r.recorded_at for r in got),
                "status": "failed",
                "source_file_path": None,
                "date_partition": f"{first}..{last}"
                if first != last
                else (str(first) if first else None),
                "records_processed": sum(r.rows_read or 0 for r in got),
                "records_failed": sum(r.rows_rejected or 0 for r in got),
                "error_message": INTERRUPTED,
            }
        )
    rows.sort(key=lambda r: (r["job_start_time"], r["config_id"]))
    write_log(spark, rows)
    return rows
