"""write_mode cdc: a change feed in, the current state out.

Each row of the files is a change of one key (merge_keys): its operation in
cdc_operation_column (I insert, U update, D delete; default `_op`) and its order in
cdc_sequence_column (default `_seq`, a number that grows with every change of a key). Per
key the change with the highest sequence of the batch is applied, and only when it is newer
than what the target holds: an older change never overwrites a newer one, whatever order the
files arrive in. I and U upsert the row (the target keeps the sequence column, not the
operation); D deletes it.

A deleted key leaves no row to compare a late change with, so each delete is also kept, as
key + sequence, in `<target>_cdc_deletes` (same schema): a change older than the key's last
delete is not applied, so a late file never brings a deleted key back. That table is committed
before the target, and both commits are idempotent, so a run killed between them and run again
ends as an uninterrupted one.
"""

from __future__ import annotations

from ...sql import quote_ident
from ...sql import quote_name as q
from ..target import differs, in_span, keys_match, merge_counts, table_name
from .base import WriteMode

OPERATIONS = ("I", "U", "D")


def deletes_name(cfg) -> str:
    return f"{cfg.target_table_name}_cdc_deletes"


def _deletes_table(cfg) -> str:
    return f"{quote_ident(cfg.target_schema_name)}.{quote_ident(deletes_name(cfg))}"


