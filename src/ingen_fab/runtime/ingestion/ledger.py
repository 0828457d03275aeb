"""The per-file ledger (log_flat_file_ingestion_files): what was loaded, and what is pending.

Append-only: each load or failure of a file adds a row; the latest row per (config, file)
is the file's state. A file's row is written after its data commit, so a crash in between
only means the next run loads the file again, which every write mode makes idempotent.
"""

from __future__ import annotations

import datetime as _dt

from ..schema import FILE_LEDGER_TABLE, LOG_TABLE
from ..sql import qualified
from ..tables import append_rows, utc_now

LOADED, FAILED = "loaded", "failed"


def ledger_table() -> str:
    return qualified(FILE_LEDGER_TABLE.name)


def load_state(spark, config_id: str) -> dict:
    """file_path -> latest ledger Row of the config."""
    return load_states(spark, [config_id]).get(config_id, {})


def load_states(spark, config_ids, logged: bool = False) -> dict:
    """config_id -> {file_path -> latest ledger Row}, for several configs in one ledger scan.

    logged=True adds a column `logged`: whether the Row's execution has a log row for the
    config (the log table must exist). The latest row per file is picked here rather than
    by a Spark window: the rows are few (about one per file loaded), and two plain scans
    cost less than a sort and a join, most of all on a cold JVM.
    """
    from pyspark.sql import Row
    from pyspark.sql import functions as F

    ids = sorted({str(c) for c in config_ids})
    if not ids:
        return {}

    def when(row):
        return (row.recorded_at is not None, row.recorded_at or _dt.datetime.min)

    latest: dict = {}
    for row in spark.table(ledger_table()).where(F.col("config_id").isin(ids)).collect():
        key = (row.config_id, row.file_path)
        if key not in latest or when(row) > when(latest[key]):
            latest[key] = row
    if logged:
        runs = {
            (r.config_id, r.execution_id)
            for r in spark.table(qualified(LOG_TABLE.name))
            .where(F.col("config_id").isin(ids))
            .select("config_id", "execution_id")
            .collect()
        }
        for key, row in latest.items():
            latest[key] = Row(**row.asDict(), logged=(row.config_id, row.execution_id) in runs)
    out: dict = {c: {} for c in ids}
    for (config_id, file_path), row in sorted(latest.items()):
        out[config_id][file_path] = row
    return out


def done_dates(state: dict) -> frozenset:
    """Dates with at least one file and every file's latest state loaded."""
    dates: dict = {}
    for row in state.values():
        if row.date_partition is not None:
            dates.setdefault(row.date_partition, []).append(row.status == LOADED)
    return frozenset(d for d, flags in dates.items() if all(flags))


def loaded_dates(state: dict) -> list[str]:
    """Dates (ISO) loaded as whole snapshots: a file wrote at least one row, and every file
    of the date is loaded without a rejected row (the snapshots the target reflects)."""
    dates: dict = {}
    for row in state.values():
        if row.date_partition is not None:
            whole = row.status == LOADED and not (getattr(row, "rows_rejected", 0) or 0)
            wrote = row.status == LOADED and (row.rows_written or 0) > 0
            was = dates.get(row.date_partition, (True, False))
            dates[row.date_partition] = (was[0] and whole, was[1] or wrote)
    return sorted(d.isoformat() for d, (whole, wrote) in dates.items() if whole and wrote)


def pending_files(files, state: dict, fs, check_utf8: bool = False) -> tuple[list, dict]:
    """Files to load and the fingerprints taken on the way (display path -> fs.fingerprint).

    New and previously failed files are pending. A loaded file is unchanged when size and
    modification time match the ledger, or else when its content hash does (fs None: no
    hashing, as on a dry run, so such a file counts as pending).
    """
    todo, prints = [], {}
    for source in files:
        row = state.get(source.display_path)
        if row is None or row.status != LOADED:
            todo.append(source)
            continue
        if row.file_size == source.size and row.modification_time == source.mtime:
            continue
        found = fs.fingerprint(source.list_path, check_utf8) if fs is not None else (None, None)
        prints[source.display_path] = found
        if found[0] is None or found[0] != row.content_hash:
            todo.append(source)
    return todo, prints


def file_row(cfg_id, execution_id, source, digest, stats, status, error=None) -> dict:
    """One ledger row for a file; stats = (rows_read, rows_written, rows_rejected)."""
    read, written, rejected = stats
    return {
        "config_id": cfg_id,
        "execution_id": execution_id,
        "date_partition": source.date,
        "file_path": source.display_path,
        "file_size": source.size,
        "modification_time": source.mtime,
        "content_hash": digest,
        "rows_read": read,
        "rows_written": written,
        "rows_rejected": rejected,
        "status": status,
        "error_message": (error or None) and str(error)[:4000],
        "recorded_at": utc_now(),
    }


def record(spark, rows: list[dict]) -> None:
    """Append ledger rows in one commit."""
    append_rows(spark, FILE_LEDGER_TABLE, rows)
