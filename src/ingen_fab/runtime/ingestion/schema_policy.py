"""schema_evolution: what a load does with a source column its table does not know.

A column is known when custom_schema_json declares it, the existing target has it, or the
write mode reads it (cdc's operation column). With neither a declared schema nor a target
(the first load of undeclared files) the batch's columns make the table, so none is unknown.

add_columns -- the column is added to the table (ALTER TABLE); earlier rows hold NULL in it.
fail        -- files holding it are not loaded: the config stops at the first date with
               one (earlier dates load) and fails, naming the column and the fix.
rescue      -- the table keeps its columns; a row's values of unknown columns go, as a JSON
               object of their text (NULLs left out), into the string column _rescued_data
               (NULL when it has none), which the table gains the first time.

Whatever the policy, a column the table has and a file lacks loads NULL and the log says so.
"""

from __future__ import annotations

from .declared_schema import declared_schema
from .modes import write_mode

RESCUED = "_rescued_data"
POLICIES = ("add_columns", "fail", "rescue")


def unknown_columns(cfg, data_cols: list, target: dict) -> list:
    """The batch's data columns the config's table does not know (target: its columns)."""
    if cfg.schema_evolution == "add_columns":
        return []
    known = {c.lower() for c in target}
    if cfg.custom_schema_json:
        known |= {f.name.lower() for f in declared_schema(cfg)}
    if not known:
        return []
    known |= {c.lower() for c in write_mode(cfg).own_columns(cfg)} | {RESCUED}
    return [c for c in data_cols if c.lower() not in known]


def shaped(cfg, final: list, unknown: list) -> tuple[list, list]:
    """(the batch's final [(column, type)], the columns rescued into RESCUED): unknown
    columns leave the batch; under rescue, RESCUED takes their place at the end."""
    if not unknown:
        return final, []
    out = [(c, t) for c, t in final if c not in unknown]
    if cfg.schema_evolution != "rescue":
        return out, []
    return out + [(RESCUED, "string")], list(unknown)


def rescued_column(columns: list):
    """The RESCUED Column: the row's non-NULL values of columns as a JSON object, or NULL."""
    from pyspark.sql import functions as F

    from ..sql import quote_name

    values = [F.col(quote_name(c)).cast("string").alias(c) for c in columns]
    return F.when(F.coalesce(*values).isNull(), F.lit(None).cast("string")).otherwise(
        F.to_json(F.struct(*values))
    ).alias(RESCUED)


def unknown_files(cfg, raw, per_file: dict, unknown: list, mapping: dict) -> dict:
    """schema_evolution fail: display path -> why, for each file holding an unknown column
    (per_file: the columns of each file where the format knows them; otherwise the files
    with a value in one)."""
    if cfg.schema_evolution != "fail" or not unknown:
        return {}
    from pyspark.sql import functions as F

    from ..sql import quote_name

    if per_file:
        holding = {p: [c for c in unknown if c in cols] for p, cols in per_file.items()}
    else:
        found = raw.where(F.coalesce(*[F.col(quote_name(c)) for c in unknown]).isNotNull())
        paths = {mapping[r["_file"]].display_path
                 for r in found.select("_file").distinct().collect() if r["_file"] in mapping}
        holding = {p: list(unknown) for p in paths}
    return {
        path: (f"{path}: column(s) {', '.join(names)} not in the table or custom_schema_json "
               "(schema_evolution fail): declare them, or set schema_evolution to add_columns "
               "or rescue")
        for path, names in sorted(holding.items()) if names
    }
