"""What a run returns: per-config results, warnings, the dry-run plan; JSON and a text table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from ..text import aligned_table


@dataclass
class Routes:
    """The choices a load made, as data (tests and --debug read them; nothing depends on them).

    type_sample: how inferred columns got their proposed types -- "head" (the first lines,
    read without Spark), "spark" (the first rows of the read), None (no column to infer).
    sampled_types: those proposals. checks: the passes over every row, in order -- "one_pass"
    (checks and key pass in one job), "full" (per file and reject reason), "retry" (the
    columns a value past the sample broke). parser_types: inferred columns the format's
    parser typed on the re-read. key_pass (keyed modes): None (small or one-file batch,
    deduplicated outright), "read" (found by one_pass), "narrow" (key columns only), "full";
    key_winners / most_rows_per_key: its answer. reread: files read again for the commit
    (the key winners). deduplicated: some key had several rows, so one row per key was kept.
    snapshot_deletes (merge with snapshot_deletes soft/hard): the date of the snapshot whose
    missing keys were deleted, or the reason none were (text); scd2 with close: the dates
    (ISO) whose full snapshots close missing keys, or the reason none do. split_dates: dates of the
    batch that also have files an earlier run loaded (the batch holds part of their files).
    """

    type_sample: str | None = None
    sampled_types: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    parser_types: dict = field(default_factory=dict)
    key_pass: str | None = None
    key_winners: list | None = None
    most_rows_per_key: int | None = None
    reread: list = field(default_factory=list)
    deduplicated: bool = False
    snapshot_deletes: object = None  # merge: the snapshot date keys were deleted as of, or why not
    split_dates: list = field(default_factory=list)  # batch dates with files loaded earlier
    missing_dates: list = field(default_factory=list)  # merge soft: dates a key can go missing on
    failed_dates: list = field(default_factory=list)  # dates of the batch with a file that failed
    loaded_dates: list = field(default_factory=list)  # dates with rows loaded by earlier runs
    history_from: str | None = None  # scd2: the oldest date whose versions the batch recomputes
    reprocess: str | None = None  # a re-process: its range "D1..D2"
    reprocess_dates: list = field(default_factory=list)  # a re-process: the range's file dates
    read_later: list = field(default_factory=list)  # a late file: loaded files read again
    duplicates: dict = field(default_factory=dict)  # file delivered twice -> the file it repeats
    late_files: list = field(default_factory=list)  # late_arrival_days: new files of loaded dates


@dataclass
class ConfigResult:
    config_id: str
    status: str = "no_new_data"
    dates_loaded: list = field(default_factory=list)
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    error_message: str | None = None
    notes: list = field(default_factory=list)
    file_errors: dict = field(default_factory=dict)
    reject_reasons: dict = field(default_factory=dict)
    collapsed_duplicates: int = 0
    strategy: str = "fail"
    routes: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when this config makes the run exit non-zero (IngestionResult.failed).

        A failed config, and one that ended completed_with_errors under the 'log' strategy:
        the errors are recorded, the other dates and configs continue, and the run still
        exits non-zero at the end. Under 'skip' completed_with_errors means rows were
        quarantined, as asked: the run does not fail for it (verify reports them).
        """
        if self.status == "completed_with_errors":
            return self.strategy != "skip"
        return self.status == "failed"


@dataclass
class PlannedFile:
    path: str
    date: str | None
    size: int


@dataclass
class ConfigPlan:
    config_id: str
    target: str
    write_mode: str
    dates: list = field(default_factory=list)
    files: list = field(default_factory=list)
    error_message: str | None = None
    replaces: str | None = None  # a re-process: the range whose rows it replaces
    reads_again: int = 0  # loaded files read again (a re-process's outside its range; a late
    #                       file's of its date and later, for a mode whose result needs them)


@dataclass
class IngestionResult:
    execution_id: str
    configs: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    plan: list | None = None

    @property
    def failed(self) -> bool:
        """The run exits non-zero: a planned config is invalid, or any ConfigResult.failed."""
        if self.plan is not None:
            return any(p.error_message for p in self.plan)
        return any(c.failed for c in self.configs)

    @property
    def failed_config_ids(self) -> list:
        """config_id of every config that makes the run fail (ConfigResult.failed)."""
        if self.plan is not None:
            return [p.config_id for p in self.plan if p.error_message]
        return [c.config_id for c in self.configs if c.failed]

    def to_json(self) -> str:
        return json.dumps(
            {
                "execution_id": self.execution_id,
                "failed": self.failed,
                "warnings": self.warnings,
                "configs": [asdict(c) for c in self.configs],
                "plan": None if self.plan is None else [asdict(p) for p in self.plan],
            },
            indent=2,
            sort_keys=True,
            default=str,
        )

    def render_table(self) -> str:
        """An aligned text table: one line per config (or per planned config on a dry run)."""
        if self.plan is not None:
            head = ("config", "target", "mode", "dates", "files", "error")
            body = [
                (
                    p.config_id,
                    p.target,
                    p.write_mode,
                    _dates(p.dates),
                    str(len(p.files)),
                    p.error_message or "",
                )
                for p in self.plan
            ]
        else:
            head = (
                "config",
                "dates loaded",
                "read",
                "inserted",
                "updated",
                "rejected",
                "status",
                "seconds",
                "error",
            )
            body = [
                (
                    c.config_id,
                    _dates(c.dates_loaded),
                    str(c.rows_read),
                    str(c.rows_inserted),
                    str(c.rows_updated),
                    str(c.rows_rejected),
                    c.status,
                    f"{c.seconds:.1f}",
                    (c.error_message or "")[:80],
                )
                for c in self.configs
            ]
        lines = aligned_table(head, body)
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _dates(dates) -> str:
    if not dates:
        return "-"
    return dates[0] if len(dates) == 1 else f"{dates[0]}..{dates[-1]} ({len(dates)})"
