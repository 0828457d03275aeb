"""One Spark read over all pending files of a config: csv / json / parquet.

The result (a Batch) holds the accepted rows cast to their final types with lineage columns,
the rejected rows with their reasons, and per-file counts, all from one cached read and one
aggregation. Zero-byte files are not read (0 rows); header-only files read as 0 rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from . import inference
from .config import declared_schema

LINEAGE = (
    "_ingestion_timestamp",
    "_ingestion_execution_id",
    "_source_file_path",
    "_source_date_partition",
)
_HELPERS = ("_corrupt_record", "_file", "_reject")


@dataclass
class FileStats:
    rows: int = 0
    rejected: int = 0
    reasons: dict = field(default_factory=dict)


@dataclass
class Batch:
    good: object  # DataFrame: final columns + lineage + _file
    rejects: object  # DataFrame: _file, _reject, _raw
    stats: dict  # display_path -> FileStats
    columns: list  # [(name, type simpleString)] of the data columns
    notes: list
    cached: object
    mapping: dict  # Spark file URI -> SourceFile

    def release(self):
        if self.cached is not None:
            self.cached.unpersist()


def header_columns(cfg, source) -> list[str]:
    """Column names from the first line of a CSV file (or _c0.. without a header)."""
    head = source_head(source)
    first = head.splitlines()[0] if head else ""
    fields = next(csv.reader(io.StringIO(first), delimiter=cfg.file_delimiter), [])
    if not cfg.has_header:
        return [f"_c{i}" for i in range(len(fields))]
    names, seen = [], set()
    for i, raw in enumerate(fields):
        name = re.sub(r"\W", "_", raw.strip().lstrip("\ufeff")) or f"_c{i}"
        name = "_" + name if name[0].isdigit() else name
        name = name if name.lower() not in seen else f"{name}_{i}"
        seen.add(name.lower())
        names.append(name)
    return names


def source_head(source, limit: int = 65536) -> str:
    from .filesystem import LocalFileSystem

    data = (
        LocalFileSystem().read_bytes(source.list_path, limit)
        if "://" not in source.list_path
        else source_fs(source).read_bytes(source.list_path, limit)
    )
    return data.decode("utf-8", errors="replace")


def source_fs(source):  # pragma: no cover - abfss sources only
    from .filesystem import NotebookUtilsFileSystem

    return NotebookUtilsFileSystem()


def _read_csv(spark, cfg, files):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    groups: dict = {}
    for source in files:
        groups.setdefault(tuple(header_columns(cfg, source)), []).append(source)
    frames, per_file = [], {}
    for columns, members in groups.items():
        if not columns:
            continue
        schema = StructType(
            [StructField(c, StringType()) for c in columns]
            + [StructField("_corrupt_record", StringType())]
        )
        frame = (
            spark.read.schema(schema)
            .option("header", cfg.has_header)
            .option("sep", cfg.file_delimiter)
            .option("encoding", cfg.encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record")
            .csv([s.spark_path for s in members])
            .select("*", F.col("_metadata.file_path").alias("_file"))
        )
        frames.append(frame)
        per_file.update({s.display_path: list(columns) for s in members})
    return _union(frames), per_file


def _read_other(spark, cfg, files):
    from pyspark.sql import functions as F

    paths = [s.spark_path for s in files]
    reader = spark.read
    if cfg.custom_schema_json:
        reader = reader.schema(declared_schema(cfg))
    if cfg.source_file_format == "json":
        frame = (
            reader.option("encoding", cfg.encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record")
            .json(paths)
        )
    else:
        frame = reader.option("mergeSchema", "true").parquet(*paths)
    frame = frame.select("*", F.col("_metadata.file_path").alias("_file"))
    if "_corrupt_record" not in frame.columns:
        frame = frame.withColumn("_corrupt_record", F.lit(None).cast("string"))
    return frame, {}


def _union(frames):
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out


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


def read_batch(spark, cfg, files, known: dict, execution_id: str, now) -> Batch | None:
    """Read files (all of one config run) once; None when there is nothing to read."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    readable = [s for s in files if s.size > 0]
    if not readable:
        return None
    if cfg.source_file_format == "csv":
        raw, per_file = _read_csv(spark, cfg, readable)
    else:
        raw, per_file = _read_other(spark, cfg, readable)
    if raw is None:
        return None
    keep_zeros = set(known)
    if cfg.custom_schema_json:
        declared = {f.name: f.dataType.simpleString() for f in declared_schema(cfg)}
        known = {**known, **declared}
        keep_zeros -= set(declared)
    data_cols = [c for c in raw.columns if c not in _HELPERS]
    source_types = dict(raw.dtypes)
    check_enc = cfg.encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")
    corrupt = "wrong field count" if cfg.source_file_format == "csv" else "malformed record"
    raw = raw.withColumn(
        "_reject",
        inference.reject_expr(data_cols, source_types, known, check_enc, corrupt, keep_zeros),
    )
    raw = raw.persist(StorageLevel.MEMORY_AND_DISK)
    unknown = [c for c in data_cols if c not in known and source_types[c] == "string"]
    rows = (
        raw.groupBy("_file", "_reject")
        .agg(F.count(F.lit(1)).alias("_rows"), *inference.inference_aggs(unknown))
        .collect()
    )
    mapping = match_files({r["_file"] for r in rows}, readable)
    stats = {s.display_path: FileStats() for s in files}
    totals: dict = {}
    for row in rows:
        st = stats[mapping[row["_file"]].display_path]
        st.rows += row["_rows"]
        if row["_reject"] is not None:
            st.rejected += row["_rows"]
            st.reasons[row["_reject"]] = st.reasons.get(row["_reject"], 0) + row["_rows"]
        for key, value in row.asDict().items():
            if key.startswith("_i"):
                totals[key] = totals.get(key, 0) + (value or 0)
    inferred = inference.choose_types(unknown, totals)
    final = [(c, known.get(c) or inferred.get(c) or source_types[c]) for c in data_cols]
    good = _finish(raw, final, source_types, mapping, execution_id, now)
    rejects = raw.where(F.col("_reject").isNotNull()).select(
        "_file", "_reject", _raw_text(cfg, data_cols).alias("_raw")
    )
    notes = _missing_notes(per_file, [c for c, _ in final])
    return Batch(good, rejects, stats, final, notes, raw, mapping)


