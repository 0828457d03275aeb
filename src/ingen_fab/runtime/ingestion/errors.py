"""Exceptions of the ingestion engine: one base, a few specific kinds."""

from __future__ import annotations

from ..errors import UserError


class IngestionError(UserError):
    """Base of every error the ingestion engine raises on purpose."""


class ConfigError(IngestionError):
    """A config row is invalid; the message names config_id and column."""

    def __init__(self, config_id: str, column: str, problem: str):
        self.config_id = config_id
        self.column = column
        super().__init__(f"config {config_id}: column {column}: {problem}")


class IngestionAborted(IngestionError):
    """Raised by the stop_after_files test hook: the run stops as if the process was killed."""
