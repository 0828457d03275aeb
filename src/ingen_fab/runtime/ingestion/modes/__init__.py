"""The write-mode registry: write_mode -> its WriteMode.

A mode is one module here (validation, dedupe rule, commit, verify invariants; see base.py)
plus its line in MODES. Nothing else in ingestion branches on write_mode.
"""

from __future__ import annotations

from .append import AppendMode
from .base import WriteMode
from .cdc import CdcMode
from .merge import MergeMode
from .overwrite import OverwriteMode

MODES: dict[str, WriteMode] = {m.name: m for m in (OverwriteMode(), AppendMode(), MergeMode(), CdcMode())}
NAMES = tuple(MODES)


def write_mode(cfg) -> WriteMode:
    """The write mode of a validated config."""
    return MODES[cfg.write_mode]
