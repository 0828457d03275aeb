"""One Spark read over all pending files of a config: csv / json / parquet.

The result (a Batch) holds the accepted rows cast to their final types with lineage columns,
the rejected rows with their reasons, and per-file counts. The counts, reject reasons and
types come from one aggregation over the files; writing the batch reads them again (cheaper
than caching millions of string rows). Zero-byte files are not read (0 rows); header-only files read as 0 rows.
"""

from __future__ import annotations

import re
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote

from . import inference
from .config import declared_schema
from .csv_format import HEAD_BYTES, csv_layout, csv_reader, source_head

LINEAGE = (
    "_ingestion_timestamp",
    "_ingestion_execution_id",
    "_source_file_path",
    "_source_date_partition",
)
_HELPERS = ("_corrupt_record", "_file", "_block", "_reject")


@dataclass
class FileStats:
    rows: int = 0
    rejected: int = 0
    reasons: dict = field(default_factory=dict)


@dataclass
class Batch:
    good: object  # DataFrame: final columns + lineage (+ ROW_POSITION for a merge)
    rejects: object  # DataFrame: _file, _reject, _raw
    stats: dict  # display_path -> FileStats
    columns: list  # [(name, type simpleString)] of the data columns
    notes: list
    mapping: dict  # Spark file URI -> SourceFile
    reader: object = None  # display paths -> good rows of those files only (read again)
    keyer: object = None  # (key columns, file orders) -> frame of the keys and _order, or None
    latest: tuple | None = None  # latest_files' answer for the merge keys, found while reading

    def good_of(self, paths):
        """The accepted rows of the files in paths, reading only those files."""
        return self.reader(set(paths))

    def keys_of(self, keys, orders: dict):
        """The keys (final types) and `_order` (orders: display path -> number) of every
        row, parsing only the key columns; None when some row was rejected (telling the
        accepted rows apart needs every column)."""
        return self.keyer(list(keys), orders) if self.keyer is not None else None


