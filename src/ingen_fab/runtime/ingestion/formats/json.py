"""source_file_format json: JSON Lines (one object per line), or per custom_schema_json."""

from __future__ import annotations

from .base import SourceFormat, declared_reader, with_corrupt_column, with_file_columns


class JsonFormat(SourceFormat):
    name = "json"
    description = "JSON Lines: one object per line; a line that does not parse is rejected"

    def read(self, spark, cfg, files, parser_types=None):
        frame = (
            declared_reader(spark, cfg)
            .option("encoding", cfg.encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record")
            .json([s.spark_path for s in files])
        )
        return with_corrupt_column(with_file_columns(frame)), {}
