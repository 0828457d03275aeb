"""The record stage: ledger rows per file, and the config's result (its log row's content)."""

from __future__ import annotations

from . import ledger
from .modes import write_mode


def repeat_rows(ctx, cfg, plan, kept=None) -> list[dict]:
    """A ledger row per file delivered twice: no row written, which file it repeats; loaded
    unless the file it repeats was in this batch and failed (kept: the batch's loaded files)."""
    pending = {f.display_path for f in plan.files}
    rows = []
    for f in plan.repeats:
        first = plan.routes.duplicates[f.display_path]
        ok = first not in pending or (kept is not None and first in kept)
        rows.append(ledger.file_row(
            cfg.config_id, ctx.execution_id, f, plan.prints.get(f.display_path, (None, None))[0],
            (0, 0, 0), ledger.LOADED if ok else ledger.FAILED,
            f"same content as {first}" + (": not loaded again" if ok else ", which failed")))
    return rows


def repeat_note(plan) -> str:
    first = plan.repeats[0].display_path
    return (f"{len(plan.repeats)} file(s) delivered twice not loaded again (same content as a "
            f"file of the same date), e.g. {first} repeats {plan.routes.duplicates[first]}")


def ledger_rows(ctx, cfg, plan, stats, decision) -> list[dict]:
    """One ledger row per pending file: loaded (with its counts) or failed (with why); and
    one per file delivered twice (repeat_rows)."""
    rows = repeat_rows(ctx, cfg, plan, decision.kept)
    for f in plan.files:
        st = stats.get(f.display_path)
        read, rejected = (st.rows, st.rejected) if st else (0, 0)
        ok = f.display_path in decision.kept
        rows.append(
            ledger.file_row(
                cfg.config_id,
                ctx.execution_id,
                f,
                plan.prints.get(f.display_path, (None, None))[0],
                (read, read - rejected if ok else 0, rejected),
                ledger.LOADED if ok else ledger.FAILED,
                decision.failed.get(f.display_path),
            )
        )
    return rows


def fill_result(res, cfg, plan, stats, decision, outcome, batch) -> None:
    """Counts, notes, status and error message of res (a ConfigResult)."""
    kept = decision.kept
    res.dates_loaded = sorted(
        {f.date.isoformat() for f in plan.files if f.display_path in kept and f.date is not None}
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
                f"{outcome.collapsed} duplicate key row(s) collapsed "
                f"({write_mode(cfg).collapse_rule})"
            )
    if batch is not None:
        res.notes += batch.notes
    res.file_errors = dict(decision.failed)
    _status(res, cfg, decision)


def _status(res, cfg, decision) -> None:
    failed = decision.failed
    real = {p: m for p, m in failed.items() if not m.startswith("not loaded:")}
    quarantined = cfg.error_handling_strategy == "skip" and res.rows_rejected
    if not failed:
        res.status = "completed_with_errors" if quarantined else "completed"
    elif cfg.error_handling_strategy == "log" and decision.keep and not decision.stopped:
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
