"""Columns of the config and log tables, declared once.

The compiler renders these into T-SQL DDL and the runtime renders them into Spark schemas, so
the lakehouse and warehouse targets cannot drift apart. Logical types:
string, int, bigint, bool, date, timestamp, double.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sql import quote_ident


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    description: str = ""
    length: int = 0  # varchar length in the warehouse (0 = the type's default)


@dataclass(frozen=True)
class Table:
    name: str
    warehouse_schema: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()  # Delta table properties (lakehouse only)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, type_, nullable=True, description="", length=0):
    return Column(name, type_, nullable, description, length)


CONFIG_TABLE = Table(
    name="config_flat_file_ingestion",
    warehouse_schema="config",
    key=("config_id",),
    columns=(
        _c("config_id", "string", False, "Unique id of the config row", 100),
        _c("config_name", "string", False, "Human-readable name", 200),
        _c("source_file_path", "string", False, "File, folder or date-partitioned root", 500),
        _c("source_file_format", "string", False, "csv, json or parquet", 20),
        _c("file_delimiter", "string", True, "CSV field delimiter", 10),
        _c("has_header", "bool", True, "CSV first line holds column names"),
        _c("encoding", "string", True, "Text encoding of CSV/JSON files", 20),
        _c("custom_schema_json", "string", True, "Spark schema JSON fixing column types", 4000),
        _c("target_schema_name", "string", False, "Lakehouse schema of the target table", 100),
        _c("target_table_name", "string", False, "Target table name", 100),
        _c("write_mode", "string", False, "overwrite, append, merge, cdc or scd2", 20),
        _c("merge_keys", "string", True, "Comma-separated key columns for merge", 500),
        _c(
            "snapshot_deletes",
            "string",
            True,
            "ignore, soft, hard or close",
            10,
        ),
        _c("scd2_tracked_columns", "string", True,
           "scd2: comma-separated columns whose changes open a version (default: all)", 1000),
        _c("cdc_operation_column", "string", True, "cdc: column holding I, U or D (default _op)",
           100),
        _c("cdc_sequence_column", "string", True,
           "cdc: column ordering a key's changes (default _seq)", 100),
        _c(
            "import_pattern",
            "string",
            False,
            "single_file, wildcard_pattern or date_partitioned",
            30,
        ),
        _c(
            "date_partition_format",
            "string",
            True,
            "YYYY/MM/DD, YYYY-MM-DD, YYYYMMDD or filename",
            20,
        ),
        _c("file_discovery_pattern", "string", True, "Glob (with **) selecting files", 500),
        _c("batch_import_enabled", "bool", True, "Load every pending date in one run"),
        _c("date_range_start", "date", True, "First date to load (inclusive)"),
        _c("date_range_end", "date", True, "Last date to load (inclusive)"),
        _c("skip_existing_dates", "bool", True, "Do not re-read dates already loaded"),
        _c("late_arrival_days", "int", True,
           "skip_existing_dates: the last N loaded dates are listed again for late files "
           "(default 0)"),
        _c("schema_evolution", "string", True, "add_columns, fail or rescue", 20),
        _c("table_relationship_group", "string", True, "Configs loaded one after another", 100),
        _c("import_sequence_order", "int", True, "Order within the execution group"),
        _c("execution_group", "int", False, "Group run together"),
        _c("error_handling_strategy", "string", False, "fail, log or skip", 20),
        _c("active_yn", "string", False, "Y or N", 1),
        _c("created_date", "timestamp", False, "When the row was created"),
        _c("modified_date", "timestamp", True, "When the row last changed"),
    ),
)

# Every ingestion run appends a few rows to the log and ledger tables. Per-file column
# statistics (for data skipping) would cost each of those small commits, and each checkpoint,
# more than they could save on tables this small, so these two collect none.
RUN_LOG_PROPERTIES = (("delta.dataSkippingNumIndexedCols", "0"),)

LOG_TABLE = Table(
    name="log_flat_file_ingestion",
    warehouse_schema="log",
    key=("log_id",),
    properties=RUN_LOG_PROPERTIES,
    columns=(
        _c("log_id", "string", False, "Unique id of the log row", 100),
        _c("config_id", "string", False, "Config this row reports on", 100),
        _c("execution_id", "string", False, "Id shared by all configs of one run", 100),
        _c("job_start_time", "timestamp", False, "When the config started"),
        _c("job_end_time", "timestamp", True, "When the config ended"),
        _c(
            "status",
            "string",
            False,
            "completed, completed_with_errors, failed, no_new_data, skipped",
            30,
        ),
        _c("source_file_path", "string", True, "Source path of the config", 500),
        _c("date_partition", "string", True, "Date partitions loaded (first..last)", 100),
        _c("records_processed", "bigint", True, "Rows read"),
        _c("records_inserted", "bigint", True, "Rows inserted"),
        _c("records_updated", "bigint", True, "Rows updated"),
        _c("records_deleted", "bigint", True, "Rows deleted"),
        _c("records_failed", "bigint", True, "Rows rejected"),
        _c("execution_duration_seconds", "double", True, "Wall time of the config"),
        _c("error_message", "string", True, "One-line error", 4000),
        _c("error_details", "string", True, "Details: file, line, collapsed duplicates", 8000),
        _c("runtime_id", "string", True, "Runtime build that wrote the row (version+hash)", 50),
    ),
)

DDL_LEDGER_TABLE = Table(
    name="ddl_script_executions",
    warehouse_schema="log",
    key=("script_id", "content_hash", "executed_at"),
    columns=(
        _c("script_id", "string", False, "Path of the script under ddl_scripts", 500),
        _c("content_hash", "string", False, "sha256 of the script source", 64),
        _c("status", "string", False, "success or failed", 20),
        _c("executed_at", "timestamp", False, "When it ran"),
        _c("error_message", "string", True, "Error when it failed", 4000),
        _c("runtime_id", "string", True, "Runtime build that ran it (version+hash)", 50),
    ),
)

_SPARK_TYPES = {
    "string": "STRING",
    "int": "INT",
    "bigint": "BIGINT",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "double": "DOUBLE",
}


def spark_type(column) -> str:
    """A declared column's Spark SQL type."""
    return _SPARK_TYPES[column.type]


