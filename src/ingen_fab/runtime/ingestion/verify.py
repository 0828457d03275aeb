"""verify_ingestion: date coverage, duplicate merge keys, quarantined rows and orphans.

- Coverage (date_partitioned configs): every date from date_range_start (or the first loaded
  date) to date_range_end (or the last loaded date) must have a loaded file in the ledger.
- Each write mode's invariants (modes/): a merge target holds one row per merge key.
- Quarantine: rows of a config in quarantine_flat_file_ingestion (error_handling_strategy
  skip set them aside) are a problem until its files load clean (loading a file again
  replaces its quarantine rows).
- Orphans: inside a table_relationship_group, a config owns a key column K when it is
  keyed (merged) on exactly K, or (any write mode) when its table has the column named by
  convention singular(table) + "_id", singular = the table name less one trailing "s"
  (orders owns order_id, order_items owns order_item_id). Any other target of the group
  with a column K must only hold values found in the owner (NULLs are not orphans).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ..schema import CONFIG_TABLE, QUARANTINE_TABLE
from ..sql import DEFAULT_SCHEMA, qualified
from ..sql import quote_name as q
from . import ledger
from .config import from_row
from .modes import write_mode
from .target import table_name, target_exists


@dataclass
class VerifyReport:
    lines: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        out = list(self.lines)
        out += [f"PROBLEM: {p}" for p in self.problems]
        out.append("OK: no problems found" if self.ok else f"{len(self.problems)} problem(s)")
        return "\n".join(out)


def _loaded_dates(state: dict) -> set:
    return {
        r.date_partition
        for r in state.values()
        if r.status == ledger.LOADED and r.date_partition is not None
    }


def _coverage(cfg, state: dict, report) -> None:
    loaded = _loaded_dates(state)
    lo = cfg.date_range_start or (min(loaded) if loaded else None)
    hi = cfg.date_range_end or (max(loaded) if loaded else None)
    if lo is None or hi is None:
        report.problems.append(f"{cfg.config_id}: no date loaded yet")
        return
    days = [lo + _dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    missing = [d for d in days if d not in loaded]
    report.lines.append(
        f"{cfg.config_id}: {len(days) - len(missing)}/{len(days)} dates loaded ({lo}..{hi})"
    )
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:10])
        more = f" (+{len(missing) - 10} more)" if len(missing) > 10 else ""
        report.problems.append(f"{cfg.config_id}: {len(missing)} date(s) missing: {shown}{more}")


def _quarantined(spark, configs, report) -> None:
    """One line per config with quarantined rows: their number, files and first reasons."""
    from pyspark.sql import functions as F

    name = qualified(QUARANTINE_TABLE.name)
    ids = [c.config_id for c in configs]
    if not ids or not spark.catalog.tableExists(f"{DEFAULT_SCHEMA}.{QUARANTINE_TABLE.name}"):
        return
    found = (
        spark.table(name)
        .where(F.col("config_id").isin(ids))
        .groupBy("config_id")
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.countDistinct("source_file_path").alias("files"),
            F.slice(F.sort_array(F.collect_set("reason")), 1, 3).alias("reasons"),
        )
        .collect()
    )
    for row in sorted(found, key=lambda r: r["config_id"]):
        report.problems.append(
            f"{row['config_id']}: {row['rows']} quarantined row(s) in {row['files']} file(s) "
            f"({'; '.join(row['reasons'])}): see {QUARANTINE_TABLE.name}"
        )


def own_id_column(table: str) -> str:
    """The key column a table owns by naming convention: orders -> order_id."""
    return table.lower().removesuffix("s") + "_id"


def _owners(members, columns) -> dict:
    """key column (lower case) -> owning config: single merge key first, then convention."""
    owners = {
        c.merge_keys[0].lower(): c
        for c in members
        if write_mode(c).keyed and len(c.merge_keys) == 1
    }
    for c in members:
        own = own_id_column(c.target_table_name)
        if own in columns[c.config_id]:
            owners.setdefault(own, c)
    return owners


def _orphans(spark, configs, report) -> None:
    from pyspark.sql import functions as F

    groups: dict = {}
    for cfg in configs:
        if cfg.table_relationship_group:
            groups.setdefault(cfg.table_relationship_group, []).append(cfg)
    for members in groups.values():
        columns = {
            c.config_id: {n.lower(): n for n in spark.table(table_name(c)).columns} for c in members
        }
        owners = _owners(members, columns)
        for child in members:
            for key, owner in sorted(owners.items()):
                if owner is child or key not in columns[child.config_id]:
                    continue
                fk = F.col(q(columns[child.config_id][key]))
                parent = (
                    spark.table(table_name(owner))
                    .select(F.col(q(columns[owner.config_id].get(key, key))).alias("_k"))
                    .distinct()
                )
                orphans = (
                    spark.table(table_name(child))
                    .where(fk.isNotNull())
                    .join(parent, fk == F.col("_k"), "left_anti")
                    .count()
                )
                line = (
                    f"{child.config_id}.{columns[child.config_id][key]} -> {owner.config_id}: "
                    f"{orphans} orphaned row(s)"
                )
                report.lines.append(line)
                if orphans:
                    report.problems.append(line)


def verify_ingestion(spark, config_ids: list[str] | None = None) -> VerifyReport:
    """Check the loaded targets of the active configs (or of config_ids)."""
    report = VerifyReport()
    rows = [r.asDict() for r in spark.table(qualified(CONFIG_TABLE.name)).collect()]
    if config_ids:
        rows = [r for r in rows if r["config_id"] in set(config_ids)]
    else:
        rows = [r for r in rows if str(r.get("active_yn") or "").upper() == "Y"]
    configs = []
    parsed = [from_row(row) for row in sorted(rows, key=lambda r: str(r["config_id"]))]
    dated = [c.config_id for c in parsed if c.import_pattern == "date_partitioned"]
    states = ledger.load_states(spark, dated)  # one ledger scan for every config
    for cfg in parsed:
        if not target_exists(spark, cfg):
            report.problems.append(
                f"{cfg.config_id}: target {cfg.target_schema_name}."
                f"{cfg.target_table_name} does not exist (never loaded)"
            )
            continue
        configs.append(cfg)
        if cfg.import_pattern == "date_partitioned":
            _coverage(cfg, states.get(cfg.config_id, {}), report)
        write_mode(cfg).verify(spark, cfg, report)
    _quarantined(spark, configs, report)
    _orphans(spark, configs, report)
    return report