class CdcMode(WriteMode):
    name = "cdc"
    description = ("apply a change feed (I/U/D in cdc_operation_column, order in "
                   "cdc_sequence_column) per merge_keys; an older change never wins")
    keyed = True
    commits_empty = False
    collapse_rule = "the highest sequence wins"
    reprocess_reads = "all"  # a key's latest change may sit in any file

    def validate(self, cfg) -> None:
        super().validate(cfg)
        if not cfg.merge_keys:
            raise cfg.error("merge_keys", "write_mode cdc needs merge_keys")

    def check_columns(self, cfg, columns) -> None:
        names = {c.lower() for c, _ in columns}
        wanted = [("merge_keys", k) for k in cfg.merge_keys] + [
            ("cdc_operation_column", cfg.cdc_operation_column),
            ("cdc_sequence_column", cfg.cdc_sequence_column),
        ]
        for column, name in wanted:
            if name.lower() not in names:
                raise cfg.error(column, f"{name} not in the data "
                                f"(columns: {', '.join(c for c, _ in columns)})")

    def own_columns(self, cfg) -> tuple[str, ...]:
        return (cfg.cdc_operation_column,)

    def prepare(self, spark, cfg, rows, routes):
        """The latest change of each key in the batch (highest sequence; on a tie the later
        date, file and line), its operation upper-cased; a bad operation or sequence stops."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        from ..lineage import ROW_POSITION

        op, seq = q(cfg.cdc_operation_column), q(cfg.cdc_sequence_column)
        frame = rows.frame.withColumn(cfg.cdc_operation_column, F.upper(F.trim(F.col(op))))
        bad = frame.where(~F.col(op).isin(*OPERATIONS) | F.col(op).isNull()
                          | F.col(seq).isNull()).select(op, seq, "_source_file_path").first()
        if bad is not None:
            raise cfg.error(
                "cdc_operation_column" if bad[0] not in OPERATIONS else "cdc_sequence_column",
                f"{bad[2]}: a change with operation {bad[0]!r} and sequence {bad[1]!r}; "
                f"each row needs one of {', '.join(OPERATIONS)} and a sequence number",
            )
        window = Window.partitionBy(*[F.col(q(k)) for k in cfg.merge_keys]).orderBy(
            F.col(seq).desc(), F.col("_source_date_partition").desc_nulls_last(),
            F.col("_source_file_path").desc(), F.col(ROW_POSITION).desc())
        routes.deduplicated = True
        latest = frame.withColumn("_n", F.row_number().over(window)).where("_n = 1")
        return latest.drop("_n", ROW_POSITION)

    def first_load(self, spark, cfg, frame, notes: list, routes=None) -> int:
        self._record_deletes(spark, cfg, frame)
        live = self._not_deleted_later(spark, cfg, frame).where(
            f"{q(cfg.cdc_operation_column)} <> 'D'")
        return super().first_load(spark, cfg, live.drop(cfg.cdc_operation_column), notes)

    def commit(self, spark, cfg, frame, files, outcome, routes=None) -> int:
        from delta.tables import DeltaTable

        self._record_deletes(spark, cfg, frame)
        source = self._not_deleted_later(spark, cfg, frame)
        op, seq = q(cfg.cdc_operation_column), q(cfg.cdc_sequence_column)
        cond = keys_match(cfg.merge_keys)
        newer = f"s.{seq} > t.{seq}"
        values = {q(c): f"s.{q(c)}" for c in frame.columns if c != cfg.cdc_operation_column}
        (
            DeltaTable.forName(spark, table_name(cfg)).alias("t").merge(source.alias("s"), cond)
            .whenMatchedDelete(condition=f"{newer} AND s.{op} = 'D'")
            .whenMatchedUpdate(condition=newer, set=values)
            .whenNotMatchedInsert(condition=f"s.{op} <> 'D'", values=values)
            .execute()
        )
        metrics = merge_counts(spark, cfg, outcome)
        return metrics.get("numSourceRows")

    def replace(self, spark, cfg, frame, files, outcome, routes, span) -> int | None:
        """frame: each key's latest change over every loaded file, the range's as they are
        now. The deletes table is set to those of the keys frame holds (first, its own
        commit), then a target row from the range is replaced by its key's latest change
        (or deleted), a row from outside the range only by a newer change."""
        from delta.tables import DeltaTable

        op, seq = q(cfg.cdc_operation_column), q(cfg.cdc_sequence_column)
        cond = keys_match(cfg.merge_keys)
        latest = frame.select(*[q(k) for k in cfg.merge_keys], op, seq)
        if _deletes_exist(spark, cfg) or latest.where(f"{op} = 'D'").limit(1).count():
            _create_deletes(spark, cfg, latest.drop(cfg.cdc_operation_column))
            (
                DeltaTable.forName(spark, _deletes_table(cfg)).alias("t")
                .merge(latest.alias("s"), cond)
                .whenMatchedDelete(condition=f"s.{op} <> 'D'")
                .whenMatchedUpdate(condition=f"s.{op} = 'D' AND NOT (t.{seq} <=> s.{seq})",
                                   set={seq: f"s.{seq}"})
                .whenNotMatchedInsert(condition=f"s.{op} = 'D'",
                                      values={**{q(k): f"s.{q(k)}" for k in cfg.merge_keys},
                                              seq: f"s.{seq}"})
                .execute()
            )
        in_range = in_span(span, "t")
        kept = [c for c in frame.columns if c != cfg.cdc_operation_column]
        changed = differs(kept)
        values = {q(c): f"s.{q(c)}" for c in kept}
        (
            DeltaTable.forName(spark, table_name(cfg)).alias("t").merge(frame.alias("s"), cond)
            .whenMatchedDelete(condition=f"s.{op} = 'D' AND ({in_range} OR s.{seq} > t.{seq})")
            .whenMatchedUpdate(condition=f"s.{op} <> 'D' AND ({in_range} OR s.{seq} >= t.{seq}) "
                                         f"AND ({changed})", set=values)
            .whenNotMatchedInsert(condition=f"s.{op} <> 'D'", values=values)
            .whenNotMatchedBySourceDelete(condition=in_range)
            .execute()
        )
        merge_counts(spark, cfg, outcome)
        return None

    def verify(self, spark, cfg, report) -> None:
        """One row per key, and no row older than its key's last delete."""
        from .merge import check_one_row_per_key

        check_one_row_per_key(spark, cfg, report)
        if not _deletes_exist(spark, cfg):
            return
        seq = q(cfg.cdc_sequence_column)
        cond = " AND ".join(f"t.{q(k)} <=> d.{q(k)}" for k in cfg.merge_keys)
        back = spark.sql(
            f"SELECT count(*) FROM {table_name(cfg)} t JOIN {_deletes_table(cfg)} d "
            f"ON {cond} WHERE d.{seq} > t.{seq}").first()[0]
        if back:
            report.problems.append(
                f"{cfg.config_id}: {back} deleted key(s) present in {cfg.target_schema_name}."
                f"{cfg.target_table_name} (a row older than its key's delete in "
                f"{deletes_name(cfg)})")

    def _record_deletes(self, spark, cfg, frame) -> None:
        """Merge the batch's deletes (key, sequence) into the deletes table, keeping each
        key's newest; created on the first delete."""
        from delta.tables import DeltaTable

        seq = cfg.cdc_sequence_column
        deletes = frame.where(f"{q(cfg.cdc_operation_column)} = 'D'").select(
            *[q(k) for k in cfg.merge_keys], q(seq))
        if deletes.limit(1).count() == 0:
            return
        _create_deletes(spark, cfg, deletes)
        cond = keys_match(cfg.merge_keys)
        (
            DeltaTable.forName(spark, _deletes_table(cfg)).alias("t").merge(deletes.alias("s"), cond)
            .whenMatchedUpdate(condition=f"s.{q(seq)} > t.{q(seq)}", set={q(seq): f"s.{q(seq)}"})
            .whenNotMatchedInsertAll()
            .execute()
        )

    def _not_deleted_later(self, spark, cfg, frame):
        """frame without the upserts older than their key's last recorded delete."""
        if not _deletes_exist(spark, cfg):
            return frame
        keys = cfg.merge_keys
        seq, op = cfg.cdc_sequence_column, cfg.cdc_operation_column
        deleted = spark.table(_deletes_table(cfg)).withColumnRenamed(seq, "_deleted_seq")
        cond = [frame[q(k)].eqNullSafe(deleted[q(k)]) for k in keys]
        joined = frame.join(deleted, cond, "left")
        keep = (joined[q(op)] == "D") | joined["_deleted_seq"].isNull() | (
            joined[q(seq)] > joined["_deleted_seq"])
        return joined.where(keep).select(*[frame[q(c)] for c in frame.columns])


def _create_deletes(spark, cfg, deletes) -> None:
    """Create the (empty) deletes table with the schema of deletes (keys + sequence) unless
    it exists, clearing the files of a creation that never committed."""
    from ...session import clear_uncommitted_table, ensure_schema

    if _deletes_exist(spark, cfg):
        return
    ensure_schema(spark, cfg.target_schema_name)
    clear_uncommitted_table(spark, cfg.target_schema_name, deletes_name(cfg))
    deletes.limit(0).write.format("delta").mode("ignore").saveAsTable(_deletes_table(cfg))


def _deletes_exist(spark, cfg) -> bool:
    return spark.catalog.tableExists(f"{cfg.target_schema_name}.{deletes_name(cfg)}")
