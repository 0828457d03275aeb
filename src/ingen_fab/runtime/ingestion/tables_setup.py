"""The engine's own tables: config, log, per-file ledger and quarantine (idempotent)."""

from __future__ import annotations

from ..schema import CONFIG_TABLE, FILE_LEDGER_TABLE, LOG_TABLE, QUARANTINE_TABLE
from ..tables import add_missing_columns, create_table

INGESTION_TABLES = (CONFIG_TABLE, LOG_TABLE, FILE_LEDGER_TABLE, QUARANTINE_TABLE)


def ensure_ingestion_tables(spark) -> None:
    """Create the config, log, file ledger and quarantine tables when they are missing; a
    config table made by an older release gains the config columns added since."""
    for table in INGESTION_TABLES:
        if not spark.catalog.tableExists(f"dbo.{table.name}"):
            create_table(spark, table)
        elif table is CONFIG_TABLE:
            add_missing_columns(spark, table)
