"""write_mode scd2: dated snapshots in, history (slowly changing dimension, type 2) out.

Each date's file states the rows of its keys (merge_keys) on that date. The target keeps one
version per run of equal values: `_valid_from` (the date the values were first seen),
`_valid_to` (the date they changed or the key went missing; NULL while current) and
`_is_current`. Change detection compares scd2_tracked_columns, or every business column
when it is empty; a row whose tracked values did not change writes nothing. With
snapshot_deletes `close` each date's files are a full snapshot, so a key missing from a
date's snapshot has its current version closed at that date.

History does not depend on the order dates are loaded in. A late file (older than a date
loaded already) makes the plan read again the loaded files of its date and later
(rereads_later), so a batch holds every observation from its oldest date on. It recomputes,
for the keys it can change, every version alive on or after that date, from the batch's
rows (one per key and date, the last in file order wins), the first date of each version
already held, and -- with `close`, where every snapshot restates every key -- the key's
state on a loaded date whose files the batch lacks (the ledger's dates). The result
replaces those versions in one MERGE that writes only what differs, so re-running a date
writes nothing and a late file splits the version it falls into.
"""

from __future__ import annotations

from ...sql import quote_name as q
from ..lineage import LINEAGE, ROW_POSITION
from ..target import differs, keys_match, merge_counts, table_name
from . import snapshot
from .base import WriteMode

DATE = "_source_date_partition"
VALID_FROM, VALID_TO, IS_CURRENT = "_valid_from", "_valid_to", "_is_current"
HISTORY = (VALID_FROM, VALID_TO, IS_CURRENT)


