"""The check stage: which files of a read batch may be committed, under the error strategy.

A file has an error when it has rejected rows (a corrupt record, invalid bytes, a value not
of its column's type). Per error_handling_strategy:
fail -- dates before the first failing date are committed, then the config fails;
log  -- every date holding a failing file is left out (recorded as failed in the ledger),
        the other dates load, the config ends completed_with_errors;
skip -- rejected rows go to the quarantine table and the good rows load; a config that
        quarantined rows ends completed_with_errors (the run does not fail for it).
Whatever the strategy, a file with a column schema_evolution fail refuses stops the config
at its date (schema_policy.py): the dates before it are decided as above.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from .modes import write_mode


@dataclass
class Decision:
    """keep: files to commit; failed: display path -> why a file is not committed."""

    keep: list
    failed: dict = field(default_factory=dict)
    stopped: bool = False  # a file's columns stopped the config (schema_evolution fail)

    @property
    def kept(self) -> set:
        return {f.display_path for f in self.keep}


def check_batch(cfg, files, batch) -> Decision:
    """The decision for files (all pending files of the config) and their read batch."""
    if batch is not None:
        write_mode(cfg).check_columns(cfg, batch.columns)
    refused = batch.unknown if batch is not None else {}
    if not refused:
        return choose(cfg, files, file_errors(cfg, batch))
    by_path = {f.display_path: f for f in files}
    first = min((by_path[p].date for p in refused), key=_date_key)
    before = [f for f in files if _date_key(f.date) < _date_key(first)]
    earlier = {f.display_path for f in before}
    decision = choose(cfg, before, {p: e for p, e in file_errors(cfg, batch).items()
                                    if p in earlier})
    why = f"not loaded: stopped at the first date with an unknown column ({first})"
    for f in files:
        if f.display_path not in earlier:
            decision.failed[f.display_path] = refused.get(f.display_path) or why
    decision.stopped = True
    return decision


def file_errors(cfg, batch) -> dict:
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


def choose(cfg, files, errors: dict) -> Decision:
    """Which files commit under the config's strategy, given each failing file's error."""
    if not errors:
        return Decision(list(files))
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
    return Decision(keep, failed)
