"""Loading one validated config: pending files -> one read -> one commit -> ledger.

Error strategies, per file (a file with rejected rows, or invalid bytes, has an error):
fail -- dates before the first failing date are committed, then the config fails;
log  -- every date holding a failing file is left out (recorded as failed in the ledger),
        the other dates load, the config ends completed_with_errors;
skip -- rejected rows go to the quarantine table and the good rows load; a config that
        quarantined rows ends completed_with_errors (the run does not fail for it).
"""

from __future__ import annotations

import datetime as _dt

from . import ledger
from .config import date_range
from .discovery import discover
from .errors import IngestionAborted
from .plan import oldest_date_only
from .quarantine import quarantine_rows, write_quarantine
from .readers import read_batch, utf8_encoding
from .writers import target_types, write_batch


def _pending(ctx, cfg, loc):
    """(files to load, display path -> (sha256, valid UTF-8 or None)) for one config."""
    from concurrent.futures import ThreadPoolExecutor

    lo, hi = date_range(cfg, ctx.start, ctx.end)
    state = ctx.state_of(cfg.config_id)
    skip = ledger.done_dates(state) if cfg.skip_existing_dates else frozenset()
    files = discover(cfg, loc, lo, hi, skip)
    check = utf8_encoding(cfg)
    prints: dict = {}
    if not cfg.skip_existing_dates:
        files, prints = ledger.pending_files(files, state, loc.fs, check)
    if not cfg.batch_import_enabled:
        files = oldest_date_only(files)
    todo = [s for s in files if s.display_path not in prints]
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = pool.map(lambda s: loc.fs.fingerprint(s.list_path, check), todo)
        prints.update(zip((s.display_path for s in todo), found))
    return files, prints


def _file_errors(cfg, batch) -> dict:
    """display path -> error message, for files whose rejected rows are errors here."""
    if cfg.error_handling_strategy == "skip" or batch is None:
        return {}
    errors = {}
    for path, st in batch.stats.items():
        if st.rejected:
            reasons = ", ".join(f"{n} {r}" for r, n in sorted(st.reasons.items()))
            errors[path] = f"{path}: {st.rejected} bad row(s) ({reasons})"
    return errors


def _date_key(when):
    return (when is not None, when or _dt.date.min)


def _choose(cfg, files, errors) -> tuple[list, dict]:
    """(files to commit, failed file -> message) under the config's strategy."""
    if not errors:
        return list(files), {}
    by_path = {f.display_path: f for f in files}
    bad_dates = {by_path[p].date for p in errors}
    if cfg.error_handling_strategy == "fail":
        first = min(bad_dates, key=_date_key)
        keep = [f for f in files if _date_key(f.date) < _date_key(first)]
        why = f"not loaded: stopped at the first failing date ({first})"
    else:
        keep = [f for f in files if f.date not in bad_dates]
        why = "not loaded: another file of its date failed"
    kept = {f.display_path for f in keep}
    failed = {
        f.display_path: errors.get(f.display_path) or why
        for f in files
        if f.display_path not in kept
    }
    return keep, failed


