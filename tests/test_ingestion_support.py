"""Helpers shared by the ingestion tests (no tests here): config rows, files, table reads."""

from __future__ import annotations

import datetime as dt
import os

from ingen_fab.runtime.ingestion import ensure_ingestion_tables
from ingen_fab.runtime.schema import CONFIG_TABLE
from ingen_fab.runtime.tables import upsert_rows

LINEAGE = (
    "_ingestion_timestamp",
    "_ingestion_execution_id",
    "_source_file_path",
    "_source_date_partition",
)


def config(config_id: str, source, table: str, **overrides) -> dict:
    """A full config row; every test passes its own config_id and table."""
    row = {
        "config_id": config_id,
        "config_name": config_id,
        "source_file_path": source_path(source),
        "source_file_format": "csv",
        "file_delimiter": ",",
        "has_header": True,
        "encoding": "utf-8",
        "custom_schema_json": None,
        "target_schema_name": "itest",
        "target_table_name": table,
        "write_mode": "append",
        "merge_keys": None,
        "import_pattern": "date_partitioned",
        "date_partition_format": "YYYY/MM/DD",
        "file_discovery_pattern": "**/*.csv",
        "batch_import_enabled": True,
        "date_range_start": None,
        "date_range_end": None,
        "skip_existing_dates": False,
        "table_relationship_group": config_id,
        "import_sequence_order": 1,
        "execution_group": 9000,
        "error_handling_strategy": "fail",
        "active_yn": "Y",
    }
    row.update(overrides)
    return row


def source_path(source) -> str:
    """A test's source folder as a config names it: an absolute folder outside the lakehouse
    (a test's tmp_path) as the explicit file:// URI, anything else as it is."""
    text = str(source)
    return "file://" + text if os.path.isabs(text) else text


def add_configs(spark, *rows) -> None:
    ensure_ingestion_tables(spark)
    upsert_rows(spark, CONFIG_TABLE, list(rows))


def write_file(path, text, mode="w", encoding="utf-8") -> str:
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    if isinstance(text, bytes):
        with open(path, "wb") as handle:
            handle.write(text)
    else:
        with open(path, mode, encoding=encoding, newline="") as handle:
            handle.write(text)
    return str(path)


def day_file(root, day: dt.date, name: str, text, sub: str = "t") -> str:
    """root/YYYY/MM/DD/<sub>/<name>"""
    folder = os.path.join(str(root), f"{day:%Y}", f"{day:%m}", f"{day:%d}", sub)
    return write_file(os.path.join(folder, name), text)


def rows(spark, schema: str, table: str, order: str | None = None, lineage=False) -> list[dict]:
    """Every row of a target as dicts, without lineage columns unless asked, sorted."""
    frame = spark.table(f"`{schema}`.`{table}`")
    cols = [c for c in frame.columns if lineage or c not in LINEAGE]
    out = [r.asDict() for r in frame.select(*cols).collect()]
    if order:
        return sorted(out, key=lambda r: (r.get(order) is None, r.get(order)))
    return sorted(out, key=lambda r: str(sorted(r.items())))


def log_rows(spark, config_id: str) -> list:
    return spark.sql(
        "SELECT * FROM dbo.log_flat_file_ingestion WHERE config_id = "
        f"'{config_id}' ORDER BY job_start_time"
    ).collect()


def ledger_rows(spark, config_id: str) -> list:
    return spark.sql(
        "SELECT * FROM dbo.log_flat_file_ingestion_files WHERE config_id = "
        f"'{config_id}' ORDER BY recorded_at, file_path"
    ).collect()


D1, D2, D3 = dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)
