"""Orchestration: run the configs of a group (or one config) and log every outcome.

Order of work for one config: list the files in range -> keep the pending ones (ledger) ->
one read -> decide per file/date what may be committed under the error strategy -> one
data commit -> quarantine -> ledger rows -> one terminal log row. Ledger and log rows wait
for the run's next flush (RunContext.flush): one ledger commit, then one log commit. A run
first logs, as failed, earlier executions of its configs that died between the two.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from ..schema import CONFIG_TABLE
from ..sql import qualified
from ..tables import utc_now
from . import ledger
from .config import from_row, validate
from .errors import ConfigError, IngestionAborted, IngestionError
from .filesystem import SourcePathError, resolve_source
from .formats.csv import csv_column_pruning
from .load import load_config
from .plan import plan_config, plan_entry
from .results import ConfigResult, IngestionResult
from .runlog import log_interrupted, log_row, write_log
from .tables_setup import ensure_ingestion_tables

# a run writes its bookkeeping (ledger and log rows) at least this often, and when it ends
FLUSH_SECONDS = 60.0


@dataclass
class RunContext:
    spark: object
    execution_id: str
    start: str | None
    end: str | None
    dry_run: bool
    stop_after_files: int | None
    progress: object
    reprocess: bool = False  # replace the rows of [start, end] (one config; see plan.py)
    committed: int = 0
    states: dict | None = None  # config_id -> ledger state, read once per run
    deferred_ledger: list = field(default_factory=list)
    deferred_logs: list = field(default_factory=list)
    flushed_at: float = field(default_factory=time.monotonic)

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def state_of(self, config_id: str) -> dict:
        if self.states is None and self.dry_run:  # no ledger table yet: nothing loaded
            return {}
        if self.states is None or config_id not in self.states:
            return ledger.load_state(self.spark, config_id)
        return self.states[config_id]

    def record(self, rows: list[dict]) -> None:
        """Ledger rows of a config whose data commit is done; written by the next flush."""
        self.deferred_ledger += rows

    def log(self, row: dict, defer: bool = False) -> None:
        """A config's log row, written with its ledger rows by the next flush.

        The run flushes when it ends, and after a config whose work committed something
        once FLUSH_SECONDS have passed since the last flush: a run of short configs costs
        two bookkeeping commits, and on a long run the tables trail by at most that long.
        """
        self.deferred_logs.append(row)
        if not defer and time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the deferred ledger rows, then the deferred log rows (one commit each).

        A crash before the ledger commit only means the next run loads those files again
        (every data commit is idempotent); one between the two commits leaves ledger rows
        with no log row, which the next run logs as interrupted.
        """
        if self.deferred_ledger:
            ledger.record(self.spark, self.deferred_ledger)
            self.deferred_ledger = []
        if self.deferred_logs:
            write_log(self.spark, self.deferred_logs)
            self.deferred_logs = []
        self.flushed_at = time.monotonic()


def _one_line(exc: Exception) -> str:
    java = getattr(exc, "java_exception", None)
    text = str(java.toString()) if java is not None else str(exc)
    text = text.strip().splitlines()[0] if text.strip() else ""
    if isinstance(exc, IngestionError):
        return text
    return f"{exc.__class__.__name__}: {text}"[:1000]


def select_configs(all_rows: list[dict], execution_group=None, config_id=None) -> list[dict]:
    """The run's rows among all config rows: one config_id, or the active configs of a
    group, or all active configs."""
    if config_id is not None:
        rows = [r for r in all_rows if r.get("config_id") == config_id]
        if not rows:
            raise IngestionError(f"no config with config_id {config_id!r} in {CONFIG_TABLE.name}")
        return rows
    rows = [r for r in all_rows if str(r.get("active_yn") or "").upper() == "Y"]
    if execution_group is not None:
        rows = [r for r in rows if r.get("execution_group") == int(execution_group)]
    return rows