def _raw_text(cfg, data_cols):
    from pyspark.sql import functions as F

    joined = F.concat_ws(
        cfg.file_delimiter,
        *[F.coalesce(F.col(inference.q(c)).cast("string"), F.lit("")) for c in data_cols],
    )
    return F.coalesce(F.col("_corrupt_record"), joined)


def _finish(raw, final, source_types, mapping, execution_id, now):
    from pyspark.sql import functions as F

    cols = []
    for name, type_name in final:
        col = F.col(inference.q(name))
        if type_name != source_types[name]:
            col = inference.try_cast(name, type_name)
        cols.append(col.alias(name))
    nothing = F.lit(None).cast("string")
    pairs = sorted(mapping.items())
    paths = F.create_map(*[x for uri, s in pairs for x in (F.lit(uri), F.lit(s.display_path))])
    dates = F.create_map(
        *[
            x
            for uri, s in pairs
            for x in (F.lit(uri), F.lit(s.date.isoformat() if s.date else None).cast("string"))
        ]
    )
    path_col = paths[F.col("_file")] if pairs else nothing
    date_col = dates[F.col("_file")] if pairs else nothing
    return raw.where(F.col("_reject").isNull()).select(
        *cols,
        F.lit(now).cast("timestamp").alias("_ingestion_timestamp"),
        F.lit(execution_id).alias("_ingestion_execution_id"),
        path_col.alias("_source_file_path"),
        F.to_date(date_col).alias("_source_date_partition"),
    )


def _missing_notes(per_file: dict, columns: list) -> list:
    missing: dict = {}
    for path, present in per_file.items():
        for name in columns:
            if name not in present:
                missing.setdefault(name, []).append(path)
    return [
        f"column {name} missing in {len(paths)} file(s) (loaded as NULL): "
        f"{', '.join(sorted(paths)[:5])}"
        for name, paths in sorted(missing.items())
    ]
