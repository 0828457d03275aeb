"""What a source format gives the read stage and quarantine (see formats/__init__.py)."""

from __future__ import annotations


class SourceFormat:
    """One value of source_file_format.

    read(spark, cfg, files, parser_types) -> (frame or None, display path -> its columns):
    one frame over the files holding the data columns, `_corrupt_record` (string, NULL for a
    good record), `_file` (`_metadata.file_path`) and `_block` (`_metadata.file_block_start`).
    parser_types (column -> type) are columns the format's own parser may type, when the
    format says so (parser_types_for); every other column keeps the type the format reads.
    """

    name = ""
    description = ""
    corrupt_reason = "malformed record"  # the reject reason of a record the parser flags

    def read(self, spark, cfg, files, parser_types=None):
        raise NotImplementedError

    def head_types(self, cfg, files, columns, per_file) -> dict | None:
        """Sampled types of columns from the files' first lines without Spark, or None (the
        read stage then samples with Spark)."""
        return None

    def parser_types_for(self, inferred: dict) -> dict:
        """Of the inferred column types, those the format's parser reads as the casts would."""
        return {}

    def narrow_reads(self, spark):
        """Context in which a query over rows known to be accepted may parse only the
        columns it uses."""
        from contextlib import nullcontext

        return nullcontext()

    def line_numbers(self, cfg, source, wanted=()) -> dict:
        """record_key -> its line numbers in source, for quarantine rows (wanted: the keys
        asked for; {}: no lines)."""
        return {}


def declared_reader(spark, cfg):
    """spark.read, given the config's custom_schema_json when it declares one."""
    from ..declared_schema import declared_schema

    reader = spark.read
    return reader.schema(declared_schema(cfg)) if cfg.custom_schema_json else reader


def with_file_columns(frame):
    """frame with `_file` and `_block` (the file and split each row came from)."""
    from pyspark.sql import functions as F

    return frame.select(
        "*",
        F.col("_metadata.file_path").alias("_file"),
        F.col("_metadata.file_block_start").alias("_block"),
    )


def union(frames):
    """One frame over frames by column name (a column missing in one is NULL there)."""
    if not frames:
        return None
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out


def with_corrupt_column(frame):
    from pyspark.sql import functions as F

    if "_corrupt_record" in frame.columns:
        return frame
    return frame.withColumn("_corrupt_record", F.lit(None).cast("string"))


def record_key(text: str) -> str:
    """The text a rejected row and its source record are matched by (runs of replacement
    characters as one, line end dropped)."""
    import re

    return re.sub("\ufffd+", "\ufffd", text or "").rstrip("\r\n")
