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
from .results import ConfigPlan, PlannedFile, Routes


@dataclass
class Plan:
    cfg: object
    files: list  # pending SourceFiles, in discovery order
    prints: dict = field(default_factory=dict)  # display path -> (sha256, valid UTF-8 or None)
    routes: Routes = field(default_factory=Routes)

    def entry(self) -> ConfigPlan:
        return plan_entry(self.cfg, self.files)


def plan_config(ctx, cfg, loc, fingerprint: bool = True) -> Plan:
    """The files in the run's date range that the ledger does not hold as loaded (or, for
    skip_existing_dates, whose date it does not); fingerprint: also hash every pending file
    (the load records the hashes; a dry run leaves them out)."""
    lo, hi = date_range(cfg, ctx.start, ctx.end)
    check = cfg.utf8
    state = ctx.state_of(cfg.config_id)
    files, prints = pending(cfg, loc, state, lo, hi, loc.fs if fingerprint else None)
    if not cfg.batch_import_enabled:
        files = oldest_date_only(files)
    if fingerprint:
        todo = [s for s in files if s.display_path not in prints]
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = pool.map(lambda s: loc.fs.fingerprint(s.list_path, check), todo)
            prints.update(zip((s.display_path for s in todo), found))
    plan = Plan(cfg, files, prints)
    plan.routes.split_dates = split_dates(files, state)
    plan.routes.loaded_dates = ledger.loaded_dates(state)
    return plan


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
    skip = ledger.done_dates(state) if cfg.skip_existing_dates else frozenset()
    files = discover(cfg, loc, lo, hi, skip)
    if cfg.skip_existing_dates:
        return files, {}
    return ledger.pending_files(files, state, fs, cfg.utf8)


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
