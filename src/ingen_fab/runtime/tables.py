"""Lakehouse tables from the column declarations: create, and upsert rows by key."""

from __future__ import annotations

import datetime as _dt

from .schema import Table, spark_ddl, spark_schema, spark_type
from .session import clear_uncommitted_table, ensure_schema
from .sql import DEFAULT_SCHEMA, qualified, quote_ident, string_literal

__all__ = [
    "append_rows",
    "create_table",
    "local_frame",
    "upsert_rows",
    "utc_now",
]


def create_table(spark, table: Table, schema: str = DEFAULT_SCHEMA) -> str:
    """Create the declared table as Delta if it does not exist; returns its qualified name.

    A folder left by a creation that never committed (a killed process) is cleared first.
    """
    ensure_schema(spark, schema)
    clear_uncommitted_table(spark, schema, table.name)
    name = qualified(table.name, schema)
    props = ", ".join(
        f"{string_literal(k)} = {string_literal(v)}" for k, v in table.properties
    )
    extra = f" TBLPROPERTIES ({props})" if props else ""
    spark.sql(f"CREATE TABLE IF NOT EXISTS {name} ({spark_ddl(table)}) USING DELTA{extra}")
    return name


def add_missing_columns(spark, table: Table, schema: str = DEFAULT_SCHEMA) -> list[str]:
    """Add the declared columns an existing table lacks (made by an older release; nullable
    columns only, so its rows stay valid); returns their names."""
    name = qualified(table.name, schema)
    have = {f.name.lower() for f in spark.table(name).schema.fields}
    missing = [c for c in table.columns if c.name.lower() not in have and c.nullable]
    if missing:
        spec = ", ".join(f"{quote_ident(c.name)} {spark_type(c)}" for c in missing)
        spark.sql(f"ALTER TABLE {name} ADD COLUMNS ({spec})")
    return [c.name for c in missing]


def upsert_rows(spark, table: Table, rows: list[dict], schema: str = DEFAULT_SCHEMA) -> int:
    """MERGE rows into the table on its key: new keys inserted, existing keys updated.

    created_date is kept on update and modified_date set to now when the table has them.
    Returns the number of rows given.
    """
    from delta.tables import DeltaTable

    now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
    names = table.column_names
    prepared = []
    for row in rows:
        unknown = set(row) - set(names)
        if unknown:
            raise ValueError(f"{table.name}: unknown column(s) {sorted(unknown)}")
        full = {n: row.get(n) for n in names}
        if "created_date" in full and full["created_date"] is None:
            full["created_date"] = now
        if "modified_date" in full:
            full["modified_date"] = now
        prepared.append(tuple(full[n] for n in names))
    source = local_frame(spark, spark_schema(table), prepared)
    add_missing_columns(spark, table, schema)
    target = DeltaTable.forName(spark, qualified(table.name, schema))
    condition = " AND ".join(f"t.{quote_ident(k)} <=> s.{quote_ident(k)}" for k in table.key)
    updates = {quote_ident(n): f"s.{quote_ident(n)}" for n in names if n != "created_date"}
    (
        target.alias("t")
        .merge(source.alias("s"), condition)
        .whenMatchedUpdate(set=updates)
        .whenNotMatchedInsertAll()
        .execute()
    )
    return len(prepared)


def append_rows(spark, table: Table, rows: list[dict], schema: str = DEFAULT_SCHEMA) -> int:
    """Append rows (dicts keyed by declared column names) to the table in one commit."""
    if not rows:
        return 0
    names = table.column_names
    data = [tuple(row.get(n) for n in names) for row in rows]
    frame = local_frame(spark, spark_schema(table), data)
    # a table made before a column was declared (an older runtime) gains it on this append
    writer = frame.write.format("delta").mode("append").option("mergeSchema", "true")
    writer.saveAsTable(qualified(table.name, schema))
    return len(data)


# Up to this many rows, local_frame writes them as SQL literals; more go through
# createDataFrame (whose one-off Python worker then costs less than parsing the text).
LITERAL_ROWS = 5000


def local_frame(spark, schema, data):
    """A DataFrame of data (tuples in the order of schema's fields) built in the JVM from SQL
    literals. createDataFrame sends the rows through a Python worker, a fixed cost of
    about half a second that small bookkeeping writes would pay at every commit."""
    from pyspark.sql import functions as F

    rows = []
    for row in data if len(data) <= LITERAL_ROWS else ():
        values = [_sql_literal(v) for v in row]
        if None in values:  # a value with no literal form here
            return spark.createDataFrame(data, schema)
        rows.append("(" + ", ".join(values) + ")")
    if len(rows) != len(data):
        return spark.createDataFrame(data, schema)
    if not rows:
        return spark.range(0).select(
            *[F.lit(None).cast(f.dataType).alias(f.name) for f in schema.fields]
        )
    names = [f"c{i}" for i in range(len(schema.fields))]
    frame = spark.sql(f"SELECT * FROM VALUES {', '.join(rows)} AS t({', '.join(names)})")
    return frame.select(
        *[F.col(n).cast(f.dataType).alias(f.name) for n, f in zip(names, schema.fields)]
    )


def _sql_literal(value) -> str | None:
    """value as a Spark SQL literal; None when it has no literal form here."""
    import calendar
    import decimal
    import time

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"CAST('{value}' AS DECIMAL(38, 0))" if abs(value) >= 2**63 - 1 else f"{value}L"
    if isinstance(value, float | decimal.Decimal):
        return f"CAST('{value!r}' AS DOUBLE)" if isinstance(value, float) else f"'{value}'"
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, _dt.datetime):  # as pyspark stores it: naive means local time
        seconds = (
            calendar.timegm(value.utctimetuple())
            if value.tzinfo
            else time.mktime(value.timetuple())
        )
        return f"timestamp_micros({int(seconds) * 1_000_000 + value.microsecond}L)"
    if isinstance(value, _dt.date):
        return f"DATE'{value.isoformat()}'"
    return None


def utc_now() -> _dt.datetime:
    """Naive UTC now, the form the log tables store."""
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
