"""One validated config's load: plan -> read -> check -> write -> quarantine -> record.

Each stage is a module (plan.py, read.py, check.py, write.py, quarantine.py, record.py);
this one passes their results along. The ledger rows wait for the run's next flush, after
the data commit, so a crash between the two only makes the next run load the files again.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict

from . import ledger
from .check import check_batch
from .errors import IngestionAborted, IngestionError
from .plan import plan_config
from .quarantine import quarantine_rows, write_quarantine
from .read import read_batch
from .record import fill_result, ledger_rows, repeat_note, repeat_rows
from .target import target_types
from .write import Rows, write_rows


def load_config(ctx, cfg, loc, res) -> None:
    """Load one config's pending files, filling res (a ConfigResult)."""
    plan = plan_config(ctx, cfg, loc)
    if plan.repeats:
        res.notes.append(repeat_note(plan))
    gaps = missing_dates(plan)
    if gaps:
        res.notes.append(f"no file for {len(gaps)} date(s) before the newest one loaded: "
                         f"{date_spans(gaps)}")
    if plan.routes.late_files:
        res.notes.append(f"{len(plan.routes.late_files)} late file(s) of loaded dates found "
                         f"by late_arrival_days {cfg.late_arrival_days}, e.g. "
                         f"{plan.routes.late_files[0]}")
    if not plan.files:
        if plan.repeats:
            ctx.record(repeat_rows(ctx, cfg, plan))
            res.routes = asdict(plan.routes)
        res.status = "no_new_data"
        return
    stamp = (ctx.execution_id, _dt.datetime.now(_dt.UTC).replace(tzinfo=None))
    valid = {path: ok for path, (_, ok) in plan.prints.items()}
    known = target_types(ctx.spark, cfg)
    batch = read_batch(ctx.spark, cfg, plan.files, known, stamp, valid, plan.routes)
    decision = check_batch(cfg, plan.files, batch)
    stats = batch.stats if batch is not None else {}
    outcome = None
    span = tuple(plan.routes.reprocess.split("..")) if plan.routes.reprocess else None
    if span is not None and decision.failed:  # a re-process replaces its whole range or nothing
        path, why = min(decision.failed.items())
        raise IngestionError(f"re-process of {plan.routes.reprocess} stopped before any commit: "
                             f"{path}: {why}")
    plan.routes.failed_dates = sorted({f.date.isoformat() for f in plan.files
                                       if f.display_path in decision.failed and f.date})
    if decision.keep:
        rows = _rows_to_write(batch, stats, decision)
        outcome = write_rows(ctx.spark, cfg, rows, plan.routes, span)
    ctx.committed += len(decision.keep)
    if ctx.stop_after_files is not None and ctx.committed >= ctx.stop_after_files:
        raise IngestionAborted(
            f"stop_after_files={ctx.stop_after_files} reached after {cfg.config_id}'s data commit"
        )
    if cfg.error_handling_strategy == "skip" and batch is not None and decision.keep:
        found = quarantine_rows(cfg, batch, decision.kept, ctx.execution_id, ledger.utc_now())
        write_quarantine(ctx.spark, cfg, found, sorted(decision.kept))
    ctx.record(ledger_rows(ctx, cfg, plan, stats, decision))
    fill_result(res, cfg, plan, stats, decision, outcome, batch)
    if plan.routes.read_later:  # a late file: the loaded files read again are not new dates
        again = set(plan.routes.read_later)
        res.dates_loaded = sorted({f.date.isoformat() for f in plan.files
                                   if f.display_path in decision.kept and f.date is not None
                                   and f.display_path not in again})
        res.notes.append(f"a late file: {len(again)} loaded file(s) of its date and later "
                         "read again")
    if span is not None:
        range_paths = {f.display_path for f in plan.range_files}
        res.dates_loaded = plan.routes.reprocess_dates
        res.notes.insert(0, f"re-processed {plan.routes.reprocess}: {len(range_paths)} file(s) "
                            f"of the range, {len(plan.files) - len(range_paths)} loaded file(s) "
                            "outside it read again")
    res.routes = asdict(plan.routes)


def missing_dates(plan) -> list:
    """Dates with no file between the newest date in the ledger before this run (else this
    run's oldest) and this run's newest: each gap is said once, by the run that passes it."""
    dates = {f.date for f in plan.files + plan.repeats if f.date is not None}
    if not dates:
        return []
    known = dates | plan.ledger_dates
    day = max(plan.ledger_dates) if plan.ledger_dates else min(dates)
    gaps = []
    while day < max(dates):
        day += _dt.timedelta(days=1)
        if day not in known:
            gaps.append(day)
    return gaps


def date_spans(days: list) -> str:
    """Sorted dates as text, each run of consecutive days as first..last."""
    spans: list = []
    for day in days:
        if spans and day - spans[-1][1] == _dt.timedelta(days=1):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return ", ".join(a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}"
                     for a, b in spans)


def _rows_to_write(batch, stats, decision) -> Rows:
    """The accepted rows of the kept files (None frame: only zero-byte files were kept)."""
    if batch is None:
        return Rows(None, [], decision.keep, 0)
    kept = decision.kept
    good = batch.good
    if decision.failed:
        good = good.where(good["_source_file_path"].isin(sorted(kept)))
    count = sum(stats[p].rows - stats[p].rejected for p in kept)
    return Rows(good, batch.columns, decision.keep, count, batch, whole=not decision.failed)
