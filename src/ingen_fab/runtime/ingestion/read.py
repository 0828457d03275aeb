"""The read stage: one Spark read over the pending files of a config, checked and typed.

The result (a Batch) holds the accepted rows cast to their final types with lineage columns,
the rejected rows with their reasons, and per-file counts. Counts, reject reasons and types
come from one aggregation over the files; writing the batch reads the files again (cheaper
than caching millions of string rows). Zero-byte files are not read (0 rows); header-only
files read as 0 rows. The choices made (how types were sampled, which checks ran) are
recorded in the plan's Routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import inference
from .declared_schema import declared_schema
from .formats import source_format
from .keys import one_pass, one_pass_fits
from .lineage import by_file, match_files, typed, with_lineage
from .modes import write_mode
from .schema_policy import RESCUED, shaped, unknown_columns, unknown_files

_HELPERS = ("_corrupt_record", "_file", "_block", "_reject")


@dataclass
class FileStats:
    rows: int = 0
    rejected: int = 0
    reasons: dict = field(default_factory=dict)


@dataclass
class RejectRule:
    """Why a row is rejected: a corrupt record, invalid bytes, a value not of its type."""

    data_cols: list
    known: dict  # column -> type it must have (custom_schema_json, existing target)
    check_encoding: bool
    corrupt_reason: str
    keep_zeros: set  # columns typed by the target, whose values must keep leading zeros

    def apply(self, frame):
        reason = inference.reject_expr(
            self.data_cols,
            dict(frame.dtypes),
            self.known,
            self.check_encoding,
            self.corrupt_reason,
            self.keep_zeros,
        )
        return frame.withColumn("_reject", reason)


@dataclass
class BatchSource:
    """How to read the batch's files again: every column, or a subset of the files."""

    spark: object
    cfg: object
    files: list  # the readable (non-empty) files
    rule: RejectRule
    source_types: dict
    final: list  # [(column, final type)]
    mapping: dict  # Spark file URI -> SourceFile
    stamp: tuple  # (execution_id, ingestion timestamp)
    clean: bool  # no row of the batch was rejected
    parser_types: dict = field(default_factory=dict)
    rescued: list = field(default_factory=list)  # columns rescued into RESCUED

    def frame(self, files):
        return source_format(self.cfg).read(self.spark, self.cfg, files, self.parser_types)[0]

    def good(self, files, raw=None):
        """Accepted rows of files with final types and lineage (raw: their first read)."""
        from pyspark.sql import functions as F

        if raw is None:
            raw = self.frame(files)
            absent = [c for c in self.rule.data_cols if c not in raw.columns]
            raw = raw.select(
                "*", *[F.lit(None).cast(self.source_types[c]).alias(c) for c in absent]
            )
            raw = self.rule.apply(raw)
        position = write_mode(self.cfg).keyed
        return with_lineage(raw, self.final, self.mapping, *self.stamp, self.clean, position,
                            self.rescued)


@dataclass
class Batch:
    good: object  # DataFrame: final columns + lineage (+ ROW_POSITION for a keyed mode)
    stats: dict  # display_path -> FileStats
    columns: list  # [(name, type simpleString)] of the data columns
    notes: list
    mapping: dict  # Spark file URI -> SourceFile
    source: BatchSource
    raw: object  # the first read, with _reject
    latest: tuple | None = None  # keys.latest_answer for the merge keys, found while reading
    unknown: dict = field(default_factory=dict)  # schema_evolution fail: path -> why
    rejected: dict | None = None  # file URI -> [(reason, text)] of its rejected rows (skip)

    def good_of(self, paths):
        """The accepted rows of the files in paths, reading only those files."""
        return self.source.good([f for f in self.source.files if f.display_path in set(paths)])

    def keys_of(self, keys, orders: dict):
        """The keys (final types) and `_order` (orders: display path -> number) of every
        row, parsing only the key columns; None when some row was rejected (telling the
        accepted rows apart needs every column)."""
        if not self.source.clean:
            return None
        lookup = {c.lower(): c for c in self.source.rule.data_cols}
        types = dict(self.source.final)
        cols = [typed(lookup[k.lower()], types, self.source.source_types) for k in keys]
        order = by_file(
            {u: orders[s.display_path] for u, s in self.mapping.items() if s.display_path in orders}
        )
        return self.raw.select(*cols, order.alias("_order"))

    def narrow_reads(self, spark):
        """Context in which a query over the batch may parse only the columns it uses."""
        return source_format(self.source.cfg).narrow_reads(spark)