def load_config(ctx, cfg, loc, res) -> None:
    """Load one config's pending files, filling res (a ConfigResult)."""
    from pyspark.sql import functions as F

    files, prints = _pending(ctx, cfg, loc)
    if not files:
        res.status = "no_new_data"
        return
    batch = read_batch(
        ctx.spark,
        cfg,
        files,
        target_types(ctx.spark, cfg),
        ctx.execution_id,
        _dt.datetime.now(_dt.UTC).replace(tzinfo=None),
        {path: valid for path, (_, valid) in prints.items()},
    )
    if batch is not None:
        names = {c.lower() for c, _ in batch.columns}
        missing = [k for k in cfg.merge_keys if k.lower() not in names]
        if cfg.write_mode == "merge" and missing:
            raise cfg.error(
                "merge_keys",
                f"{', '.join(missing)} not in the data "
                f"(columns: {', '.join(c for c, _ in batch.columns)})",
            )
    errors = _file_errors(cfg, batch)
    keep, failed = _choose(cfg, files, errors)
    stats = batch.stats if batch is not None else {}
    kept = {f.display_path for f in keep}
    outcome = None
    if keep and batch is not None:
        good = batch.good
        if failed:
            good = good.where(F.col("_source_file_path").isin(sorted(kept)))
        good_rows = sum(stats[p].rows - stats[p].rejected for p in kept)
        outcome = write_batch(
            ctx.spark,
            cfg,
            good,
            batch.columns,
            keep,
            good_rows,
            batch.good_of,
            None if failed else batch.keys_of,
            None if failed else batch.latest,
        )
    elif keep:  # only zero-byte files: they replace what they (or the target) held
        outcome = write_batch(ctx.spark, cfg, None, [], keep, 0)
    ctx.committed += len(keep)
    if ctx.stop_after_files is not None and ctx.committed >= ctx.stop_after_files:
        raise IngestionAborted(
            f"stop_after_files={ctx.stop_after_files} reached after {cfg.config_id}'s data commit"
        )
    if cfg.error_handling_strategy == "skip" and batch is not None and keep:
        rows = quarantine_rows(cfg, batch, kept, ctx.execution_id, ledger.utc_now())
        write_quarantine(ctx.spark, cfg, rows, sorted(kept))
    _record(ctx, cfg, files, prints, stats, kept, failed)
    _fill(res, cfg, files, stats, kept, failed, outcome, batch)


def _record(ctx, cfg, files, prints, stats, kept, failed) -> None:
    rows = []
    for f in files:
        st = stats.get(f.display_path)
        read, rejected = (st.rows, st.rejected) if st else (0, 0)
        ok = f.display_path in kept
        counts = (read, read - rejected if ok else 0, rejected)
        rows.append(
            ledger.file_row(
                cfg.config_id,
                ctx.execution_id,
                f,
                prints.get(f.display_path, (None, None))[0],
                counts,
                ledger.LOADED if ok else ledger.FAILED,
                failed.get(f.display_path),
            )
        )
    ctx.record(rows)


def _fill(res, cfg, files, stats, kept, failed, outcome, batch) -> None:
    res.dates_loaded = sorted(
        {f.date.isoformat() for f in files if f.display_path in kept and f.date is not None}
    )
    res.rows_read = sum(st.rows for st in stats.values())
    res.rows_rejected = sum(st.rejected for st in stats.values())
    for st in stats.values():
        for reason, n in st.reasons.items():
            res.reject_reasons[reason] = res.reject_reasons.get(reason, 0) + n
    if outcome is not None:
        res.rows_inserted, res.rows_updated = outcome.inserted, outcome.updated
        res.rows_deleted, res.collapsed_duplicates = outcome.deleted, outcome.collapsed
        res.notes += outcome.notes
        if outcome.collapsed:
            res.notes.append(
                f"{outcome.collapsed} duplicate key row(s) collapsed (latest date wins)"
            )
    if batch is not None:
        res.notes += batch.notes
    res.file_errors = dict(failed)
    real = {p: m for p, m in failed.items() if not m.startswith("not loaded:")}
    quarantined = cfg.error_handling_strategy == "skip" and res.rows_rejected
    if not failed:
        res.status = "completed_with_errors" if quarantined else "completed"
    elif cfg.error_handling_strategy == "log" and kept:
        res.status = "completed_with_errors"
    else:
        res.status = "failed"
    if real:
        first = min(real.items())[1]
        more = f" (+{len(real) - 1} more file(s))" if len(real) > 1 else ""
        res.error_message = f"config {cfg.config_id}: {first}{more}"
    elif quarantined and res.status == "completed_with_errors":
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(res.reject_reasons.items()))
        res.error_message = (
            f"config {cfg.config_id}: {res.rows_rejected} row(s) quarantined ({reasons})"
        )
