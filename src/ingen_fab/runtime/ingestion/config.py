"""Config rows of config_flat_file_ingestion: typed, validated before anything is read."""

from __future__ import annotations

import codecs
import datetime as _dt
from dataclasses import dataclass

from . import formats, modes
from .declared_schema import declared_schema, is_identifier
from .errors import ConfigError

# The allowed values of every enumerated config column (formats and write modes: their
# registries). The DDL's column descriptions and the README's config table are checked
# against this (tests/test_config_domain.py).
ENUMERATIONS = {
    "source_file_format": formats.NAMES,
    "write_mode": modes.NAMES,
    "import_pattern": ("single_file", "wildcard_pattern", "date_partitioned"),
    "error_handling_strategy": ("fail", "log", "skip"),
    "date_partition_format": ("YYYY/MM/DD", "YYYY-MM-DD", "YYYYMMDD", "filename"),
    "snapshot_deletes": modes.DELETES,
    "schema_evolution": ("add_columns", "fail", "rescue"),
}


@dataclass(frozen=True)
class IngestionConfig:
    config_id: str
    config_name: str
    source_file_path: str
    source_file_format: str
    file_delimiter: str
    has_header: bool
    encoding: str
    custom_schema_json: str | None
    target_schema_name: str
    target_table_name: str
    write_mode: str
    merge_keys: tuple[str, ...]
    snapshot_deletes: str  # ignore, or a value of the write mode's (modes/snapshot.py)
    scd2_tracked_columns: tuple[str, ...]  # scd2: the columns whose changes open a version
    cdc_operation_column: str  # cdc: the column holding I/U/D
    cdc_sequence_column: str  # cdc: the column ordering the changes of a key
    import_pattern: str
    date_partition_format: str | None
    file_discovery_pattern: str | None
    batch_import_enabled: bool
    date_range_start: _dt.date | None
    date_range_end: _dt.date | None
    skip_existing_dates: bool
    late_arrival_days: int  # -1: not a whole number of days 0 or more (validate says so)
    schema_evolution: str  # add_columns, fail or rescue (schema_policy.py)
    table_relationship_group: str | None
    import_sequence_order: int
    execution_group: int
    error_handling_strategy: str
    active: bool

    @property
    def utf8(self) -> bool:
        """True when the config's files are UTF-8 (their bytes can be checked)."""
        return self.encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")

    def error(self, column: str, problem: str) -> ConfigError:
        return ConfigError(self.config_id, column, problem)


def _lower(value) -> str:
    return str(value).strip().lower() if value is not None else ""


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes")
    return bool(value)


def _names(value) -> tuple[str, ...]:
    """A comma-separated list of column names."""
    return tuple(k.strip() for k in (value or "").split(",") if k.strip())


def _days(value) -> int:
    """A count of days: 0 when unset, -1 when not a whole number 0 or more."""
    if value is None or value == "":
        return 0
    try:
        days = int(str(value).strip())
    except ValueError:
        return -1
    return days if days >= 0 else -1


def _date(value):
    if value is None or isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def from_row(row: dict) -> IngestionConfig:
    """A config from a table row (dict); normalises case and defaults, checks nothing."""
    fmt = row.get("date_partition_format")
    keys = _names(row.get("merge_keys"))
    return IngestionConfig(
        config_id=str(row.get("config_id")),
        config_name=row.get("config_name") or "",
        source_file_path=(row.get("source_file_path") or "").strip(),
        source_file_format=_lower(row.get("source_file_format")),
        file_delimiter=row.get("file_delimiter") or ",",
        has_header=_bool(row.get("has_header"), True),
        encoding=(row.get("encoding") or "utf-8").strip(),
        custom_schema_json=row.get("custom_schema_json") or None,
        target_schema_name=row.get("target_schema_name") or "",
        target_table_name=row.get("target_table_name") or "",
        write_mode=_lower(row.get("write_mode")),
        merge_keys=keys,
        snapshot_deletes=_lower(row.get("snapshot_deletes")) or "ignore",
        scd2_tracked_columns=_names(row.get("scd2_tracked_columns")),
        cdc_operation_column=(row.get("cdc_operation_column") or "").strip() or "_op",
        cdc_sequence_column=(row.get("cdc_sequence_column") or "").strip() or "_seq",
        import_pattern=_lower(row.get("import_pattern")) or "single_file",
        date_partition_format=fmt.strip() if isinstance(fmt, str) and fmt.strip() else None,
        file_discovery_pattern=row.get("file_discovery_pattern") or None,
        batch_import_enabled=_bool(row.get("batch_import_enabled"), True),
        date_range_start=row.get("date_range_start"),
        date_range_end=row.get("date_range_end"),
        skip_existing_dates=_bool(row.get("skip_existing_dates"), False),
        late_arrival_days=_days(row.get("late_arrival_days")),
        schema_evolution=_lower(row.get("schema_evolution")) or "add_columns",
        table_relationship_group=row.get("table_relationship_group"),
        import_sequence_order=int(row.get("import_sequence_order") or 0),
        execution_group=int(row.get("execution_group") or 0),
        error_handling_strategy=_lower(row.get("error_handling_strategy")) or "fail",
        active=_lower(row.get("active_yn")) == "y",
    )


