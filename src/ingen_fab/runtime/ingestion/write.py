"""The write stage: one Delta commit of the accepted rows of the files kept, by write mode.

A table's first load creates it from the batch (whatever the mode); later loads align the
batch with the table (new columns added, missing ones NULL; both noted) and commit as the
config's write mode does (modes/). Counts come from the commit's Delta operation metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .lineage import ROW_POSITION
from .modes import write_mode
from .target import aligned, no_rows, target_exists


@dataclass
class Rows:
    """What the write stage commits.

    frame: the accepted rows (final columns + lineage, + ROW_POSITION for a keyed mode) of
    files, or None when those files hold no row; count: how many rows that is. batch: the
    read.Batch they came from (it can read a subset of the files again); whole: every file
    of the batch is kept, so the batch's answers about all its rows hold for these rows.
    """

    frame: object
    columns: list
    files: list
    count: int
    batch: object = None
    whole: bool = False


@dataclass
class WriteOutcome:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    collapsed: int = 0
    notes: list = field(default_factory=list)


def write_rows(spark, cfg, rows: Rows, routes, span=None) -> WriteOutcome:
    """Commit rows to the config's target; returns the commit's counts. span (a
    re-process's first and last date, ISO): the mode replaces that range's rows."""
    mode = write_mode(cfg)
    outcome = WriteOutcome()
    exists = target_exists(spark, cfg)
    if rows.frame is None:  # a re-process always commits: its range's files may now be empty
        if not exists or (span is None and not mode.commits_empty):
            return outcome
        frame, columns = no_rows(spark, cfg)
        added = mode.added_columns(cfg)  # shaped as a batch the mode prepares
        frame, columns = frame.drop(*added), [c for c in columns if c[0] not in added]
        if mode.keyed:
            from pyspark.sql import functions as F

            frame = frame.withColumn(ROW_POSITION, F.lit(0).cast("long"))
        rows = Rows(frame, columns, rows.files, 0)
    frame = mode.prepare(spark, cfg, rows, routes)
    if isinstance(routes.snapshot_deletes, str):  # the mode deleted nothing, and says why
        outcome.notes.append(f"snapshot_deletes {cfg.snapshot_deletes}: {routes.snapshot_deletes}")
    if not exists:
        if rows.count == 0:
            return outcome
        outcome.inserted = taken = mode.first_load(spark, cfg, frame, outcome.notes, routes)
    else:
        frame = aligned(spark, cfg, frame, rows.columns, outcome.notes, mode.own_columns(cfg),
                        mode.added_columns(cfg))
        if span is None:
            taken = mode.commit(spark, cfg, frame, rows.files, outcome, routes)
        else:
            taken = mode.replace(spark, cfg, frame, rows.files, outcome, routes, span)
    if mode.keyed:
        outcome.collapsed = max(rows.count - (rows.count if taken is None else taken), 0)
    return outcome

