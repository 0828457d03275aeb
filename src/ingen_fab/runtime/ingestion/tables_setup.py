"""The engine's own tables: config, log, per-file ledger and quarantine (idempotent)."""

from __future__ import annotations

from ..schema import CONFIG_TABLE, FILE_LEDGER_TABLE, LOG_TABLE, QUARANTINE_TABLE
from ..tables import create_table

INGESTION_TABLES = (CONFIG_TABLE, LOG_TABLE, FILE_LEDGER_TABLE, QUARANTINE_TABLE)


def ensure_ingestion_tables(spark) -> None:
    """Create the config, log, file ledger and quarantine tables when they are missing."""
    for table in INGESTION_TABLES:
        if not spark.catalog.tableExists(f"dbo.{table.name}"):
            create_table(spark, table)
