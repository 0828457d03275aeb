"""The Delta target of a config: its name, columns, schema evolution and commit metrics."""

from __future__ import annotations

from ..sql import quote_name as q
from .lineage import LINEAGE


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


def last_commit_metrics(spark, cfg) -> dict:
    """The operation metrics of the target's latest commit (numbers only)."""
    from delta.tables import DeltaTable

    row = DeltaTable.forName(spark, table_name(cfg)).history(1).collect()[0]
    return {k: int(v) for k, v in (row["operationMetrics"] or {}).items() if str(v).isdigit()}


# the lineage columns every run stamps anew: never a reason to rewrite a row
RUN_STAMPS = LINEAGE[:2]


def keys_match(keys) -> str:
    """A MERGE condition: target t and source s agree on every key (NULL equals NULL)."""
    return " AND ".join(f"t.{q(k)} <=> s.{q(k)}" for k in keys)


def differs(columns) -> str:
    """A MERGE condition: t and s differ in one of columns (run stamps left out)."""
    return " OR ".join(f"NOT (t.{q(c)} <=> s.{q(c)})" for c in columns if c not in RUN_STAMPS)


def in_span(span, alias: str = "") -> str:
    """A condition: the row's source date is within the (first, last) ISO dates span."""
    column = f"{alias}._source_date_partition" if alias else "_source_date_partition"
    return f"{column} >= DATE'{span[0]}' AND {column} <= DATE'{span[1]}'"


def merge_counts(spark, cfg, outcome) -> dict:
    """Sets outcome's inserted/updated/deleted from the target's last MERGE; its metrics."""
    metrics = last_commit_metrics(spark, cfg)
    outcome.inserted = metrics.get("numTargetRowsInserted", 0)
    outcome.updated = metrics.get("numTargetRowsUpdated", 0)
    outcome.deleted = metrics.get("numTargetRowsDeleted", 0)
    return metrics


def aligned(spark, cfg, frame, columns, notes: list, keep=(), added=()):
    """frame with the target's columns in its order: new batch columns are added to the
    target (ALTER TABLE), target columns the batch lacks are NULL; both are noted. Columns
    in keep (the write mode's own) stay at the end and are never added to the target;
    columns in added (the mode writes them itself) are NULL and not noted."""
    from pyspark.sql import functions as F

    current = spark.table(table_name(cfg)).schema
    have = {f.name.lower(): f for f in current.fields}
    own = {c.lower() for c in keep}
    mine = {c.lower() for c in added}
    new = [(c, t) for c, t in columns if c.lower() not in have and c.lower() not in own]
    new += [(c, t) for c, t in frame.dtypes if c.lower() in mine and c.lower() not in have]
    if new:
        spec = ", ".join(f"{q(c)} {t}" for c, t in new)
        spark.sql(f"ALTER TABLE {table_name(cfg)} ADD COLUMNS ({spec})")
        notes.append("columns added to the table: " + ", ".join(c for c, _ in new))
    batch = {c.lower() for c, _ in columns} | {c.lower() for c in LINEAGE}
    batch |= {c.lower() for c in frame.columns if c.lower() in mine}
    gone = [f for f in current.fields if f.name.lower() not in batch]
    noted = [f for f in gone if f.name.lower() not in mine]
    if noted:
        notes.append(
            "columns missing from this batch (loaded as NULL): " + ", ".join(f.name for f in noted)
        )
    frame = frame.select(
        *frame.columns, *[F.lit(None).cast(f.dataType).alias(f.name) for f in gone]
    )
    order = [f.name for f in spark.table(table_name(cfg)).schema.fields]
    order += [c for c in frame.columns if c.lower() in own]
    lookup = {c.lower(): c for c in frame.columns}
    return frame.select(*[F.col(q(lookup[c.lower()])).alias(c) for c in order])


def no_rows(spark, cfg):
    """(empty frame with the target's schema, its data columns) for a batch of empty files."""
    schema = spark.table(table_name(cfg)).schema
    columns = [(f.name, f.dataType.simpleString()) for f in schema.fields if f.name not in LINEAGE]
    return spark.createDataFrame([], schema), columns