def _earlier_configs(execution_group, run_rows, all_rows) -> list[dict]:
    """Active configs of lower execution groups sharing the run's relationship group(s)."""
    if execution_group is None:
        return []
    related = {r.get("table_relationship_group") for r in run_rows} - {None, ""}
    return [
        r
        for r in all_rows
        if str(r.get("active_yn") or "").upper() == "Y"
        and (r.get("execution_group") or 0) < int(execution_group)
        and (not related or r.get("table_relationship_group") in related)
    ]


def _group_warning(execution_group, earlier, states) -> list[str]:
    """Warn when a lower execution group of the same relationship group(s) never loaded."""
    loaded = any(
        row.status == ledger.LOADED
        for r in earlier
        for row in states.get(str(r["config_id"]), {}).values()
    )
    if not earlier or loaded:
        return []
    groups = ", ".join(str(g) for g in sorted({r["execution_group"] for r in earlier}))
    return [
        (
            f"execution group {execution_group} runs before group(s) {groups} ever loaded: "
            "load the master data first or referential integrity checks will fail"
        )
    ]


def preflight_row(spark, row: dict):
    """(config, Location) after validation, including the source path's existence."""
    try:
        cfg = validate(from_row(row))
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(row.get("config_id")), "?", _one_line(exc)) from None
    try:
        loc = resolve_source(spark, cfg.source_file_path)
    except SourcePathError as exc:
        raise cfg.error("source_file_path", str(exc)) from None
    if not loc.fs.exists(loc.list_path):
        raise cfg.error("source_file_path", f"not found: {loc.display_path}")
    is_dir = loc.fs.is_dir(loc.list_path)
    if cfg.import_pattern == "single_file" and is_dir:
        raise cfg.error("source_file_path", f"{loc.display_path} is a folder, not a file")
    if cfg.import_pattern != "single_file" and not is_dir:
        raise cfg.error("source_file_path", f"{loc.display_path} is not a folder")
    return cfg, loc


def run_ingestion(
    spark,
    execution_group: int | None = None,
    config_id: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    dry_run: bool = False,
    execution_id: str | None = None,
    stop_after_files: int | None = None,
    progress=None,
    reprocess: bool = False,
) -> IngestionResult:
    """Run the configs of a group, one config, or all active configs in group order.

    reprocess: re-load config_id's files of [start_date, end_date] as they are now,
    replacing the rows that range loaded before (in one Delta commit; README).
    """
    if reprocess and not (config_id and start_date and end_date):
        raise IngestionError("reprocess needs config_id, start_date and end_date: it replaces "
                             "one config's rows of one date range")
    if not dry_run:
        ensure_ingestion_tables(spark)
    ctx = RunContext(
        spark,
        execution_id or str(uuid.uuid4()),
        start_date,
        end_date,
        dry_run,
        stop_after_files,
        progress,
        reprocess,
    )
    with csv_column_pruning(spark, False):  # every query flags malformed CSV rows alike
        return _run(ctx, execution_group, config_id)


def _run(ctx, execution_group, config_id) -> IngestionResult:
    all_rows = [r.asDict() for r in ctx.spark.table(qualified(CONFIG_TABLE.name)).collect()]
    rows = sorted(
        select_configs(all_rows, execution_group, config_id),
        key=lambda r: (
            r.get("execution_group") or 0,
            r.get("import_sequence_order") or 0,
            str(r["config_id"]),
        ),
    )
    result = IngestionResult(ctx.execution_id, plan=[] if ctx.dry_run else None)
    result.warnings += _read_states(ctx, execution_group, rows, all_rows)
    checked = [_checked(ctx.spark, row) for row in rows]
    stop_reason = next(
        (
            f"not run: config {r['config_id']} is invalid and its error_handling_strategy is fail"
            for r, _, _, e in checked
            if e is not None and _strategy(r) == "fail"
        ),
        None,
    )
    for row, cfg, loc, error in checked:
        if ctx.dry_run:
            result.plan.append(_plan(ctx, row, cfg, loc, error))
            continue
        res = _run_checked(ctx, row, cfg, loc, error, stop_reason)
        result.configs.append(res)
        if res.status == "failed" and _strategy(row) == "fail" and stop_reason is None:
            stop_reason = (
                f"not run: config {res.config_id} failed under error_handling_strategy fail"
            )
    ctx.flush()
    return result


