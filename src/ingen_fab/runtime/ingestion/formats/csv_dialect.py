"""The CSV dialect ingestion reads, and what the first bytes of a CSV file tell.

RFC 4180: fields quoted with ``"``, a doubled ``""`` inside a quoted field is one ``"``, and a
quoted field may hold the delimiter and line breaks. Lines end with LF, CRLF or CR, one kind
per file (its first line end decides); a UTF-8 byte order mark is not part of the data.
"""

from __future__ import annotations

import codecs
import csv
import io
import re


def header_columns(cfg, source) -> list[str]:
    """Column names from the first record of a CSV file (or _c0.. without a header)."""
    return csv_layout(cfg, source)[0]


def csv_layout(cfg, source) -> tuple[list[str], str | None]:
    """(column names, line separator) of a CSV file, from its first bytes.

    The separator is CRLF when the first record ends so (Spark then keeps a quoted CRLF as
    it is, where it would find CRLF itself but turn a quoted one into LF), else None (Spark
    finds it: LF, or CR). Either way one kind of line end holds for the whole file.
    """
    head = source_head(source, encoding=cfg.encoding)
    _, raw, fields = next(records(head, cfg.file_delimiter), (0, "", []))
    return _names(cfg, fields), "\r\n" if raw.endswith("\r\n") else None


def records(text: str, delimiter: str):
    """(first line number, raw text, fields) of each CSV record of text, as Spark reads them
    (RFC 4180 quoting; a line ends at LF, CRLF or CR; blank lines are no record)."""
    lines = io.StringIO(text.removeprefix("\ufeff"), newline="")
    taken: list = []

    def feed():
        for line in lines:
            taken.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    start = 1
    try:
        for fields in reader:
            if fields:
                yield start, "".join(taken), fields
            taken.clear()
            start = reader.line_num + 1
    except csv.Error:  # a field past the csv module's size limit: no line numbers from here
        return


def _names(cfg, fields) -> list[str]:
    if not cfg.has_header:
        return [f"_c{i}" for i in range(len(fields))]
    names, seen = [], set()
    for i, raw in enumerate(fields):
        name = re.sub(r"\W", "_", raw.strip()) or f"_c{i}"
        name = "_" + name if name[0].isdigit() else name
        name = name if name.lower() not in seen else f"{name}_{i}"
        seen.add(name.lower())
        names.append(name)
    return names


HEAD_BYTES = 65536


def source_head(source, limit: int = HEAD_BYTES, encoding: str = "utf-8") -> str:
    from ..filesystem import LocalFileSystem

    data = (
        LocalFileSystem().read_bytes(source.list_path, limit)
        if "://" not in source.list_path
        else source_fs(source).read_bytes(source.list_path, limit)
    )
    try:
        codecs.lookup(encoding)
    except LookupError:  # a name only Java knows: the head is only read for names
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")


def source_fs(source):  # pragma: no cover - abfss sources only
    from ..filesystem import NotebookUtilsFileSystem

    return NotebookUtilsFileSystem()


def csv_reader(reader, cfg, separator: str | None):
    """reader set to read CSV as RFC 4180 says: fields quoted with ", a doubled "" in a quoted
    field is one ", quoted fields may hold the delimiter and line breaks (so a record may span
    lines: multiLine, which reads each file whole, in one task); a backslash is an ordinary
    character. separator: the file's line end when it must be given (see csv_layout)."""
    reader = (
        reader.option("header", cfg.has_header)
        .option("sep", cfg.file_delimiter)
        .option("encoding", cfg.encoding)
        .option("quote", '"')
        .option("escape", '"')
        .option("multiLine", "true")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
    )
    return reader.option("lineSep", separator) if separator else reader
