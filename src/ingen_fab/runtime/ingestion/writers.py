"""Writing a batch to its Delta target: overwrite, append (idempotent per file) or merge.

- append: one commit with replaceWhere ``_source_file_path IN (files of the batch)``, so
  loading a file again replaces the rows it loaded before and can never duplicate them.
- merge: the batch is deduplicated on the keys (latest _source_date_partition wins; ties by
  file path, then within one file the last row in file order), then MERGEd null-safely; a
  matched row is only updated when the source date is not older than the target row's date.
  For a batch that is not small, a narrow pass over the keys first finds the files that win
  at least one key (only those are read again) and whether any key has more than one row.
- overwrite: the target is replaced by the batch.
A batch without rows (every file empty or header-only) still commits for append and
overwrite: the rows its files loaded before (append), or the whole target (overwrite), are
replaced by nothing, in one commit.
New columns are added with ALTER TABLE (logged); target columns absent from the batch are
written as NULL (logged). Counts come from the commit's Delta operation metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..session import clear_uncommitted_table, ensure_schema
from ..tables import sql_string_literal
from .inference import q
from .readers import LINEAGE, ROW_POSITION, csv_column_pruning

# Below this many bytes a batch is cheap to move in full: the merge's narrow pass over the
# keys (an extra Spark job meant to save moving wide rows) would cost more than it saves.
SMALL_BATCH_BYTES = 64 << 20


@dataclass
class WriteOutcome:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    collapsed: int = 0
    notes: list = field(default_factory=list)


def table_name(cfg) -> str:
    return f"{q(cfg.target_schema_name)}.{q(cfg.target_table_name)}"


def target_exists(spark, cfg) -> bool:
    return spark.catalog.tableExists(f"{cfg.target_schema_name}.{cfg.target_table_name}")


def target_types(spark, cfg) -> dict:
    """Data column -> type of the existing target ({} when it does not exist yet)."""
    if not target_exists(spark, cfg):
        return {}
    fields = spark.table(table_name(cfg)).schema.fields
    return {f.name: f.dataType.simpleString() for f in fields if f.name not in LINEAGE}


def _metrics(spark, cfg) -> dict:
    from delta.tables import DeltaTable

    row = DeltaTable.forName(spark, table_name(cfg)).history(1).collect()[0]
    return {k: int(v) for k, v in (row["operationMetrics"] or {}).items() if str(v).isdigit()}


def _align(spark, cfg, frame, columns, outcome) -> object:
    """Evolve the target for new columns and give the frame the target's columns."""
    from pyspark.sql import functions as F

    current = spark.table(table_name(cfg)).schema
    have = {f.name.lower(): f for f in current.fields}
    new = [(c, t) for c, t in columns if c.lower() not in have]
    if new:
        spec = ", ".join(f"{q(c)} {t}" for c, t in new)
        spark.sql(f"ALTER TABLE {table_name(cfg)} ADD COLUMNS ({spec})")
        outcome.notes.append("columns added to the table: " + ", ".join(c for c, _ in new))
    batch = {c.lower() for c, _ in columns} | {c.lower() for c in LINEAGE}
    gone = [f for f in current.fields if f.name.lower() not in batch]
    if gone:
        outcome.notes.append(
            "columns missing from this batch (loaded as NULL): " + ", ".join(f.name for f in gone)
        )
    frame = frame.select(
        *frame.columns, *[F.lit(None).cast(f.dataType).alias(f.name) for f in gone]
    )
    order = [f.name for f in spark.table(table_name(cfg)).schema.fields]
    lookup = {c.lower(): c for c in frame.columns}
    return frame.select(*[F.col(q(lookup[c.lower()])).alias(c) for c in order])


