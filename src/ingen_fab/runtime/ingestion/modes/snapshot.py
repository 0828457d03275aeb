"""snapshot_deletes for write_mode merge: each date's files are a full snapshot, so a key
missing from the batch's newest snapshot was deleted on that date.

- ignore (default): nothing is deleted; a key stays with its last row for ever.
- hard: the key's row is deleted from the target.
- soft: the row stays, with `_is_deleted` TRUE and `_deleted_at` the snapshot's date; a key
  that comes back later is current again.

Let D be the newest date holding a row in the batch. A key whose newest row in the batch is
older than D, or a target row not matched by the batch whose date is not after D (and not
already deleted), was missing from D's snapshot. A target row newer than D is never touched,
so a late file of an older date deletes nothing that a newer snapshot kept; and with hard
in either mode a key absent from the target is only inserted from a date not older than
the target's newest, so a late file cannot bring back a key a newer snapshot deleted.

Nothing is deleted when any row or file of the batch was rejected (the snapshot is then
incomplete); the load says so in its log. Only set snapshot_deletes for configs whose files
are full snapshots: a partial file would delete every key it does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

DATE = "_source_date_partition"
DELETED, DELETED_AT = "_is_deleted", "_deleted_at"


@dataclass(frozen=True)
class MergePlan:
    """The parts of the MERGE that snapshot_deletes adds (SQL conditions on t and s)."""

    update_set: dict | None = None  # matched-update SET expressions replacing s.<column>
    insert_when: str | None = None  # condition of the not-matched insert (None: always)
    missing_when: str | None = None  # condition of the not-matched-by-source clause
    missing_set: dict | None = None  # its SET for soft deletes (None: delete)


def mark(cfg, frame, rows, routes):
    """The batch's rows with what snapshot_deletes needs: routes.snapshot_deletes records the
    snapshot date the deletes apply as of (a date), or why none apply (text)."""
    from pyspark.sql import functions as F

    if cfg.snapshot_deletes == "ignore":
        return frame
    clean = rows.whole and rows.batch is not None and rows.batch.source.clean
    newest = frame.agg(F.max(DATE)).first()[0] if clean else None
    if not clean:
        routes.snapshot_deletes = "none: rows of the batch were rejected, its snapshot is incomplete"
    elif newest is None:
        routes.snapshot_deletes = "none: the batch's rows have no date"
    else:
        routes.snapshot_deletes = newest
    if cfg.snapshot_deletes == "hard":
        return frame.where(F.col(DATE) >= F.lit(newest)) if newest is not None else frame
    # soft: deleted as of the first date of the batch after the key's last row
    dates = sorted({f.date for f in rows.files if f.date is not None and newest
                    and f.date <= newest})
    deleted_at = F.lit(None).cast("date")
    for day in reversed(dates):
        deleted_at = F.when(F.col(DATE) < F.lit(day), F.lit(day)).otherwise(deleted_at)
    if newest is None:
        deleted_at = F.lit(None).cast("date")
    return frame.select("*", deleted_at.isNotNull().alias(DELETED), deleted_at.alias(DELETED_AT))


def merge_plan(spark, cfg, routes) -> MergePlan:
    """The MERGE clauses for the config's snapshot_deletes, as of routes.snapshot_deletes."""
    import datetime as _dt

    if cfg.snapshot_deletes == "ignore":
        return MergePlan()
    newest = getattr(routes, "snapshot_deletes", None)
    as_of = newest if isinstance(newest, _dt.date) else None
    high = _newest_in_target(spark, cfg)
    insert_when = None if high is None else f"s.{DATE} >= DATE'{high}'"
    if cfg.snapshot_deletes == "hard":
        return MergePlan(insert_when=insert_when,
                         missing_when=None if as_of is None else f"t.{DATE} <= DATE'{as_of}'")
    # a row older than a known deletion keeps that deletion (a late file of an earlier date)
    kept = f"t.{DELETED_AT} IS NOT NULL AND s.{DATE} < t.{DELETED_AT}"
    flags = {DELETED: f"CASE WHEN {kept} THEN t.{DELETED} ELSE s.{DELETED} END",
             DELETED_AT: f"CASE WHEN {kept} THEN t.{DELETED_AT} ELSE s.{DELETED_AT} END"}
    if as_of is None:
        return MergePlan(insert_when=insert_when, update_set=flags)
    return MergePlan(
        insert_when=insert_when,
        update_set=flags,
        missing_when=(f"t.{DATE} <= DATE'{as_of}' AND (t.{DELETED} IS NULL OR NOT t.{DELETED} "
                      f"OR t.{DELETED_AT} > DATE'{as_of}')"),
        missing_set={DELETED: "true", DELETED_AT: f"DATE'{as_of}'"},
    )


def _newest_in_target(spark, cfg):
    from pyspark.sql import functions as F

    from ..target import table_name

    return spark.table(table_name(cfg)).agg(F.max(DATE)).first()[0]


def verify(spark, cfg, report) -> None:
    """Soft deletes: _is_deleted TRUE exactly on the rows with a _deleted_at."""
    from pyspark.sql import functions as F

    from ..target import table_name

    table = spark.table(table_name(cfg))
    if cfg.snapshot_deletes != "soft" or DELETED not in table.columns:
        return
    deleted = F.coalesce(F.col(DELETED), F.lit(False))
    bad = table.where(deleted != F.col(DELETED_AT).isNotNull()).count()
    if bad:
        report.problems.append(
            f"{cfg.config_id}: {bad} row(s) of {cfg.target_schema_name}.{cfg.target_table_name} "
            f"disagree between {DELETED} and {DELETED_AT} (a deleted row needs its date, a "
            "current row none)"
        )