def read_batch(spark, cfg, files, known: dict, stamp: tuple, utf8_valid: dict, routes):
    """Read files (all of one config run); None when there is nothing to read.

    known: column -> type of the existing target. stamp: (execution_id, timestamp) for the
    lineage columns. utf8_valid: display path -> True when the file's bytes were found to be
    valid UTF-8 (the per-row check for invalid bytes is then left out).
    """
    readable = [s for s in files if s.size > 0]
    if not readable:
        return None
    fmt = source_format(cfg)
    raw, per_file = fmt.read(spark, cfg, readable)
    if raw is None:
        return None
    rule = _reject_rule(cfg, raw, known, readable, utf8_valid)
    extra = unknown_columns(cfg, rule.data_cols, known)
    rule.known.update({c: "string" for c in extra})  # kept as text, never a reason to reject
    raw = rule.apply(raw)
    source_types = dict(raw.dtypes)
    unknown = [c for c in rule.data_cols if c not in rule.known and source_types[c] == "string"]
    sampled = _sampled_types(cfg, raw, readable, unknown, rule.data_cols, per_file, routes)
    found = None
    # under skip the counting pass brings the rejected rows' text along (for the quarantine)
    text = _raw_text(cfg, rule.data_cols) if cfg.error_handling_strategy == "skip" else None
    if write_mode(cfg).keyed and one_pass_fits(cfg, readable, rule.data_cols, unknown, sampled):
        routes.checks.append("one_pass")
        found = one_pass(raw, cfg, files, rule.data_cols, rule.known, sampled, text)
    if found is not None:  # every sampled type holds
        grouped, latest = found
    else:
        routes.checks.append("full")
        latest, grouped = None, _grouped_counts(raw, rule.data_cols, unknown, sampled, text)
    mapping = match_files({r["_file"] for r in grouped}, readable)
    stats, totals = _file_stats(grouped, mapping, files)
    final = _final_types(raw, rule, unknown, sampled, totals, found is not None, routes)
    final, rescued = shaped(cfg, final, extra)
    clean = not any(st.rejected for st in stats.values())
    source = BatchSource(spark, cfg, readable, rule, source_types, final, mapping, stamp, clean,
                         rescued=rescued)
    if clean:  # the parser may type what the casts would (all values are the types' text)
        inferred = {c: t for c, t in final if c in unknown}
        source.parser_types = routes.parser_types = fmt.parser_types_for(inferred)
    good = source.good(readable) if source.parser_types else source.good(readable, raw)
    notes = _missing_notes(per_file, [c for c, _ in final if c != RESCUED])
    if rescued:
        notes.append(f"column(s) {', '.join(rescued)} not in the table: kept in {RESCUED} "
                     "(schema_evolution rescue)")
    return Batch(good, stats, final, notes, mapping, source, raw, latest,
                 unknown_files(cfg, raw, per_file, extra, mapping), _rejected_texts(grouped))


def _rejected_texts(grouped) -> dict | None:
    """file URI -> [(reason, text)] of its rejected rows, when the counting pass brought
    their text (None: it did not)."""
    if not all("_raw" in row for row in grouped):
        return None
    texts: dict = {}
    for row in grouped:
        if row["_reject"] is not None:
            found = [(row["_reject"], row["_raw"])] * row["_rows"]
            texts.setdefault(row["_file"], []).extend(found)
    return texts


