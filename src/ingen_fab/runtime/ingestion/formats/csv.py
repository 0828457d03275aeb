"""source_file_format csv: RFC 4180 (see csv_dialect.py), every column read as a string.

Spark's CSV parser flags a record with too many or too few fields as corrupt only when it
parses every column, so ingestion runs with CSV column pruning off (csv_column_pruning); a
query over a batch known to hold no rejected row may turn it on to parse fewer columns.
"""

from __future__ import annotations

from contextlib import contextmanager

from .. import inference
from ..filesystem import LocalFileSystem
from .base import SourceFormat, record_key, union, with_file_columns
from .csv_dialect import HEAD_BYTES, csv_layout, csv_reader, records, source_head

_PRUNING = "spark.sql.csv.parser.columnPruning.enabled"


@contextmanager
def csv_column_pruning(spark, enabled: bool):
    """Run the enclosed queries with Spark's CSV column pruning on or off, then restore it."""
    before = spark.conf.get(_PRUNING, None)
    spark.conf.set(_PRUNING, "true" if enabled else "false")
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(_PRUNING)
        else:
            spark.conf.set(_PRUNING, before)


class CsvFormat(SourceFormat):
    name = "csv"
    description = (
        "CSV (RFC 4180): quoted fields may hold the delimiter, doubled quotes and line breaks"
    )
    corrupt_reason = "wrong field count"

    def read(self, spark, cfg, files, parser_types=None):
        """Files grouped by header and line end, each group one CSV read, then unioned."""
        from pyspark.sql import types as T

        groups: dict = {}
        for source in files:
            columns, separator = csv_layout(cfg, source)
            groups.setdefault((tuple(columns), separator), []).append(source)
        frames, per_file = [], {}
        for (columns, separator), members in groups.items():
            if not columns:
                continue
            types = [(c, (parser_types or {}).get(c, "string")) for c in columns]
            schema = T.StructType(
                [
                    T.StructField(c, T._parse_datatype_string(t))
                    for c, t in [*types, ("_corrupt_record", "string")]
                ]
            )
            reader = csv_reader(spark.read.schema(schema), cfg, separator)
            frames.append(with_file_columns(reader.csv([s.spark_path for s in members])))
            per_file.update({s.display_path: list(columns) for s in members})
        return union(frames), per_file

    def head_types(self, cfg, files, columns, per_file) -> dict | None:
        """The first lines of the first file of each header, split in Python; None when a
        line might not parse as Spark parses it (a quote, backslash or lone carriage return,
        a blank line, another field count, invalid bytes).

        The read stage asks only when every column is typed by inference: then no row of
        the sample can be rejected for a value, and the lines are rows as Spark reads them.
        """
        if not cfg.utf8:
            return None
        rows, headers = [], set()
        for source in files:
            names = tuple(per_file.get(source.display_path, ()))
            if not names or names in headers:
                continue
            headers.add(names)
            lines = _plain_lines(cfg, source_head(source))
            if lines is None:
                return None
            position = {n: i for i, n in enumerate(names)}
            for line in lines[1 if cfg.has_header else 0 :]:
                fields = line.split(cfg.file_delimiter)
                if not line or '"' in line or "\\" in line or len(fields) != len(names):
                    return None
                rows.append(
                    [fields[position[c]] or None if c in position else None for c in columns]
                )
                if len(rows) >= inference.SAMPLE_ROWS:
                    break
            if len(rows) >= inference.SAMPLE_ROWS:
                break
        return inference.sample_types(columns, inference.sample_totals(columns, rows))

    def parser_types_for(self, inferred: dict) -> dict:
        return {c: t for c, t in inferred.items() if t in inference.NATIVE_CSV_TYPES}

    def narrow_reads(self, spark):
        return csv_column_pruning(spark, True)

    def line_numbers(self, cfg, source, wanted=()) -> dict:
        """record_key -> line numbers (ascending), for raw records and their joined fields.

        wanted: the keys asked for. When each is one whole line of the file, only the lines
        are compared (no record is parsed); otherwise every record is parsed."""
        if "://" in source.list_path:  # pragma: no cover - abfss: no driver rescan
            return {}
        data = LocalFileSystem().read_bytes(source.list_path)
        text = data.decode(cfg.encoding, errors="replace")
        lines = whole_lines(text, cfg.has_header, set(wanted)) if wanted else None
        if lines is not None:
            return lines
        index: dict = {}
        found = records(text, cfg.file_delimiter)
        if cfg.has_header:
            next(found, None)
        for number, raw, fields in found:
            for key in {record_key(raw), record_key(cfg.file_delimiter.join(fields))}:
                index.setdefault(key, []).append(number)
        return index


def whole_lines(text: str, has_header: bool, wanted: set) -> dict | None:
    """record_key -> numbers of the physical lines equal to one of wanted; None when a wanted
    key is not one whole line (a record over several lines, or quoted fields read back as
    their joined values) or when a line may end at a lone carriage return."""
    if any("\n" in k or "\r" in k for k in wanted) or text.count("\r") != text.count("\r\n"):
        return None
    index: dict = {}
    first = 2 if has_header else 1
    body = text.removeprefix("\ufeff").split("\n")[first - 1:]
    for number, line in enumerate(body, start=first):
        key = record_key(line) if inference.REPLACEMENT_CHAR in line else line.rstrip("\r")
        if key in wanted:
            index.setdefault(key, []).append(number)
    return index if len(index) == len(wanted) else None


def _plain_lines(cfg, head: str) -> list | None:
    """The whole lines of a file's head, line ends dropped; None when they may not be rows
    as Spark splits them (invalid bytes, a BOM without a header, a lone carriage return)."""
    if inference.REPLACEMENT_CHAR in head or (head.startswith("\ufeff") and not cfg.has_header):
        return None
    lines = head.split("\n")
    if len(head.encode("utf-8")) >= HEAD_BYTES or lines[-1] == "":
        lines.pop()  # a line cut short, or the end of the file
    lines = [line.removesuffix("\r") for line in lines]
    if any("\r" in line for line in lines):  # Spark ends a line there too
        return None
    return lines
