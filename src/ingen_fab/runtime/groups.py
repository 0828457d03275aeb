"""Active configs that no compiled execution group notebook runs (a group missing from
flat_file_ingestion.toml `execution_groups`): such a config is never loaded, so it is named."""

from __future__ import annotations

from .schema import CONFIG_TABLE
from .sql import qualified


def unscheduled_configs(spark, execution_groups) -> list[dict]:
    """[{"config_id", "execution_group"}] of the active configs outside execution_groups."""
    known = {int(g) for g in execution_groups}
    rows = (
        spark.table(qualified(CONFIG_TABLE.name))
        .where("upper(trim(active_yn)) = 'Y'")
        .select("config_id", "execution_group")
        .collect()
    )
    found = [
        {"config_id": r.config_id, "execution_group": r.execution_group}
        for r in rows
        if r.execution_group not in known
    ]
    return sorted(found, key=lambda c: str(c["config_id"]))