def spark_ddl(table: Table) -> str:
    """Column list in Spark SQL DDL form, e.g. "config_id STRING NOT NULL, ..."."""
    return ", ".join(
        f"{quote_ident(c.name)} {spark_type(c)}{'' if c.nullable else ' NOT NULL'}"
        for c in table.columns
    )


def spark_schema(table: Table):
    """The table's pyspark StructType (built field by field: no DDL parser, any Spark 3.5+)."""
    from pyspark.sql import types as T

    types = {
        "string": T.StringType,
        "int": T.IntegerType,
        "bigint": T.LongType,
        "bool": T.BooleanType,
        "date": T.DateType,
        "timestamp": T.TimestampType,
        "double": T.DoubleType,
    }
    return T.StructType(
        [T.StructField(c.name, types[c.type](), c.nullable) for c in table.columns]
    )


FILE_LEDGER_TABLE = Table(
    name="log_flat_file_ingestion_files",
    warehouse_schema="log",
    key=("config_id", "file_path", "recorded_at"),
    properties=RUN_LOG_PROPERTIES,
    columns=(
        _c("config_id", "string", False, "Config that loaded the file", 100),
        _c("execution_id", "string", False, "Run that loaded the file", 100),
        _c("date_partition", "date", True, "Date the file belongs to (NULL when undated)"),
        _c("file_path", "string", False, "Source file (Files/... inside the lakehouse)", 1000),
        _c("file_size", "bigint", True, "Size in bytes when loaded"),
        _c("modification_time", "timestamp", True, "Modification time when loaded"),
        _c("content_hash", "string", True, "sha256 of the content (local and mounted files)", 64),
        _c("rows_read", "bigint", True, "Data rows read from the file"),
        _c("rows_written", "bigint", True, "Rows of the file that reached the target"),
        _c("rows_rejected", "bigint", True, "Rows of the file sent to quarantine or refused"),
        _c("status", "string", False, "loaded or failed", 20),
        _c("error_message", "string", True, "Why the file failed", 4000),
        _c("recorded_at", "timestamp", False, "When this row was written"),
    ),
)

QUARANTINE_TABLE = Table(
    name="quarantine_flat_file_ingestion",
    warehouse_schema="log",
    key=("config_id", "source_file_path", "line_number", "execution_id"),
    columns=(
        _c("config_id", "string", False, "Config that read the row", 100),
        _c("execution_id", "string", False, "Run that rejected the row", 100),
        _c("source_file_path", "string", False, "File holding the row", 1000),
        _c("date_partition", "date", True, "Date the file belongs to"),
        _c("line_number", "bigint", True, "1-based physical line in the file (NULL if unknown)"),
        _c("reason", "string", False, "Why the row was rejected", 1000),
        _c("raw_record", "string", True, "The row as read", 8000),
        _c("quarantined_at", "timestamp", False, "When the row was rejected"),
    ),
)
