"""The dry-run plan: per config, the dates and files a run would load. Reads no data."""

from __future__ import annotations

from .results import ConfigPlan, PlannedFile


def plan_entry(cfg, files=(), error: str | None = None) -> ConfigPlan:
    dates = sorted({f.date.isoformat() for f in files if f.date is not None})
    return ConfigPlan(
        config_id=cfg.config_id,
        target=f"{cfg.target_schema_name}.{cfg.target_table_name}",
        write_mode=cfg.write_mode,
        dates=dates,
        files=[
            PlannedFile(f.display_path, f.date.isoformat() if f.date else None, f.size)
            for f in files
        ],
        error_message=error,
    )


def oldest_date_only(files: list) -> list:
    """batch_import_enabled FALSE: only the files of the oldest pending date (undated first)."""
    if not files:
        return []
    key = min((f.date is not None, f.date) for f in files)
    return [f for f in files if (f.date is not None, f.date) == key]
