"""The columns every loaded row carries, and the per-file values behind them.

Each row read from a source names its file (`_file`, Spark's URI for it) and the split of the
file it came from (`_block`). From those the read stage derives the lineage columns a target
keeps (LINEAGE) and, for keyed write modes, each row's position in its file (ROW_POSITION).
"""

from __future__ import annotations

import zlib
from urllib.parse import unquote

from ..sql import quote_name

LINEAGE = (
    "_ingestion_timestamp",
    "_ingestion_execution_id",
    "_source_file_path",
    "_source_date_partition",
)
ROW_POSITION = "_row_position"


def by_file(values: dict):
    """The Column giving each row the value of its file (values: file URI -> a literal).

    The lookup is keyed by the CRC-32 of the URI when no two URIs share one: per row,
    finding a number among the map's keys costs far less than comparing long URIs, and
    the keys are computed here, without a Spark job.
    """
    from pyspark.sql import functions as F

    uris = sorted(values)
    if not uris:
        return F.lit(None)
    keys = {u: zlib.crc32(u.encode("utf-8")) for u in uris}
    key = F.crc32(F.col("_file").cast("binary"))
    if len(set(keys.values())) < len(uris):
        keys, key = {u: u for u in uris}, F.col("_file")
    return F.create_map(*[x for u in uris for x in (F.lit(keys[u]), F.lit(values[u]))])[key]


def match_files(uris, files) -> dict:
    """Spark file URI -> SourceFile, by the longest path suffix that names a source file."""
    by_path = {s.spark_path.replace("\\", "/").lstrip("/"): s for s in files}
    out = {}
    for uri in uris:
        path = unquote(uri)
        path = path.split("://", 1)[1] if "://" in path else path
        path = path.removeprefix("file:")
        parts = path.lstrip("/").split("/")
        for i in range(len(parts)):
            hit = by_path.get("/".join(parts[i:]))
            if hit is not None:
                out[uri] = hit
                break
    return out


def row_position():
    """A Column ordering the rows of one file as they stand in it (first row lowest).

    Spark reads a file in splits (a whole CSV file is one: multiLine), each read start to
    end by one task, and packs several splits into one partition, read one after the
    other. So (the split's start offset in its file, monotonically_increasing_id) orders
    a file's rows: the offset orders its splits, and the id, which counts up along a
    partition, orders the rows of one split. It must be computed right over the scan (no
    shuffle before it), as every read here does; values only compare within one file.
    """
    from pyspark.sql import functions as F

    return F.struct(F.col("_block").alias("b"), F.monotonically_increasing_id().alias("i"))


def typed(name, types: dict, source_types: dict):
    """Column name with its type in types (cast from its source type when they differ; a
    column absent from types keeps its source type)."""
    from pyspark.sql import functions as F

    from .inference import try_cast

    type_name = types.get(name, source_types[name])
    if type_name == source_types[name]:
        return F.col(quote_name(name)).alias(name)
    return try_cast(name, type_name).alias(name)


def with_lineage(raw, final, mapping, execution_id, now, clean=False, position=False,
                 rescued=()):
    """The accepted rows of raw with final types and lineage (clean: raw has no rejected
    row, so the reject checks are not evaluated again; position: add ROW_POSITION;
    rescued: the columns schema_evolution rescue packs into its column)."""
    from pyspark.sql import functions as F

    from .schema_policy import RESCUED, rescued_column

    source_types, types = dict(raw.dtypes), dict(final)
    cols = [rescued_column(rescued) if name == RESCUED and rescued
            else typed(name, types, source_types) for name, _ in final]
    path_col = by_file({u: s.display_path for u, s in mapping.items()})
    date_col = by_file({u: s.date and s.date.isoformat() for u, s in mapping.items()})
    accepted = raw if clean else raw.where(F.col("_reject").isNull())
    extra = [row_position().alias(ROW_POSITION)] if position else []
    return accepted.select(
        *cols,
        F.lit(now).cast("timestamp").alias("_ingestion_timestamp"),
        F.lit(execution_id).alias("_ingestion_execution_id"),
        path_col.cast("string").alias("_source_file_path"),
        F.to_date(date_col.cast("string")).alias("_source_date_partition"),
        *extra,
    )
