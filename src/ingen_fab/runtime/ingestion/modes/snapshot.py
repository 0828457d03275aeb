"""snapshot_deletes for write_mode merge: each date's files are a full snapshot, so a key
missing from the batch's newest snapshot was deleted on that date.

- ignore (default): nothing is deleted; a key stays with its last row for ever.
- soft: the key's row stays, marked `_is_deleted` TRUE with `_deleted_at` the date of the
  first snapshot it was missing from; a snapshot holding the key again clears both.
- hard: the key's row is deleted from the target.

Let D be the newest date of the batch whose files hold a row. A key whose newest row in the
batch is older than D, or a target row the batch does not match whose date is not after D,
was missing from D's snapshot and is deleted. A target row newer than D is never touched, so
a late file of an older date deletes nothing a newer snapshot kept; and a key absent from
the target is only inserted from a date not older than the target's newest, so a late file
cannot bring back a key a newer snapshot deleted.

With soft, a key's row is kept, so each row of the batch is upserted with the date of the
first snapshot after it that lacked its key (the batch's dates that hold a row, and the dates
loaded earlier) as `_deleted_at`: loaded in any order, a key ends with its last row and the
date it went missing.

No key is deleted when the batch holds only part of D's snapshot: a row of the batch was
rejected, or a file of D was loaded by an earlier run and is not in this batch (a snapshot
split over several files that arrived apart). The load's log says so. Only set
snapshot_deletes for configs whose files are full snapshots: a partial file deletes every
key it does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

DATE = "_source_date_partition"
IS_DELETED, DELETED_AT = "_is_deleted", "_deleted_at"
SOFT = (IS_DELETED, DELETED_AT)


@dataclass(frozen=True)
class MergePlan:
    """The parts of the MERGE that snapshot_deletes adds (SQL conditions on t and s)."""

    insert_when: str | None = None  # condition of the not-matched insert (None: always)
    missing_when: str | None = None  # condition of the not-matched-by-source delete/update
    missing_set: dict | None = None  # soft: the not-matched-by-source update (else: delete)


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


def complete_dates(rows, routes):
    """scd2 with close: the dates (ISO) of the batch whose files are whole snapshots (they
    hold a row, none of their rows was rejected and none of their files failed, no file of
    the date was loaded apart), or the reason there are none (text)."""
    if rows.batch is None:
        return "none: no dated file of the batch holds a row"
    stats = rows.batch.stats
    dated = {f.date.isoformat() for f in rows.files
             if f.date is not None and stats.get(f.display_path) is not None
             and stats[f.display_path].rows > 0}
    partial = set(routes.failed_dates) | {
        f.date.isoformat() for f in rows.batch.mapping.values()
        if f.date is not None and getattr(stats.get(f.display_path), "rejected", 0)}
    full = sorted(dated - partial - set(routes.split_dates))
    if full:
        return full
    if partial:
        return "none: rows of the batch were rejected, its snapshots are incomplete"
    return "none: no date of the batch holds a whole snapshot"


def mark(cfg, frame, rows, routes):
    """The batch's rows for snapshot_deletes: hard drops the keys missing from its newest
    snapshot (the MERGE deletes their rows); soft keeps every row, with the date its key
    went missing (if it did) in _deleted_at and _is_deleted."""
    from pyspark.sql import functions as F

    if cfg.snapshot_deletes == "ignore":
        return frame
    newest = newest_snapshot(rows, routes)
    if cfg.snapshot_deletes == "hard":
        return frame if newest is None else frame.where(F.col(DATE) >= F.lit(newest))
    dates = snapshot_dates(rows, routes, newest)
    routes.missing_dates = [d.isoformat() for d in dates]
    missing_on = first_after(F.col(DATE), dates)
    return frame.withColumn(DELETED_AT, missing_on).withColumn(
        IS_DELETED, F.col(DELETED_AT).isNotNull())


def snapshot_dates(rows, routes, newest) -> list:
    """The dates a key can go missing on: the batch's dates that hold a row (when its
    newest snapshot is whole) and the dates loaded earlier, from the batch's oldest on."""
    import datetime as _dt

    stats = rows.batch.stats if rows.batch is not None else {}
    dated = {f.date for f in rows.files if f.date is not None
             and stats.get(f.display_path) is not None and stats[f.display_path].rows > 0}
    oldest = min((f.date for f in rows.files if f.date is not None), default=None)
    loaded = {_dt.date.fromisoformat(d) for d in getattr(routes, "loaded_dates", [])}
    if oldest is not None:
        loaded = {d for d in loaded if d >= oldest}
    return sorted(loaded | (dated if newest is not None else set()))


def first_after(date, dates):
    """The Column: the first of dates after date (NULL when none is)."""
    from pyspark.sql import functions as F

    found = F.lit(None).cast("date")
    for d in reversed(dates):
        found = F.when(date < F.lit(d), F.lit(d)).otherwise(found)
    return found


def merge_plan(spark, cfg, routes) -> MergePlan:
    """The MERGE clauses for the config's snapshot_deletes, as of routes.snapshot_deletes."""
    import datetime as _dt

    if cfg.snapshot_deletes == "ignore":
        return MergePlan()
    newest = getattr(routes, "snapshot_deletes", None)
    as_of = newest if isinstance(newest, _dt.date) else None
    if cfg.snapshot_deletes == "soft":
        return _soft_plan(as_of, routes)
    high = _newest_in_target(spark, cfg)
    return MergePlan(
        insert_when=None if high is None else f"s.{DATE} >= DATE'{high}'",
        missing_when=None if as_of is None else f"t.{DATE} <= DATE'{as_of}'",
    )


def _soft_plan(as_of, routes) -> MergePlan:
    """soft: a target row the batch lacks whose date is not after as_of is marked deleted
    on the first snapshot date after its own (the batch's or an earlier run's; at the latest
    as_of), unless it already is on that date or an earlier one."""
    import datetime as _dt

    if as_of is None:
        return MergePlan()
    known = {*routes.loaded_dates, *routes.missing_dates}
    dates = sorted({_dt.date.fromisoformat(d) for d in known} | {as_of})
    dates = [d for d in dates if d <= as_of]
    case = " ".join(f"WHEN t.{DATE} < DATE'{d}' THEN DATE'{d}'" for d in dates)
    missing_on = f"CASE {case} ELSE DATE'{as_of}' END"
    return MergePlan(
        missing_when=(f"t.{DATE} <= DATE'{as_of}' AND (NOT coalesce(t.{IS_DELETED}, FALSE) "
                      f"OR t.{DELETED_AT} > {missing_on})"),
        missing_set={IS_DELETED: "TRUE", DELETED_AT: missing_on},
    )


def _newest_in_target(spark, cfg):
    from pyspark.sql import functions as F

    from ..target import table_name

    return spark.table(table_name(cfg)).agg(F.max(DATE)).first()[0]
