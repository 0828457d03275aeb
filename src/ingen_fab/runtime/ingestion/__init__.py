"""The flat-file ingestion engine that runs inside notebooks (and locally, unchanged).

Public entry points: run_ingestion, ensure_ingestion_tables, verify_ingestion,
ingestion_status.
"""

from __future__ import annotations

from .engine import run_ingestion
from .errors import ConfigError, IngestionAborted, IngestionError
from .results import ConfigPlan, ConfigResult, IngestionResult
from .status import ConfigStatus, ingestion_status
from .tables_setup import ensure_ingestion_tables
from .verify import VerifyReport, verify_ingestion

__all__ = [
    "ConfigError",
    "ConfigPlan",
    "ConfigResult",
    "ConfigStatus",
    "IngestionAborted",
    "IngestionError",
    "IngestionResult",
    "VerifyReport",
    "ensure_ingestion_tables",
    "ingestion_status",
    "run_ingestion",
    "verify_ingestion",
]