def _choice(cfg: IngestionConfig, column: str, value, allowed) -> None:
    if value not in allowed:
        raise cfg.error(column, f"unknown value {value!r}; use one of {', '.join(allowed)}")


def validate(cfg: IngestionConfig) -> IngestionConfig:
    """Raise ConfigError (one line: config_id, column, problem) for the first invalid column.

    Checks what can be checked without reading data; the source folder and merge keys
    present in the data are checked by the engine (they need the file system / the data).
    """
    for column in ("write_mode", "import_pattern", "error_handling_strategy", "source_file_format",
                   "snapshot_deletes", "schema_evolution"):
        _choice(cfg, column, getattr(cfg, column), ENUMERATIONS[column])

    if cfg.date_partition_format is not None:
        _choice(
            cfg,
            "date_partition_format",
            cfg.date_partition_format,
            ENUMERATIONS["date_partition_format"],
        )
    elif cfg.import_pattern == "date_partitioned":
        raise cfg.error("date_partition_format", "required when import_pattern is date_partitioned")
    for column in ("target_schema_name", "target_table_name"):
        if not is_identifier(getattr(cfg, column)):
            raise cfg.error(
                column,
                f"{getattr(cfg, column)!r} is not an identifier "
                "(letters, digits and _, not starting with a digit)",
            )
    modes.write_mode(cfg).validate(cfg)
    for column in ("merge_keys", "scd2_tracked_columns"):
        for name in getattr(cfg, column):
            if not is_identifier(name):
                raise cfg.error(column, f"{name!r} is not an identifier")
    for column in ("cdc_operation_column", "cdc_sequence_column"):
        if not is_identifier(getattr(cfg, column)):
            raise cfg.error(column, f"{getattr(cfg, column)!r} is not an identifier")
    if not cfg.source_file_path:
        raise cfg.error("source_file_path", "is empty")
    try:
        start, end = _date(cfg.date_range_start), _date(cfg.date_range_end)
    except ValueError as exc:
        raise cfg.error("date_range_start", f"not a date ({exc})") from None
    if start and end and start > end:
        raise cfg.error("date_range_start", f"{start} is after date_range_end {end}")
    if cfg.late_arrival_days < 0:
        raise cfg.error("late_arrival_days", "must be a whole number of days, 0 or more")
    if len(cfg.file_delimiter) != 1:
        raise cfg.error("file_delimiter", f"{cfg.file_delimiter!r} must be one character")
    try:
        codecs.lookup(cfg.encoding)
    except LookupError:
        raise cfg.error("encoding", f"unknown encoding {cfg.encoding!r}") from None
    if cfg.custom_schema_json:
        try:
            declared_schema(cfg)
        except Exception as exc:
            raise cfg.error("custom_schema_json", f"not a Spark schema ({exc})") from None
    return cfg


def date_range(cfg: IngestionConfig, start=None, end=None):
    """The inclusive (start, end) dates in effect: overrides win over the config."""
    lo = _date(start) if start else _date(cfg.date_range_start)
    hi = _date(end) if end else _date(cfg.date_range_end)
    if lo and hi and lo > hi:
        raise cfg.error("date_range_start", f"{lo} is after date_range_end {hi}")
    return lo, hi