class Scd2Mode(WriteMode):
    name = "scd2"
    description = ("history per merge_keys: a changed row closes the current version "
                   "(_valid_to) and opens a new one (_valid_from, _is_current)")
    keyed = True
    commits_empty = False
    collapse_rule = "per date, the last row in file order wins"
    deletes = ("close",)
    rereads_later = True
    reprocess_reads = "after"  # the dates after the range: their versions start anew

    def validate(self, cfg) -> None:
        super().validate(cfg)
        if not cfg.merge_keys:
            raise cfg.error("merge_keys", "write_mode scd2 needs merge_keys")
        clash = [c for c in cfg.scd2_tracked_columns if c.lower() in {k.lower() for k in cfg.merge_keys}]
        if clash:
            raise cfg.error("scd2_tracked_columns", f"{', '.join(clash)} is a merge key; "
                            "list only the columns whose changes open a new version")

    def check_columns(self, cfg, columns) -> None:
        names = {c.lower() for c, _ in columns}
        found = ", ".join(c for c, _ in columns)
        for column, wanted in (("merge_keys", cfg.merge_keys),
                               ("scd2_tracked_columns", cfg.scd2_tracked_columns)):
            missing = [k for k in wanted if k.lower() not in names]
            if missing:
                raise cfg.error(column, f"{', '.join(missing)} not in the data (columns: {found})")
        taken = [c for c, _ in columns if c.lower() in {h.lower() for h in HISTORY}]
        if taken:
            raise cfg.error("write_mode", f"the data has a column {taken[0]}, which scd2 "
                            "writes itself; rename it in the files or use another write_mode")

    def added_columns(self, cfg) -> tuple[str, ...]:
        return HISTORY

    def prepare(self, spark, cfg, rows, routes):
        """One row per key and date (the last in file order); which dates are full
        snapshots a missing key is closed at goes to routes.snapshot_deletes."""
        from ..keys import dedupe

        undated = sorted(f.display_path for f in rows.files if f.date is None)
        if undated:
            raise cfg.error("import_pattern", f"{undated[0]}: write_mode scd2 needs each file's "
                            "date; use import_pattern date_partitioned")
        routes.history_from = min(f.date for f in rows.files).isoformat()
        if cfg.snapshot_deletes == "close":
            routes.snapshot_deletes = snapshot.complete_dates(rows, routes)
        return dedupe(rows.frame, [*cfg.merge_keys, DATE])

    def first_load(self, spark, cfg, frame, notes: list, routes=None) -> int:
        history = _versions(spark, cfg, frame, routes, existing=None)
        return super().first_load(spark, cfg, history, notes)

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int | None:
        return self._apply(spark, cfg, frame, outcome, routes, None)

    def replace(self, spark, cfg, frame, files, outcome, routes, span) -> int | None:
        """The range's dates observed anew: what the versions held said about them is
        dropped, the range's files say it again; the rest of the history stays."""
        routes.history_from = span[0]
        return self._apply(spark, cfg, frame, outcome, routes, span)

    def _apply(self, spark, cfg, frame, outcome, routes, span) -> int | None:
        import datetime as _dt

        from delta.tables import DeltaTable
        from pyspark.sql import functions as F

        frame = frame.drop(*HISTORY)
        lo = _dt.date.fromisoformat(routes.history_from)
        alive = spark.table(table_name(cfg)).where(
            F.col(VALID_TO).isNull() | (F.col(VALID_TO) >= F.lit(lo)))
        if cfg.snapshot_deletes != "close":  # only the batch's keys (and the range's) change
            keys = [q(k) for k in cfg.merge_keys]
            touched = frame.select(*keys)
            if span is not None:
                touched = touched.unionByName(alive.where(
                    F.col(VALID_FROM).between(F.lit(span[0]), F.lit(span[1]))).select(*keys))
            alive = _within(alive, touched, cfg.merge_keys)
        history = _versions(spark, cfg, frame, routes, existing=alive, span=span)
        gone = _without(alive, history, [*cfg.merge_keys, VALID_FROM])
        source = history.withColumn("_action", F.lit("upsert")).unionByName(
            gone.withColumn("_action", F.lit("delete")))
        data = [c for c in frame.columns if c not in LINEAGE]
        changed = differs([*data, VALID_TO])
        cond = keys_match([*cfg.merge_keys, VALID_FROM])
        values = {q(c): f"s.{q(c)}" for c in history.columns}
        (
            DeltaTable.forName(spark, table_name(cfg)).alias("t").merge(source.alias("s"), cond)
            .whenMatchedDelete(condition="s._action = 'delete'")
            .whenMatchedUpdate(condition=f"s._action = 'upsert' AND ({changed})", set=values)
            .whenNotMatchedInsert(condition="s._action = 'upsert'", values=values)
            .execute()
        )
        merge_counts(spark, cfg, outcome)
        return None  # versions, not source rows: nothing to count as collapsed

    def verify(self, spark, cfg, report) -> None:
        """Per key: versions that do not overlap, one current version at most, and
        _is_current TRUE exactly when _valid_to is NULL."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        keys = [F.col(q(k)) for k in cfg.merge_keys]
        order = Window.partitionBy(*keys).orderBy(F.col(VALID_FROM))
        found = (
            spark.table(table_name(cfg))
            .withColumn("_next", F.lead(VALID_FROM).over(order))
            .agg(
                F.sum(F.when(F.col("_next").isNotNull() & (F.col(VALID_TO).isNull() | (
                    F.col(VALID_TO) > F.col("_next")) | (F.col(VALID_FROM) == F.col("_next"))),
                    1).otherwise(0)).alias("overlaps"),
                F.sum(F.when(F.col(VALID_TO).isNotNull() & (F.col(VALID_TO) <= F.col(VALID_FROM)),
                             1).otherwise(0)).alias("empty"),
                F.sum(F.when(F.col(IS_CURRENT).isNull() | (F.col(IS_CURRENT) != F.col(VALID_TO).isNull()),
                             1).otherwise(0)).alias("flags"),
            )
            .first()
        )
        where = f"{cfg.config_id}: {cfg.target_schema_name}.{cfg.target_table_name}"
        if found["overlaps"]:
            report.problems.append(f"{where}: {found['overlaps']} version(s) overlap the next "
                                   f"version of their key on {', '.join(cfg.merge_keys)} (two "
                                   "current versions, or a _valid_to after the next _valid_from)")
        if found["empty"]:
            report.problems.append(f"{where}: {found['empty']} version(s) end on or before "
                                   "their _valid_from")
        if found["flags"]:
            report.problems.append(f"{where}: {found['flags']} version(s) whose _is_current "
                                   "does not match _valid_to (TRUE exactly when it is NULL)")


def _pairs(left, right, columns):
    """Null-safe equality of columns between left and right, aliased so that frames read
    from the same table can be joined."""
    from pyspark.sql import functions as F

    cond = [F.col(f"_l.{q(c)}").eqNullSafe(F.col(f"_r.{q(c)}")) for c in columns]
    return left.alias("_l"), right.alias("_r"), cond


def _without(left, right, columns):
    """The rows of left with no row of right equal on columns (null-safe)."""
    a, b, cond = _pairs(left, right, columns)
    return a.join(b, cond, "left_anti")


def _within(left, right, columns):
    """The rows of left with a row of right equal on columns (null-safe)."""
    a, b, cond = _pairs(left, right, columns)
    return a.join(b, cond, "left_semi")


def _versions(spark, cfg, batch, routes, existing, span=None):
    """The versions of the keys batch (one row per key and date) can change: every version
    of existing (the target's versions alive on or after the batch's oldest date, or None
    on a first load) recomputed with the batch. span (a re-process's first and last date):
    what existing said about those dates is dropped."""
    import datetime as _dt

    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = list(cfg.merge_keys)
    columns = [c for c in batch.columns if c != ROW_POSITION and c not in HISTORY]
    types = dict(batch.select(*[q(c) for c in columns]).dtypes)
    lo = _dt.date.fromisoformat(routes.history_from)
    close = cfg.snapshot_deletes == "close"
    full = routes.snapshot_deletes if close and isinstance(routes.snapshot_deletes, list) else []
    full_dates = [_dt.date.fromisoformat(d) for d in full]

    seen = _observed(batch, columns, F.col(DATE))
    snapshots = list(full_dates)  # dates on which a key nothing holds was absent
    if existing is not None:
        held = _observed(existing, columns, F.col(VALID_FROM))
        if close:
            loaded = [_dt.date.fromisoformat(d) for d in routes.loaded_dates
                      if d >= lo.isoformat()]
            held = held.unionByName(_restated(spark, existing, columns, loaded))
            snapshots = sorted(set(snapshots) | set(loaded))
        if full_dates:  # the batch restates these dates' whole snapshots
            held = held.where(~F.col("_d").isin(*full_dates))
        if span is not None:
            held = held.where(~F.col("_d").between(F.lit(span[0]), F.lit(span[1])))
        seen = seen.unionByName(_without(held, seen, [*keys, "_d"]))
    if snapshots:
        dates = spark.createDataFrame([(d,) for d in snapshots], "_d date")
        missing = _without(seen.select(*[q(k) for k in keys]).distinct().crossJoin(dates),
                           seen, [*keys, "_d"])
        seen = seen.unionByName(_absent(missing, columns, keys, types))

    lookup = {c.lower(): c for c in columns}
    tracked = [lookup[c.lower()] for c in cfg.scd2_tracked_columns] or [
        c for c in columns if c not in LINEAGE and c.lower() not in {k.lower() for k in keys}]
    by_date = Window.partitionBy(*[F.col(q(k)) for k in keys]).orderBy("_d")
    was = F.coalesce(F.lag("_present").over(by_date), F.lit(False))
    opens = F.col("_present") & (~was | ~F.lag("_v").over(by_date).eqNullSafe(F.col("_v")))
    edges = (seen.withColumn("_v", F.struct(*[F.col(q(c)) for c in tracked]))
             .withColumn("_edge", F.when(F.col("_present"), opens).otherwise(was))
             .where("_edge"))
    versions = (edges.withColumn(VALID_TO, F.lead("_d").over(by_date))
                .where("_present")
                .withColumn(VALID_FROM, F.col("_d"))
                .withColumn(IS_CURRENT, F.col(VALID_TO).isNull()))
    return versions.select(*[q(c) for c in columns], VALID_FROM, VALID_TO, IS_CURRENT)


def _observed(frame, columns, date):
    """frame's rows as present observations on date (a Column)."""
    from pyspark.sql import functions as F

    return frame.select(*[F.col(q(c)) for c in columns], date.alias("_d"),
                        F.lit(True).alias("_present"))


def _restated(spark, existing, columns, loaded):
    """With full snapshots: each held version's values again on every loaded date (of
    loaded) inside it after its first -- what those dates' snapshots said."""
    from pyspark.sql import functions as F

    if not loaded:
        return _observed(existing, columns, F.col(VALID_FROM)).limit(0)
    dates = spark.createDataFrame([(d,) for d in loaded], "_g date")
    inside = (F.col("_g") > F.col(VALID_FROM)) & (
        F.col(VALID_TO).isNull() | (F.col("_g") < F.col(VALID_TO)))
    return _observed(existing.crossJoin(dates).where(inside), columns, F.col("_g"))


def _absent(missing, columns, keys, types):
    """Rows saying the keys of missing (keys, _d) were absent from _d's snapshot."""
    from pyspark.sql import functions as F

    names = {k.lower() for k in keys}
    values = [F.col(q(c)) if c.lower() in names else F.lit(None).cast(types[c]).alias(c)
              for c in columns]
    return missing.select(*values, "_d", F.lit(False).alias("_present"))
