"""Where each config stands: what is loaded, what is pending, how its last run went.

Reads the config table, the file ledger and the log, and lists the source folders; it reads
no data file and no target table, so it stays quick however large the tables are. A file
counts as pending as on a dry run: new, failed, or changed in size or time since it loaded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..schema import CONFIG_TABLE, FILE_LEDGER_TABLE, LOG_TABLE
from ..sql import qualified
from . import ledger
from .config import date_range
from .engine import preflight_row
from .errors import ConfigError
from .plan import pending


@dataclass
class ConfigStatus:
    config_id: str
    execution_group: int | None
    active: bool
    target: str
    last_loaded_date: str | None = None  # the newest date with a loaded file
    files_loaded: int = 0
    files_pending: int = 0
    oldest_pending_date: str | None = None
    last_run_status: str | None = None
    last_run_started: str | None = None
    last_run_seconds: float | None = None
    last_run_rows_quarantined: int | None = None
    problem: str | None = None  # why the config cannot run, in one line

    def as_dict(self) -> dict:
        return asdict(self)


def ingestion_status(spark, config_ids=None) -> list[ConfigStatus]:
    """The status of the active configs (or of config_ids, active or not), by group and id."""
    rows = [r.asDict() for r in spark.table(qualified(CONFIG_TABLE.name)).collect()]
    if config_ids:
        wanted = {str(c) for c in config_ids}
        rows = [r for r in rows if str(r["config_id"]) in wanted]
    else:
        rows = [r for r in rows if str(r.get("active_yn") or "").upper() == "Y"]
    rows.sort(key=lambda r: (r.get("execution_group") or 0, str(r["config_id"])))
    ids = [str(r["config_id"]) for r in rows]
    states = ledger.load_states(spark, ids) if _exists(spark, FILE_LEDGER_TABLE.name) else {}
    runs = _last_runs(spark, ids) if _exists(spark, LOG_TABLE.name) else {}
    return [_status(spark, row, states.get(str(row["config_id"]), {}), runs) for row in rows]


def _status(spark, row: dict, state: dict, runs: dict) -> ConfigStatus:
    config_id = str(row["config_id"])
    status = ConfigStatus(
        config_id, row.get("execution_group"), str(row.get("active_yn") or "").upper() == "Y",
        f"{row.get('target_schema_name')}.{row.get('target_table_name')}",
    )
    loaded = [r for r in state.values() if r.status == ledger.LOADED]
    status.files_loaded = len(loaded)
    dates = [r.date_partition for r in loaded if r.date_partition is not None]
    status.last_loaded_date = max(dates).isoformat() if dates else None
    last = runs.get(config_id)
    if last is not None:
        status.last_run_status = last.status
        status.last_run_started = last.job_start_time.isoformat(sep=" ", timespec="seconds")
        status.last_run_seconds = last.execution_duration_seconds
        status.last_run_rows_quarantined = last.records_failed
    try:
        cfg, loc = preflight_row(spark, row)
        lo, hi = date_range(cfg)
        files, _ = pending(cfg, loc, state, lo, hi)
    except ConfigError as exc:
        status.problem = str(exc)
        return status
    status.files_pending = len(files)
    pending_dates = [f.date for f in files if f.date is not None]
    status.oldest_pending_date = min(pending_dates).isoformat() if pending_dates else None
    return status


def _exists(spark, table: str) -> bool:
    return spark.catalog.tableExists(qualified(table))


def _last_runs(spark, ids: list[str]) -> dict:
    """config_id -> its newest log row (by start time)."""
    from pyspark.sql import functions as F

    latest: dict = {}
    columns = ("config_id", "job_start_time", "status", "execution_duration_seconds",
               "records_failed")
    for row in (spark.table(qualified(LOG_TABLE.name)).where(F.col("config_id").isin(ids))
                .select(*columns).collect()):
        if row.config_id not in latest or row.job_start_time > latest[row.config_id].job_start_time:
            latest[row.config_id] = row
    return latest
