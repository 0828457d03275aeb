"""The flat-file ingestion engine that runs inside notebooks (and locally, unchanged).

Public entry points: run_ingestion, ensure_ingestion_tables, verify_ingestion.
"""

from __future__ import annotations

from .engine import run_ingestion
from .errors import ConfigError, IngestionAborted, IngestionError
from .results import ConfigPlan, ConfigResult, IngestionResult
from .tables_setup import ensure_ingestion_tables
from .verify import VerifyReport, verify_ingestion

__all__ = [
    "ConfigError",
    "ConfigPlan",
    "ConfigResult",
    "IngestionAborted",
    "IngestionError",
    "IngestionResult",
    "VerifyReport",
    "ensure_ingestion_tables",
    "run_ingestion",
    "verify_ingestion",
]