def _reject_rule(cfg, raw, known, readable, utf8_valid) -> RejectRule:
    keep_zeros = set(known)
    if cfg.custom_schema_json:
        declared = {f.name: f.dataType.simpleString() for f in declared_schema(cfg)}
        known = {**known, **declared}
        keep_zeros -= set(declared)
    valid = utf8_valid or {}
    check = cfg.utf8 and any(valid.get(s.display_path) is not True for s in readable)
    data_cols = [c for c in raw.columns if c not in _HELPERS]
    return RejectRule(data_cols, known, check, source_format(cfg).corrupt_reason, keep_zeros)


def _one_column(data_cols):
    """A count over a data column: keeps Spark from reading only the corrupt-record column."""
    from pyspark.sql import functions as F

    count = F.count(F.col(inference.q(data_cols[0]))) if data_cols else F.lit(0)
    return count.alias("_nn0")


def _sampled_types(cfg, raw, readable, unknown, data_cols, per_file, routes) -> dict:
    """column -> the type a sample of its values proposes (None: no value in the sample)."""
    if not unknown:
        return {}
    sampled = None
    if len(unknown) == len(data_cols):  # no row is rejected for a column's type
        sampled = source_format(cfg).head_types(cfg, readable, unknown, per_file)
        routes.type_sample = "head" if sampled is not None else None
    if sampled is None:
        routes.type_sample = "spark"
        sample = raw.limit(inference.SAMPLE_ROWS).agg(
            _one_column(data_cols), *inference.inference_aggs(unknown)
        )
        sampled = inference.sample_types(unknown, sample.collect()[0].asDict())
    routes.sampled_types = dict(sampled or {})
    return sampled or {}


def _grouped_counts(raw, data_cols, unknown, sampled, raw_text=None) -> list:
    """Per file and reject reason (and, given raw_text, rejected text as `_raw`): rows, and
    the type checks' sums for the unknown columns."""
    from pyspark.sql import functions as F

    by = ["_file", "_reject"]
    if raw_text is not None:
        by.append(F.when(F.col("_reject").isNotNull(), raw_text).alias("_raw"))
    return [
        r.asDict()
        for r in raw.groupBy(*by)
        .agg(
            F.count(F.lit(1)).alias("_rows"),
            _one_column(data_cols),
            *inference.inference_aggs(unknown, sampled),
        )
        .collect()
    ]


def _file_stats(grouped, mapping, files) -> tuple[dict, dict]:
    """(display path -> FileStats of every file, summed type-check totals)."""
    stats = {s.display_path: FileStats() for s in files}
    totals: dict = {}
    for row in grouped:
        st = stats[mapping[row["_file"]].display_path]
        st.rows += row["_rows"]
        if row["_reject"] is not None:
            st.rejected += row["_rows"]
            st.reasons[row["_reject"]] = st.reasons.get(row["_reject"], 0) + row["_rows"]
        for key, value in row.items():
            if key.startswith("_i"):
                totals[key] = totals.get(key, 0) + (value or 0)
    return stats, totals


def _final_types(raw, rule, unknown, sampled, totals, verified, routes) -> list:
    """[(column, type)]: known types, then inferred ones (verified: every sampled type held
    in the one pass), re-checking in one more pass the columns a value broke."""
    if verified:
        inferred, retry = {c: sampled[c] for c in unknown}, []
    else:
        inferred, retry = inference.choose_types(unknown, totals, sampled)
    if retry:
        routes.checks.append("retry")
        again = raw.agg(_one_column(rule.data_cols), *inference.inference_aggs(retry))
        inferred.update(inference.choose_types(retry, again.collect()[0].asDict())[0])
    source_types = dict(raw.dtypes)
    return [(c, rule.known.get(c) or inferred.get(c) or source_types[c]) for c in rule.data_cols]


def _raw_text(cfg, data_cols):
    from pyspark.sql import functions as F

    joined = F.concat_ws(
        cfg.file_delimiter,
        *[F.coalesce(F.col(inference.q(c)).cast("string"), F.lit("")) for c in data_cols],
    )
    return F.coalesce(F.col("_corrupt_record"), joined)


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