def dedupe(frame, keys):
    """One row per key: latest date, then greatest file path, then the last row in file
    order (the frame's ROW_POSITION column, see readers.row_position; dropped here).

    One hash aggregation (the max of a struct led by the ordering fields) rather than a
    window, which would sort every row; a window is kept for types max cannot order (maps).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = [
        F.col("_source_date_partition"),
        F.col("_source_file_path"),
        F.col(ROW_POSITION),
    ]
    if any("map<" in t or "variant" in t for _, t in frame.dtypes):
        window = Window.partitionBy(*[F.col(q(k)) for k in keys]).orderBy(
            order[0].desc_nulls_last(), order[1].desc(), order[2].desc()
        )
        frame = frame.withColumn("_n", F.row_number().over(window)).where("_n = 1")
        return frame.drop("_n", ROW_POSITION)
    key_names = {k.lower() for k in keys}
    rest = [c for c in frame.columns if c.lower() not in key_names and c != ROW_POSITION]
    winner = F.struct(
        order[0].alias("d"),
        order[1].alias("p"),
        order[2].alias("r"),
        F.struct(*[F.col(q(c)).alias(f"v{i}") for i, c in enumerate(rest)]).alias("v"),
    )
    best = frame.groupBy(*[F.col(q(k)) for k in keys]).agg(F.max(winner).alias("_w"))
    lookup = {c.lower(): c for c in best.columns}
    values = {c.lower(): F.col(f"_w.v.v{i}") for i, c in enumerate(rest)}
    return best.select(
        *[
            (values[c.lower()] if c.lower() in values else F.col(q(lookup[c.lower()]))).alias(c)
            for c in frame.columns
            if c != ROW_POSITION
        ]
    )


def _no_rows(spark, cfg):
    """(empty frame with the target's schema, its data columns) for an empty batch."""
    schema = spark.table(table_name(cfg)).schema
    columns = [(f.name, f.dataType.simpleString()) for f in schema.fields if f.name not in LINEAGE]
    return spark.createDataFrame([], schema), columns


def file_order(files) -> dict:
    """display path -> a number ordering the files as dedupe does: by date (undated first),
    then by path (its rank among the paths, below 2**24)."""
    ranked = sorted(f.display_path for f in files)
    rank = {p: i for i, p in enumerate(ranked)}
    return {
        f.display_path: ((f.date.toordinal() if f.date else 0) << 24) | rank[f.display_path]
        for f in files
    }


def latest_files(frame, keys, order, orders: dict) -> tuple[set, int]:
    """(files holding the latest row of at least one key, most rows any one key has).

    order: the Column giving each row's file order (orders: display path -> that number,
    see file_order). One narrow aggregation over the keys and that one number: when every
    key has one row the batch needs no deduplication, and only the files that win a key
    need to be read for the MERGE (for daily full snapshots: the last day's file).
    """
    from pyspark.sql import functions as F

    per_key = frame.groupBy(*[F.col(q(k)) for k in keys]).agg(
        F.max(order).alias("_w"), F.count(F.lit(1)).alias("_n")
    )
    rows = per_key.groupBy(F.col("_w").alias("w")).agg(F.max("_n").alias("n")).collect()
    return latest_answer([(r.w, r.n) for r in rows], orders)


def latest_answer(per_order, orders: dict) -> tuple[set, int]:
    """latest_files' answer from (file order, most rows of one key) pairs, one per file
    order that wins a key."""
    path_of = {v: p for p, v in orders.items()}
    winners = {path_of.get(w) for w, _ in per_order}
    if None in winners:  # a row of no listed file: every file may hold a winner
        winners = set(orders)
    return winners, max((n for _, n in per_order), default=0)


def _deduplicated(spark, cfg, frame, columns, files, good_of, keys_of=None, latest=None):
    """The batch with one row per merge key.

    latest: the answer of latest_files, when the read found it. Otherwise, when the batch
    is not small and spans several files, the narrow pass of latest_files comes first:
    moving only the keys costs less than moving every row, a batch whose keys never repeat
    (daily fact files keyed by date) then needs no deduplication at all, and for daily full
    snapshots only the last day's file is left to read. A small batch is deduplicated in
    one aggregation.
    """
    from pyspark.sql import functions as F

    paths = {f.display_path for f in files}
    small = sum(f.size for f in files) < SMALL_BATCH_BYTES
    if good_of is None or len(paths) < 2 or (small and latest is None):
        return dedupe(frame.drop("_file"), cfg.merge_keys)
    orders = file_order(files)
    narrow = None
    if latest is None and keys_of is not None:
        narrow = keys_of(cfg.merge_keys, orders)
    if latest is not None:  # found while reading the batch
        winners, most = latest
    elif narrow is not None:  # no rejected row: only the key columns need parsing
        with csv_column_pruning(spark, True):
            winners, most = latest_files(narrow, cfg.merge_keys, F.col("_order"), orders)
    else:
        lookup = F.create_map(*[x for p, v in sorted(orders.items()) for x in (F.lit(p), F.lit(v))])
        order = lookup[F.col("_source_file_path")]
        winners, most = latest_files(frame, cfg.merge_keys, order, orders)
    if winners and len(winners) < len(paths):
        frame = good_of(winners)
    return dedupe(frame.drop("_file"), cfg.merge_keys) if most > 1 else frame.drop(ROW_POSITION)


def write_batch(
    spark, cfg, frame, columns, files, good_rows, good_of=None, keys_of=None, latest=None
) -> WriteOutcome:
    """Commit frame (accepted rows of files) to the target; returns the commit's counts.

    frame None: the files hold no rows (nothing was read). good_of(paths): the accepted rows
    of those files only, so a merge reads again only the files that win a key. keys_of(keys,
    orders): the keys and file order (`_order`) of every row of the batch, all of them
    accepted and committed (None when it cannot tell accepted rows apart). latest: the
    answer of latest_files for the merge keys over files, when the read found it.
    """
    outcome = WriteOutcome()
    if frame is None:
        if cfg.write_mode == "merge" or not target_exists(spark, cfg):
            return outcome
        frame, columns = _no_rows(spark, cfg)
    if cfg.write_mode == "merge":
        frame = _deduplicated(spark, cfg, frame, columns, files, good_of, keys_of, latest)
    frame = frame.drop("_file")
    name = table_name(cfg)
    source_rows = good_rows
    if not target_exists(spark, cfg):
        if good_rows == 0:
            return outcome
        ensure_schema(spark, cfg.target_schema_name)
        if clear_uncommitted_table(spark, cfg.target_schema_name, cfg.target_table_name):
            outcome.notes.append("cleared the files of a first load that never committed")
        frame.write.format("delta").saveAsTable(name)
        outcome.inserted = source_rows = _metrics(spark, cfg).get("numOutputRows", 0)
    elif cfg.write_mode == "merge":
        frame = _align(spark, cfg, frame, columns, outcome)
        _merge(spark, cfg, frame)
        m = _metrics(spark, cfg)
        outcome.inserted = m.get("numTargetRowsInserted", 0)
        outcome.updated = m.get("numTargetRowsUpdated", 0)
        outcome.deleted = m.get("numTargetRowsDeleted", 0)
        source_rows = m.get("numSourceRows", good_rows)
    else:
        frame = _align(spark, cfg, frame, columns, outcome)
        writer = frame.write.format("delta").mode("overwrite")
        if cfg.write_mode == "append":
            paths = ", ".join(sql_string_literal(f.display_path) for f in files)
            writer = writer.option("replaceWhere", f"_source_file_path IN ({paths})")
        writer.saveAsTable(name)
        m = _metrics(spark, cfg)
        outcome.inserted = m.get("numOutputRows", 0)
        outcome.deleted = m.get("numDeletedRows", 0) if cfg.write_mode == "append" else 0
    if cfg.write_mode == "merge":
        outcome.collapsed = max(good_rows - source_rows, 0)
    return outcome


def _merge(spark, cfg, frame) -> None:
    from delta.tables import DeltaTable

    cond = " AND ".join(f"t.{q(k)} <=> s.{q(k)}" for k in cfg.merge_keys)
    newer = (
        "coalesce(s._source_date_partition, DATE'0001-01-01') >= "
        "coalesce(t._source_date_partition, DATE'0001-01-01')"
    )
    values = {q(c): f"s.{q(c)}" for c in frame.columns}
    (
        DeltaTable.forName(spark, table_name(cfg))
        .alias("t")
        .merge(frame.alias("s"), cond)
        .whenMatchedUpdate(condition=newer, set=values)
        .whenNotMatchedInsert(values=values)
        .execute()
    )