def _read_csv(spark, cfg, files, native: dict | None = None):
    """(one frame over the files, display path -> its columns); every column a string but
    those in native (column -> type), which Spark's CSV parser gives that type."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    groups: dict = {}
    for source in files:
        columns, separator = csv_layout(cfg, source)
        groups.setdefault((tuple(columns), separator), []).append(source)
    frames, per_file = [], {}
    for (columns, separator), members in groups.items():
        if not columns:
            continue
        types = [(c, (native or {}).get(c, "string")) for c in columns]
        schema = T.StructType(
            [
                T.StructField(c, T._parse_datatype_string(t))
                for c, t in [*types, ("_corrupt_record", "string")]
            ]
        )
        reader = csv_reader(spark.read.schema(schema), cfg, separator)
        frame = reader.csv([s.spark_path for s in members]).select(
            "*",
            F.col("_metadata.file_path").alias("_file"),
            F.col("_metadata.file_block_start").alias("_block"),
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
    frame = frame.select(
        "*",
        F.col("_metadata.file_path").alias("_file"),
        F.col("_metadata.file_block_start").alias("_block"),
    )
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
    candidates = None
    if unknown and len(unknown) == len(data_cols):  # no row is rejected for a column's type
        candidates = _head_sample(cfg, readable, unknown, per_file)
    if unknown and candidates is None:
        sample = raw.limit(inference.SAMPLE_ROWS).agg(
            one_column, *inference.inference_aggs(unknown)
        )
        candidates = inference.sample_types(unknown, sample.collect()[0].asDict())
    candidates = candidates or {}
    found = None
    if _one_pass_fits(cfg, readable, data_cols, unknown, candidates):
        found = _one_pass(raw, cfg, files, data_cols, source_types, known, candidates)
    if found is not None:  # every row accepted and every sampled type holds
        counts, latest = found
        rows = [{"_file": u, "_reject": None, "_rows": n} for u, n in counts.items()]
    else:
        latest = None
        rows = (
            raw.groupBy("_file", "_reject")
            .agg(
                F.count(F.lit(1)).alias("_rows"),
                one_column,
                *inference.inference_aggs(unknown, candidates),
            )
            .collect()
        )
        rows = [r.asDict() for r in rows]
    mapping = match_files({r["_file"] for r in rows}, readable)
    stats = {s.display_path: FileStats() for s in files}
    totals: dict = {}
    for row in rows:
        st = stats[mapping[row["_file"]].display_path]
        st.rows += row["_rows"]
        if row["_reject"] is not None:
            st.rejected += row["_rows"]
            st.reasons[row["_reject"]] = st.reasons.get(row["_reject"], 0) + row["_rows"]
        for key, value in row.items():
            if key.startswith("_i"):
                totals[key] = totals.get(key, 0) + (value or 0)
    if found is not None:  # every sampled type held: it is the column's type
        inferred, retry = {c: candidates[c] for c in unknown}, []
    else:
        inferred, retry = inference.choose_types(unknown, totals, candidates)
    if retry:
        again = raw.agg(one_column, *inference.inference_aggs(retry)).collect()[0].asDict()
        inferred.update(inference.choose_types(retry, again)[0])
    final = [(c, known.get(c) or inferred.get(c) or source_types[c]) for c in data_cols]
    # with no rejected row, the re-reads need not evaluate the reject checks again
    clean = not any(st.rejected for st in stats.values())
    # ... and Spark's CSV parser may type the inferred columns: all of their values are the
    # type's own text, which it reads as the casts would
    native = {}
    if clean and cfg.source_file_format == "csv":
        native = {c: t for c, t in inferred.items() if t in inference.NATIVE_CSV_TYPES}

    def reread(part):
        if cfg.source_file_format == "csv":
            return _read_csv(spark, cfg, part, native)[0]
        return _read_other(spark, cfg, part)[0]

    finish = {"clean": clean, "position": cfg.write_mode == "merge"}
    first = with_reject(reread(readable)) if native else raw
    good = _finish(first, final, mapping, execution_id, now, **finish)

    def reader(paths):
        frame = reread([f for f in readable if f.display_path in paths])
        absent = [c for c in data_cols if c not in frame.columns]
        frame = frame.select("*", *[F.lit(None).cast(source_types[c]).alias(c) for c in absent])
        return _finish(with_reject(frame), final, mapping, execution_id, now, **finish)

    def keyer(keys, orders):
        if not clean:
            return None
        lookup = {c.lower(): c for c in data_cols}
        types = dict(final)
        cols = [_typed(lookup[k.lower()], types, source_types) for k in keys]
        order = by_file(
            {u: orders[s.display_path] for u, s in mapping.items() if s.display_path in orders},
        )
        return raw.select(*cols, order.alias("_order"))

    rejects = raw.where(F.col("_reject").isNotNull()).select(
        "_file", "_reject", _raw_text(cfg, data_cols).alias("_raw")
    )
    notes = _missing_notes(per_file, [c for c, _ in final])
    return Batch(good, rejects, stats, final, notes, mapping, reader, keyer, latest)


def _head_sample(cfg, files, columns, per_file: dict) -> dict | None:
    """The sampled type of each of columns from the first lines of the files, read without
    Spark (the first file of each header; per_file: display path -> its columns, as
    _read_csv found them); None when those lines might not parse as Spark
    parses them (a quote, backslash or lone carriage return, a blank line, another field
    count, invalid bytes).

    Only for a batch whose every column is typed by inference: then no row of the sample
    can be rejected for a value, and the lines are rows of the columns as Spark reads them.
    """
    if cfg.source_file_format != "csv" or not utf8_encoding(cfg):
        return None
    rows, headers = [], set()
    for source in files:
        names = tuple(per_file.get(source.display_path, ()))
        if not names or names in headers:
            continue
        headers.add(names)
        head = source_head(source)
        if inference.REPLACEMENT_CHAR in head or (head.startswith("\ufeff") and not cfg.has_header):
            return None
        lines = head.split("\n")
        if len(head.encode("utf-8")) >= HEAD_BYTES or lines[-1] == "":
            lines.pop()  # a line cut short, or the end of the file
        lines = [line.removesuffix("\r") for line in lines]
        if any("\r" in line for line in lines):  # Spark ends a line there too
            return None
        position = {n: i for i, n in enumerate(names)}
        for line in lines[1 if cfg.has_header else 0 :]:
            fields = line.split(cfg.file_delimiter)
            if not line or '"' in line or "\\" in line or len(fields) != len(names):
                return None
            rows.append([fields[position[c]] or None if c in position else None for c in columns])
            if len(rows) >= inference.SAMPLE_ROWS:
                break
        if len(rows) >= inference.SAMPLE_ROWS:
            break
    return inference.sample_types(columns, inference.sample_totals(columns, rows))


def _one_pass_fits(cfg, readable, data_cols, unknown, candidates) -> bool:
    """Whether a merge batch may be checked and key-scanned in one job (see _one_pass):
    over several files, every key a column, every unknown column's type sampled."""
    names = {c.lower() for c in data_cols}
    return (
        cfg.write_mode == "merge"
        and len(readable) > 1
        and all(k.lower() in names for k in cfg.merge_keys)
        and all(candidates.get(c) is not None for c in unknown)
    )


