"""write_mode merge: one row per merge key, upserted; an older date never overwrites a newer.

The batch is deduplicated on the keys (see keys.py for which row wins), then MERGEd
null-safely; a matched row is only updated when the source date is not older than the
target row's. For a batch that is not small, a narrow pass over the keys first finds the
files that win at least one key (only those are read again) and whether any key has more
than one row (otherwise no deduplication is needed).
"""

from __future__ import annotations

from ...sql import quote_name as q
from .. import keys
from ..keys import dedupe, file_order, latest_files
from ..lineage import ROW_POSITION
from ..target import differs, in_span, keys_match, merge_counts, table_name
from . import snapshot
from .base import WriteMode


class MergeMode(WriteMode):
    name = "merge"
    description = "upsert on merge_keys; the latest date wins, an older file never overwrites"
    keyed = True
    commits_empty = False
    deletes = ("soft", "hard")
    reprocess_reads = "before"  # a key the range no longer holds falls back to its last row

    def validate(self, cfg) -> None:
        super().validate(cfg)
        if not cfg.merge_keys:
            raise cfg.error("merge_keys", "write_mode merge needs merge_keys")

    def check_columns(self, cfg, columns) -> None:
        names = {c.lower() for c, _ in columns}
        missing = [k for k in cfg.merge_keys if k.lower() not in names]
        if missing:
            raise cfg.error(
                "merge_keys",
                f"{', '.join(missing)} not in the data "
                f"(columns: {', '.join(c for c, _ in columns)})",
            )

    def added_columns(self, cfg) -> tuple[str, ...]:
        return snapshot.SOFT if cfg.snapshot_deletes == "soft" else ()

    def prepare(self, spark, cfg, rows, routes):
        """The batch with one row per key, marked for snapshot_deletes (see snapshot.py)."""
        return snapshot.mark(cfg, self._one_per_key(spark, cfg, rows, routes), rows, routes)

    def _one_per_key(self, spark, cfg, rows, routes):
        """A small batch, or one of one file, is deduplicated in one aggregation; otherwise
        the key pass decides which files to read again and whether any key repeats (for
        daily full snapshots only the last file is read)."""
        paths = {f.display_path for f in rows.files}
        small = sum(f.size for f in rows.files) < keys.SMALL_BATCH_BYTES
        latest = rows.batch.latest if rows.whole else None
        if len(paths) < 2 or (small and latest is None):
            routes.deduplicated = True
            return dedupe(rows.frame, cfg.merge_keys)
        winners, most = _key_pass(spark, cfg, rows, routes, latest)
        frame = rows.frame
        if winners and len(winners) < len(paths):
            routes.reread = sorted(winners)
            frame = rows.batch.good_of(winners)
        routes.deduplicated = most > 1
        return dedupe(frame, cfg.merge_keys) if most > 1 else frame.drop(ROW_POSITION)

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int:
        from delta.tables import DeltaTable

        cond = keys_match(cfg.merge_keys)
        newer = (
            "coalesce(s._source_date_partition, DATE'0001-01-01') >= "
            "coalesce(t._source_date_partition, DATE'0001-01-01')"
        )
        values = {q(c): f"s.{q(c)}" for c in frame.columns}
        merge = DeltaTable.forName(spark, table_name(cfg)).alias("t").merge(frame.alias("s"), cond)
        plan = snapshot.merge_plan(spark, cfg, routes)
        merge = merge.whenMatchedUpdate(condition=newer, set=values)
        merge = merge.whenNotMatchedInsert(condition=plan.insert_when, values=values)
        if plan.missing_set is not None:  # soft: keys missing from the newest snapshot
            merge = merge.whenNotMatchedBySourceUpdate(condition=plan.missing_when,
                                                       set=plan.missing_set)
        elif plan.missing_when is not None:  # hard
            merge = merge.whenNotMatchedBySourceDelete(condition=plan.missing_when)
        merge.execute()
        metrics = merge_counts(spark, cfg, outcome)
        return metrics.get("numSourceRows")

    def check_reprocess(self, cfg) -> None:
        if cfg.snapshot_deletes != "ignore":
            raise cfg.error("snapshot_deletes", f"--reprocess cannot rebuild the deletes of "
                            f"snapshot_deletes {cfg.snapshot_deletes}; load the range's edited "
                            "files with a plain run (a changed file is loaded again)")

    def replace(self, spark, cfg, frame, files, outcome, routes, span) -> int | None:
        """frame: each key's latest row over the files before the range and the range's
        files now. A row from the range is replaced by it (or deleted when no file holds
        the key any more); a row from outside the range only by a newer one."""
        from delta.tables import DeltaTable

        in_range = in_span(span, "t")
        cond = keys_match(cfg.merge_keys)
        changed = differs(frame.columns)
        newer = "s._source_date_partition >= t._source_date_partition"
        values = {q(c): f"s.{q(c)}" for c in frame.columns}
        (
            DeltaTable.forName(spark, table_name(cfg)).alias("t").merge(frame.alias("s"), cond)
            .whenMatchedUpdate(condition=f"({in_range} OR {newer}) AND ({changed})", set=values)
            .whenNotMatchedInsert(values=values)
            .whenNotMatchedBySourceDelete(condition=in_range)
            .execute()
        )
        merge_counts(spark, cfg, outcome)
        return None

    def verify(self, spark, cfg, report) -> None:
        """One row per merge key (null-safe)."""
        check_one_row_per_key(spark, cfg, report)


def _key_pass(spark, cfg, rows, routes, latest) -> tuple[set, int]:
    """(files winning a key, most rows of one key): found while reading ("read"), from the
    key columns alone when every row was accepted ("narrow"), else from the rows ("full")."""
    from pyspark.sql import functions as F

    orders = file_order(rows.files)
    narrow = rows.batch.keys_of(cfg.merge_keys, orders) if latest is None and rows.whole else None
    if latest is not None:
        routes.key_pass, (winners, most) = "read", latest
    elif narrow is not None:
        routes.key_pass = "narrow"
        with rows.batch.narrow_reads(spark):
            winners, most = latest_files(narrow, cfg.merge_keys, F.col("_order"), orders)
    else:
        routes.key_pass = "full"
        lookup = F.create_map(*[x for p, v in sorted(orders.items()) for x in (F.lit(p), F.lit(v))])
        order = lookup[F.col("_source_file_path")]
        winners, most = latest_files(rows.frame, cfg.merge_keys, order, orders)
    routes.key_winners, routes.most_rows_per_key = sorted(winners), most
    return winners, most


def check_one_row_per_key(spark, cfg, report) -> None:
    """Add a problem when the target holds a merge key (null-safe) more than once."""
    from pyspark.sql import functions as F

    key_cols = [F.col(q(k)) for k in cfg.merge_keys]
    found = (
        spark.table(table_name(cfg))
        .groupBy(*key_cols)
        .count()
        .where(F.col("count") > 1)
        .agg(
            F.count(F.lit(1)).alias("_dupes"),
            F.slice(F.sort_array(F.collect_list(F.struct(*key_cols))), 1, 3).alias("_some"),
        )
        .first()
    )
    if found and found["_dupes"]:
        examples = "; ".join(
            ", ".join(f"{k}={v!r}" for k, v in zip(cfg.merge_keys, key))
            for key in found["_some"]
        )
        report.problems.append(
            f"{cfg.config_id}: {found['_dupes']} duplicate merge key(s) in "
            f"{cfg.target_schema_name}.{cfg.target_table_name} on "
            f"{', '.join(cfg.merge_keys)} (e.g. {examples})"
        )
