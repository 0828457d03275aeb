"""One Spark read over all pending files of a config: csv / json / parquet.

The result (a Batch) holds the accepted rows cast to their final types with lineage columns,
the rejected rows with their reasons, and per-file counts. The counts, reject reasons and
types come from one aggregation over the files; writing the batch reads them again (cheaper
than caching millions of string rows). Zero-byte files are not read (0 rows); header-only files read as 0 rows.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
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
# Below this many bytes a batch is cheap to move in full: the merge's narrow pass over the
# keys (an extra Spark job meant to save moving wide rows) would cost more than it saves.
SMALL_BATCH_BYTES = 64 << 20


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
    mapping: dict  # Spark file URI -> SourceFile
    reader: object = None  # display paths -> good rows of those files only (read again)
    keyer: object = None  # (key columns, file orders) -> frame of the keys and _order, or None

    def good_of(self, paths):
        """The accepted rows of the files in paths, reading only those files."""
        return self.reader(set(paths))

    def keys_of(self, keys, orders: dict):
        """The keys (final types) and `_order` (orders: display path -> number) of every
        row, parsing only the key columns; None when some row was rejected (telling the
        accepted rows apart needs every column)."""
        return self.keyer(list(keys), orders) if self.keyer is not None else None


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


@contextmanager
def csv_column_pruning(spark, enabled: bool):
    """Run the enclosed queries with Spark's CSV column pruning on or off, then restore it.

    Spark parses only the CSV columns a query uses, and flags a row with too many or too few
    fields as corrupt only when it parses every column. Ingestion queries therefore run with
    pruning off, so each one tells accepted rows apart the same way; a query over a batch
    known to hold no rejected row may turn it back on to parse only the columns it needs.
    """
    key = "spark.sql.csv.parser.columnPruning.enabled"
    before = spark.conf.get(key, None)
    spark.conf.set(key, "true" if enabled else "false")
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


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


def utf8_encoding(cfg) -> bool:
    """True when the config's files are UTF-8 (their bytes can be checked)."""
    return cfg.encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def read_batch(
    spark, cfg, files, known: dict, execution_id: str, now, utf8_valid: dict | None = None
) -> Batch | None:
    """Read files (all of one config run); None when there is nothing to read.

    utf8_valid: display path -> True when the file's bytes were found to be valid UTF-8 (the
    per-row invalid-bytes check is then left out, which only a file with bad bytes needs).
    """
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
    valid = utf8_valid or {}
    check_enc = utf8_encoding(cfg) and any(valid.get(s.display_path) is not True for s in readable)
    corrupt = "wrong field count" if cfg.source_file_format == "csv" else "malformed record"

    def with_reject(frame):
        return frame.withColumn(
            "_reject",
            inference.reject_expr(
                data_cols, dict(frame.dtypes), known, check_enc, corrupt, keep_zeros
            ),
        )

    raw = with_reject(raw)
    unknown = [c for c in data_cols if c not in known and source_types[c] == "string"]
    # a data column keeps Spark from reading only the corrupt-record column
    one_column = (F.count(F.col(inference.q(data_cols[0]))) if data_cols else F.lit(0)).alias(
        "_nn0"
    )
    candidates = {}
    if unknown:
        sample = raw.limit(inference.SAMPLE_ROWS).agg(
            one_column, *inference.inference_aggs(unknown)
        )
        candidates = inference.sample_types(unknown, sample.collect()[0].asDict())
    rows = (
        raw.groupBy("_file", "_reject")
        .agg(
            F.count(F.lit(1)).alias("_rows"),
            one_column,
            *inference.inference_aggs(unknown, candidates),
        )
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
    inferred, retry = inference.choose_types(unknown, totals, candidates)
    if retry:
        again = raw.agg(one_column, *inference.inference_aggs(retry)).collect()[0].asDict()
        inferred.update(inference.choose_types(retry, again)[0])
    final = [(c, known.get(c) or inferred.get(c) or source_types[c]) for c in data_cols]
    # with no rejected row, the re-reads need not evaluate the reject checks again
    clean = not any(st.rejected for st in stats.values())
    good = _finish(raw, final, mapping, execution_id, now, clean)

    def reader(paths):
        part = [f for f in readable if f.display_path in paths]
        again = (_read_csv if cfg.source_file_format == "csv" else _read_other)(spark, cfg, part)
        frame = again[0]
        absent = [c for c in data_cols if c not in frame.columns]
        frame = frame.select("*", *[F.lit(None).cast(source_types[c]).alias(c) for c in absent])
        return _finish(with_reject(frame), final, mapping, execution_id, now, clean)

    def keyer(keys, orders):
        if not clean:
            return None
        lookup = {c.lower(): c for c in data_cols}
        types = dict(final)
        cols = []
        for key in keys:
            name = lookup[key.lower()]
            col = F.col(inference.q(name))
            if types[name] != source_types[name]:
                col = inference.try_cast(name, types[name])
            cols.append(col.alias(name))
        pairs = sorted(
            (u, orders[s.display_path]) for u, s in mapping.items() if s.display_path in orders
        )
        order = F.create_map(*[x for u, v in pairs for x in (F.lit(u), F.lit(v))])
        return raw.select(*cols, order[F.col("_file")].alias("_order"))

    rejects = raw.where(F.col("_reject").isNotNull()).select(
        "_file", "_reject", _raw_text(cfg, data_cols).alias("_raw")
    )
    notes = _missing_notes(per_file, [c for c, _ in final])
    return Batch(good, rejects, stats, final, notes, mapping, reader, keyer)


def _raw_text(cfg, data_cols):
    from pyspark.sql import functions as F

    joined = F.concat_ws(
        cfg.file_delimiter,
        *[F.coalesce(F.col(inference.q(c)).cast("string"), F.lit("")) for c in data_cols],
    )
    return F.coalesce(F.col("_corrupt_record"), joined)


def _finish(raw, final, mapping, execution_id, now, clean=False):
    """The accepted rows of raw with final types and lineage (clean: raw has no rejected
    row, so the reject checks are not evaluated again)."""
    from pyspark.sql import functions as F

    source_types = dict(raw.dtypes)
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
    accepted = raw if clean else raw.where(F.col("_reject").isNull())
    return accepted.select(
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