def _one_pass(raw, cfg, files, data_cols, source_types, known, candidates):
    """(rows per file URI, latest_files' answer or None) from one job, or None when some row
    is rejected or some value does not fit its sampled type (the full checks then run).

    One grouping-sets aggregation does the work of the check pass and of the merge's key
    pass: per file, the rows and how many of them are bad; per key, the latest file order
    and the number of rows. A row is bad when rejected, or when a value does not fit the
    type sampled for its column (candidates: column -> sampled type).
    """
    from pyspark.sql import functions as F

    from .writers import file_order, latest_answer

    bad = F.col("_reject").isNotNull()
    for name, type_name in candidates.items():
        if type_name != "string":
            fits = F.coalesce(inference.fits(name, type_name), F.lit(False))
            bad = bad | (F.col(inference.q(name)).isNotNull() & ~fits)
    types = {**known, **candidates}
    lookup = {c.lower(): c for c in data_cols}
    keys = [lookup[k.lower()] for k in cfg.merge_keys]
    key_cols = [_typed(k, types, source_types) for k in keys]
    orders = file_order(files)
    listed = match_files(raw.inputFiles(), files)
    pairs = {}
    for uri, source in listed.items():  # the URI as listed, and as file:/ (how rows name it)
        for form in (uri, re.sub(r"^(\w+):///", r"\1:/", uri)):
            pairs[form] = orders[source.display_path]
    narrow = raw.select(
        *key_cols,
        by_file(pairs).alias("_order"),
        "_file",
        F.when(bad, 1).otherwise(0).alias("_bad"),
    )
    names = ", ".join(inference.q(k) for k in keys)
    per_set = narrow.sparkSession.sql(  # GROUPING SETS in SQL: Spark 3.5 has no DataFrame API
        f"SELECT {names}, _file, max(_order) AS _w, count(1) AS _n, sum(_bad) AS _b, "
        "grouping(_file) AS _by_key FROM {narrow} "
        f"GROUP BY GROUPING SETS (({names}), (_file))",
        narrow=narrow,
    )
    by_key = F.col("_by_key") == 1
    rows = (
        per_set.groupBy("_by_key", "_file", F.when(by_key, F.col("_w")).alias("w"))
        .agg(F.max("_n").alias("n"), F.sum("_n").alias("rows"), F.sum("_b").alias("bad"))
        .collect()
    )
    per_file = [r for r in rows if r["_by_key"] == 0]
    if any(r["bad"] for r in per_file):
        return None
    counts = {r["_file"]: r["rows"] for r in per_file}
    if not set(counts) <= set(pairs):  # rows name their files differently: no key answer
        return counts, None
    per_order = [(r["w"], r["n"]) for r in rows if r["_by_key"] == 1]
    return counts, latest_answer(per_order, orders)


def _raw_text(cfg, data_cols):
    from pyspark.sql import functions as F

    joined = F.concat_ws(
        cfg.file_delimiter,
        *[F.coalesce(F.col(inference.q(c)).cast("string"), F.lit("")) for c in data_cols],
    )
    return F.coalesce(F.col("_corrupt_record"), joined)


def _typed(name, types: dict, source_types: dict):
    """Column name with its type in types (cast from its source type when they differ; a
    column absent from types keeps its source type)."""
    from pyspark.sql import functions as F

    type_name = types.get(name, source_types[name])
    if type_name == source_types[name]:
        return F.col(inference.q(name)).alias(name)
    return inference.try_cast(name, type_name).alias(name)


def _finish(raw, final, mapping, execution_id, now, clean=False, position=False):
    """The accepted rows of raw with final types and lineage (clean: raw has no rejected
    row, so the reject checks are not evaluated again; position: add ROW_POSITION)."""
    from pyspark.sql import functions as F

    source_types, types = dict(raw.dtypes), dict(final)
    cols = [_typed(name, types, source_types) for name, _ in final]
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


ROW_POSITION = "_row_position"


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
