"""The plan stage: per config, the pending files of a run. Reads no data.

One Plan serves the dry run (rendered as a ConfigPlan) and the load, which records the
routes it takes (results.Routes) on it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import ledger
from .config import date_range
from .discovery import discover
from .errors import IngestionError
from .results import ConfigPlan, PlannedFile, Routes


@dataclass
class Plan:
    cfg: object
    files: list  # pending SourceFiles, in discovery order
    prints: dict = field(default_factory=dict)  # display path -> (sha256, valid UTF-8 or None)
    routes: Routes = field(default_factory=Routes)
    range_files: list | None = None  # a re-process: the files of its range (files: and more)
    repeats: list = field(default_factory=list)  # files delivered twice, not loaded again
    ledger_dates: set = field(default_factory=set)  # dates with a file in the ledger

    def entry(self) -> ConfigPlan:
        again = set(self.routes.read_later)
        shown = [f for f in self.files if f.display_path not in again]
        entry = plan_entry(self.cfg, shown if self.range_files is None else self.range_files)
        if self.range_files is not None:
            entry.replaces = self.routes.reprocess
        entry.reads_again = len(self.files) - len(entry.files)
        return entry


def plan_config(ctx, cfg, loc, fingerprint: bool = True) -> Plan:
    """The files in the run's date range that the ledger does not hold as loaded (or, for
    skip_existing_dates, whose date it does not); fingerprint: also hash every pending file
    (the load records the hashes; a dry run leaves them out). A re-process plans every file
    of its range instead (see reprocess_files)."""
    lo, hi = date_range(cfg, ctx.start, ctx.end)
    state = ctx.state_of(cfg.config_id)
    if getattr(ctx, "reprocess", False):
        return _reprocess_plan(ctx, cfg, loc, state, lo, hi, fingerprint)
    files, prints = pending(cfg, loc, state, lo, hi, loc.fs if fingerprint else None)
    if not cfg.batch_import_enabled:
        files = oldest_date_only(files)
    later = later_loaded(cfg, loc, state, files)
    if later:
        files = sorted(files + later, key=lambda f: (f.date is not None, f.date, f.display_path))
    plan = _planned(cfg, loc, files, prints, state, fingerprint)
    plan.routes.read_later = [f.display_path for f in later]
    plan.ledger_dates = {r.date_partition for r in state.values() if r.date_partition}
    if cfg.skip_existing_dates and cfg.late_arrival_days:
        again = reopened_dates(ledger.done_dates(state), cfg.late_arrival_days)
        plan.routes.late_files = [f.display_path for f in plan.files if f.date in again]
    return plan


def later_loaded(cfg, loc, state, files) -> list:
    """For a write mode that rereads_later: the loaded files, not in files, dated on or
    after files' oldest date when a loaded date is newer than it (a late file); else []."""
    from .modes import write_mode

    dates = [f.date for f in files if f.date is not None]
    if not dates or not write_mode(cfg).rereads_later:
        return []
    oldest, taken = min(dates), {f.display_path for f in files}
    loaded = {path for path, row in state.items() if row.status == ledger.LOADED
              and row.date_partition is not None and row.date_partition >= oldest}
    if not loaded - taken or not any(state[p].date_partition > oldest for p in loaded):
        return []
    start, end = date_range(cfg)
    return [f for f in discover(cfg, loc, start, end)
            if f.display_path in loaded and f.display_path not in taken]


def _planned(cfg, loc, files, prints, state, fingerprint) -> Plan:
    check = cfg.utf8
    if fingerprint:
        todo = [s for s in files if s.display_path not in prints]
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = pool.map(lambda s: loc.fs.fingerprint(s.list_path, check), todo)
            prints.update(zip((s.display_path for s in todo), found))
    repeats = delivered_twice(files, prints, state) if fingerprint else {}
    plan = Plan(cfg, [f for f in files if f.display_path not in repeats], prints)
    plan.repeats = [f for f in files if f.display_path in repeats]
    plan.routes.duplicates = repeats
    plan.routes.split_dates = split_dates(plan.files, state)
    plan.routes.loaded_dates = ledger.loaded_dates(state)
    return plan


