"""The source-format registry: source_file_format -> its SourceFormat.

A format is one module here (reader, reject reason, quarantine line numbers; see base.py)
plus its line in FORMATS. Nothing else in ingestion branches on source_file_format.
"""

from __future__ import annotations

from .base import SourceFormat
from .csv import CsvFormat
from .json import JsonFormat
from .parquet import ParquetFormat

FORMATS: dict[str, SourceFormat] = {f.name: f for f in (CsvFormat(), JsonFormat(), ParquetFormat())}
NAMES = tuple(FORMATS)


def source_format(cfg) -> SourceFormat:
    """The format of a validated config."""
    return FORMATS[cfg.source_file_format]
