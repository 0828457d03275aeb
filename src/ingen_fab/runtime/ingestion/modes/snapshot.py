"""snapshot_deletes for write_mode merge: each date's files are a full snapshot, so a key
missing from the batch's newest snapshot was deleted on that date.

- ignore (default): nothing is deleted; a key stays with its last row for ever.
- hard: the key's row is deleted from the target.

Let D be the newest date of the batch whose files hold a row. A key whose newest row in the
batch is older than D, or a target row the batch does not match whose date is not after D,
was missing from D's snapshot and is deleted. A target row newer than D is never touched, so
a late file of an older date deletes nothing a newer snapshot kept; and a key absent from
the target is only inserted from a date not older than the target's newest, so a late file
cannot bring back a key a newer snapshot deleted.

No key is deleted when the batch holds only part of D's snapshot: a row of the batch was
rejected, or a file of D was loaded by an earlier run and is not in this batch (a snapshot
split over several files that arrived apart). The load's log says so. Only set
snapshot_deletes for configs whose files are full snapshots: a partial file deletes every
key it does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

DATE = "_source_date_partition"


@dataclass(frozen=True)
class MergePlan:
    """The parts of the MERGE that snapshot_deletes adds (SQL conditions on t and s)."""

    insert_when: str | None = None  # condition of the not-matched insert (None: always)
    missing_when: str | None = None  # condition of the not-matched-by-source delete


def newest_snapshot(rows, routes):
    """The date the batch's deletes apply as of, or None with the reason in
    routes.snapshot_deletes (the date otherwise)."""
    stats = rows.batch.stats if rows.batch is not None else {}
    dated = [f.date for f in rows.files
             if f.date is not None and stats.get(f.display_path) is not None
             and stats[f.display_path].rows > 0]
    newest = max(dated) if dated else None
    clean = rows.whole and rows.batch is not None and rows.batch.source.clean
    if not clean:
        routes.snapshot_deletes = "none: rows of the batch were rejected, its snapshot is incomplete"
    elif newest is None:
        routes.snapshot_deletes = "none: no dated file of the batch holds a row"
    elif newest.isoformat() in routes.split_dates:
        routes.snapshot_deletes = (f"none: files of {newest} were loaded by an earlier run, so "
                                   "this batch holds only part of that snapshot")
    else:
        routes.snapshot_deletes = newest
        return newest
    return None


def mark(cfg, frame, rows, routes):
    """The batch's rows without the keys missing from its newest snapshot (hard deletes)."""
    from pyspark.sql import functions as F

    if cfg.snapshot_deletes == "ignore":
        return frame
    newest = newest_snapshot(rows, routes)
    return frame if newest is None else frame.where(F.col(DATE) >= F.lit(newest))


def merge_plan(spark, cfg, routes) -> MergePlan:
    """The MERGE clauses for the config's snapshot_deletes, as of routes.snapshot_deletes."""
    import datetime as _dt

    if cfg.snapshot_deletes == "ignore":
        return MergePlan()
    newest = getattr(routes, "snapshot_deletes", None)
    as_of = newest if isinstance(newest, _dt.date) else None
    high = _newest_in_target(spark, cfg)
    return MergePlan(
        insert_when=None if high is None else f"s.{DATE} >= DATE'{high}'",
        missing_when=None if as_of is None else f"t.{DATE} <= DATE'{as_of}'",
    )


def _newest_in_target(spark, cfg):
    from pyspark.sql import functions as F

    from ..target import table_name

    return spark.table(table_name(cfg)).agg(F.max(DATE)).first()[0]
