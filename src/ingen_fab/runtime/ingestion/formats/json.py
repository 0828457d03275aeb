"""source_file_format json: JSON Lines (one object per line), or per custom_schema_json."""

from __future__ import annotations

from ..declared_schema import declared_schema
from .base import SourceFormat, with_corrupt_column, with_file_columns


class JsonFormat(SourceFormat):
    name = "json"
    description = "JSON Lines: one object per line; a line that does not parse is rejected"

    def read(self, spark, cfg, files, parser_types=None):
        reader = spark.read
        if cfg.custom_schema_json:
            reader = reader.schema(declared_schema(cfg))
        frame = (
            reader.option("encoding", cfg.encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record")
            .json([s.spark_path for s in files])
        )
        return with_corrupt_column(with_file_columns(frame)), {}