def _read_states(ctx, execution_group, rows, all_rows) -> list[str]:
    """Read the ledger state of the run's configs (and of the earlier groups it depends
    on) once; log as failed the executions that died before their log row. Returns the
    run's warnings."""
    earlier = _earlier_configs(execution_group, rows, all_rows)
    warnings = []
    if _ledger_exists(ctx.spark):
        ids = [r["config_id"] for r in rows + earlier]
        ctx.states = ledger.load_states(ctx.spark, ids, logged=not ctx.dry_run)
        warnings = _group_warning(execution_group, earlier, ctx.states)
    if not ctx.dry_run:
        ids = [r["config_id"] for r in rows]
        for lost in log_interrupted(ctx.spark, ctx.states or {}, ids):
            ctx.say(
                f"{lost['config_id']}: execution {lost['execution_id']} was interrupted "
                "before its log row was written; logged as failed"
            )
    return warnings


def _checked(spark, row) -> tuple:
    """(row, config, Location, None) for a valid config, else (row, None, None, error)."""
    try:
        return (row, *preflight_row(spark, row), None)
    except ConfigError as exc:
        return (row, None, None, exc)


def _strategy(row) -> str:
    return str(row.get("error_handling_strategy") or "fail").strip().lower()


def _ledger_exists(spark) -> bool:
    return spark.catalog.tableExists(f"dbo.{ledger.FILE_LEDGER_TABLE.name}")


def _run_checked(ctx, row, cfg, loc, error, stop_reason) -> ConfigResult:
    started, t0 = utc_now(), time.monotonic()
    res = ConfigResult(str(row["config_id"]), strategy=_strategy(row))
    if error is not None:
        res.status, res.error_message = "failed", _one_line(error)
    elif stop_reason is not None:
        res.status, res.error_message = "skipped", stop_reason
    elif not cfg.active:
        res.status, res.error_message = "skipped", "active_yn is not Y"
    else:
        ctx.say(f"{cfg.config_id}: started")
        try:
            load_config(ctx, cfg, loc, res)
        except IngestionAborted:
            raise
        except Exception as exc:
            res.status, res.error_message = "failed", _one_line(exc)
    res.seconds = time.monotonic() - t0
    path = getattr(loc, "display_path", None) or row.get("source_file_path")
    quiet = res.status in ("no_new_data", "skipped")  # nothing was committed
    ctx.log(log_row(res.config_id, ctx.execution_id, res, started, path), defer=quiet)
    ctx.say(
        f"{res.config_id}: {res.status} ({res.rows_inserted} inserted, "
        f"{res.rows_updated} updated, {res.rows_rejected} rejected, {res.seconds:.1f}s)"
    )
    return res


def _plan(ctx, row, cfg, loc, error):
    if error is not None:
        return plan_entry(from_row(row), (), _one_line(error))
    try:
        entry = plan_config(ctx, cfg, loc, fingerprint=False).entry()
    except Exception as exc:
        return plan_entry(cfg, (), _one_line(exc))
    if entry.replaces:
        entry.replaces += f" ({_rows_from(ctx.spark, cfg, entry.replaces)} row(s) of the table)"
    return entry


def _rows_from(spark, cfg, span: str) -> int:
    """How many rows of cfg's target came from the dates of span ("D1..D2")."""
    from .target import table_name, target_exists

    if not target_exists(spark, cfg):
        return 0
    lo, hi = span.split("..")
    return spark.table(table_name(cfg)).where(
        f"_source_date_partition BETWEEN DATE'{lo}' AND DATE'{hi}'").count()