def _reprocess_plan(ctx, cfg, loc, state, lo, hi, fingerprint) -> Plan:
    """Every file of [lo, hi] as it is now, whatever the ledger says, and the files loaded
    earlier that the write mode reads again to rebuild what the range's rows replaced
    (modes/base.py reprocess_reads)."""
    from .modes import write_mode

    if cfg.import_pattern != "date_partitioned":
        raise cfg.error("import_pattern", "--reprocess replaces the rows of a date range, so it "
                        "needs date_partitioned files")
    mode = write_mode(cfg)
    mode.check_reprocess(cfg)
    files = discover(cfg, loc, lo, hi)
    found = {f.display_path for f in files}
    gone = sorted(path for path, row in state.items()
                  if row.status == ledger.LOADED and row.date_partition is not None
                  and lo <= row.date_partition <= hi and path not in found)
    if gone:
        raise IngestionError(
            f"{cfg.config_id}: cannot re-process {lo.isoformat()}..{hi.isoformat()}: {gone[0]} "
            "was loaded but is gone; put it back, or leave it empty (0 bytes) to remove its rows")
    reads = mode.reprocess_reads
    if reads != "none":
        loaded = {path for path, row in state.items() if row.status == ledger.LOADED}
        start, end = date_range(cfg)
        earlier = [f for f in discover(cfg, loc, start, end)
                   if f.display_path in loaded and f.date is not None
                   and {"before": f.date < lo, "after": f.date > hi}.get(
                       reads, not lo <= f.date <= hi)]
        files = sorted(earlier + files, key=lambda f: (f.date, f.display_path))
    plan = _planned(cfg, loc, files, {}, state, fingerprint)
    plan.range_files = [f for f in plan.files if lo <= f.date <= hi]
    plan.routes.reprocess = f"{lo.isoformat()}..{hi.isoformat()}"
    plan.routes.split_dates = []
    range_dates = {f.date.isoformat() for f in plan.range_files}
    plan.routes.loaded_dates = [d for d in plan.routes.loaded_dates
                                if not lo.isoformat() <= d <= hi.isoformat()]
    plan.routes.reprocess_dates = sorted(range_dates)
    return plan


def delivered_twice(files, prints: dict, state: dict) -> dict:
    """display path -> the file it repeats, for each file whose content (sha256) is that of
    another file of the same date: one the ledger holds as loaded, or one earlier in files."""
    seen = {(row.date_partition, row.content_hash): path for path, row in state.items()
            if row.status == ledger.LOADED and row.content_hash}
    repeats = {}
    for f in files:
        digest = prints.get(f.display_path, (None, None))[0]
        if digest is None:
            continue
        first = seen.setdefault((f.date, digest), f.display_path)
        if first != f.display_path:
            repeats[f.display_path] = first
    return repeats


def split_dates(files, state: dict) -> list[str]:
    """Dates of files that also have a file an earlier run loaded which is not in files."""
    paths = {f.display_path for f in files}
    dates = {f.date for f in files if f.date is not None}
    return sorted({row.date_partition.isoformat() for path, row in state.items()
                   if row.status == ledger.LOADED and row.date_partition in dates
                   and path not in paths})


def pending(cfg, loc, state: dict, lo, hi, fs=None) -> tuple[list, dict]:
    """Every file in [lo, hi] the ledger state does not hold as loaded (for
    skip_existing_dates: every file of a date not yet loaded), and the fingerprints taken
    on the way (fs None: size and time against the ledger only, no file is read)."""
    if cfg.skip_existing_dates:
        done = ledger.done_dates(state)
        again = reopened_dates(done, cfg.late_arrival_days)
        files = discover(cfg, loc, lo, hi, done - again)
        return [f for f in files if f.date not in again or not _loaded(state, f)], {}
    files = discover(cfg, loc, lo, hi, frozenset())
    return ledger.pending_files(files, state, fs, cfg.utf8)


def reopened_dates(done: frozenset, days: int) -> frozenset:
    """late_arrival_days: the last ``days`` loaded dates, listed again for late files."""
    return frozenset(sorted(d for d in done if d is not None)[-days:]) if days else frozenset()


def _loaded(state: dict, source) -> bool:
    row = state.get(source.display_path)
    return row is not None and row.status == ledger.LOADED


def plan_entry(cfg, files=(), error: str | None = None) -> ConfigPlan:
    dates = sorted({f.date.isoformat() for f in files if f.date is not None})
    return ConfigPlan(
        config_id=cfg.config_id,
        target=f"{cfg.target_schema_name}.{cfg.target_table_name}",
        write_mode=cfg.write_mode,
        dates=dates,
        files=[
            PlannedFile(f.display_path, f.date.isoformat() if f.date else None, f.size)
            for f in files
        ],
        error_message=error,
    )


def oldest_date_only(files: list) -> list:
    """batch_import_enabled FALSE: only the files of the oldest pending date (undated first)."""
    if not files:
        return []
    key = min((f.date is not None, f.date) for f in files)
    return [f for f in files if (f.date is not None, f.date) == key]
