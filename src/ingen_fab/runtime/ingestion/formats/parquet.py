"""source_file_format parquet: columns and types from the files (schemas merged)."""

from __future__ import annotations

from .base import SourceFormat, declared_reader, with_corrupt_column, with_file_columns


class ParquetFormat(SourceFormat):
    name = "parquet"
    description = "Parquet: types from the files, schemas of several files merged"

    def read(self, spark, cfg, files, parser_types=None):
        reader = declared_reader(spark, cfg).option("mergeSchema", "true")
        frame = reader.parquet(*[s.spark_path for s in files])
        return with_corrupt_column(with_file_columns(frame)), {}
