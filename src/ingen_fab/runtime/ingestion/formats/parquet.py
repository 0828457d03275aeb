"""source_file_format parquet: columns and types from the files (schemas merged)."""

from __future__ import annotations

from ..declared_schema import declared_schema
from .base import SourceFormat, with_corrupt_column, with_file_columns


class ParquetFormat(SourceFormat):
    name = "parquet"
    description = "Parquet: types from the files, schemas of several files merged"

    def read(self, spark, cfg, files, parser_types=None):
        reader = spark.read
        if cfg.custom_schema_json:
            reader = reader.schema(declared_schema(cfg))
        frame = reader.option("mergeSchema", "true").parquet(*[s.spark_path for s in files])
        return with_corrupt_column(with_file_columns(frame)), {}
