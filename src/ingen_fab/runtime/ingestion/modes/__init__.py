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
from .scd2 import Scd2Mode

MODES: dict[str, WriteMode] = {
    m.name: m for m in (OverwriteMode(), AppendMode(), MergeMode(), CdcMode(), Scd2Mode())
}
NAMES = tuple(MODES)
# snapshot_deletes: ignore, then each mode's own values (a value may serve several modes)
DELETES = tuple(dict.fromkeys(("ignore", *(d for m in MODES.values() for d in m.deletes))))


def write_mode(cfg) -> WriteMode:
    """The write mode of a validated config."""
    return MODES[cfg.write_mode]
