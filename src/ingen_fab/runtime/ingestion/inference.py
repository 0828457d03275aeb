"""Column typing in one pass: reject reasons, type checks and inference in one aggregation.

Every CSV column is read as a string. Columns whose type is known (custom_schema_json or the
existing target table) are checked: a non-NULL value that does not cast is a rejected row.
A column typed numeric by the existing target (not by custom_schema_json) also rejects a
value with leading zeros (``001``, ``-01``; not ``0`` or ``0.5``): casting it would change it.
The other string columns get the narrowest type that every accepted value fits:
int, bigint, double, date, timestamp, boolean, else string. Integers with leading zeros
(``001``) and any other value that would change when cast stay strings.
"""

from __future__ import annotations

INT_RE = r"^-?(0|[1-9][0-9]*)$"
NUM_RE = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TS_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"
LEADING_ZEROS_RE = r"^\s*[-+]?0[0-9]"
NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double")
REPLACEMENT_CHAR = "\ufffd"
_CHECKS = ("nn", "int", "bigint", "num", "date", "ts", "bool")


def q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def try_cast(name: str, type_name: str):
    from pyspark.sql import functions as F

    return F.expr(f"try_cast({q(name)} AS {type_name})")


def is_numeric(type_name: str) -> bool:
    return type_name in NUMERIC_TYPES or type_name.startswith("decimal")


def reject_expr(
    data_columns,
    source_types: dict,
    known: dict,
    check_encoding: bool,
    corrupt_reason: str,
    keep_zeros=(),
):
    """The Column giving a row's reject reason (NULL for a good row).

    keep_zeros: columns whose numeric type must not swallow leading zeros (typed by the
    existing target, so the value would silently change when cast).
    """
    from pyspark.sql import functions as F

    reason = F.when(F.col("_corrupt_record").isNotNull(), F.lit(corrupt_reason))
    if check_encoding:
        strings = [c for c in data_columns if source_types[c] == "string"]
        if strings:
            bad = F.lit(False)
            for name in strings:
                bad = bad | F.coalesce(F.instr(F.col(q(name)), REPLACEMENT_CHAR) > 0, F.lit(False))
            reason = reason.when(bad, F.lit("invalid bytes for the file encoding"))
    for name in data_columns:
        target = known.get(name)
        if target is None or target == source_types[name]:
            continue
        failed = F.col(q(name)).isNotNull() & try_cast(name, target).isNull()
        reason = reason.when(failed, F.lit(f"unparsable {target} in column {name}"))
        if name in keep_zeros and source_types[name] == "string" and is_numeric(target):
            zeros = F.coalesce(F.col(q(name)).rlike(LEADING_ZEROS_RE), F.lit(False))
            reason = reason.when(zeros, F.lit(f"leading zeros in {target} column {name}"))
    return reason


def inference_aggs(columns) -> list:
    """Aggregations (summed over accepted rows) telling which type each column fits."""
    from pyspark.sql import functions as F

    good = F.col("_reject").isNull()
    aggs = []
    for i, name in enumerate(columns):
        col = F.col(q(name))
        nn = good & col.isNotNull()
        tests = {
            "nn": nn,
            "int": nn & col.rlike(INT_RE) & try_cast(name, "int").isNotNull(),
            "bigint": nn & col.rlike(INT_RE) & try_cast(name, "bigint").isNotNull(),
            "num": nn & col.rlike(NUM_RE) & try_cast(name, "double").isNotNull(),
            "date": nn & col.rlike(DATE_RE) & try_cast(name, "date").isNotNull(),
            "ts": nn & col.rlike(TS_RE) & try_cast(name, "timestamp").isNotNull(),
            "bool": nn & F.lower(col).isin("true", "false"),
        }
        for check in _CHECKS:
            aggs.append(F.sum(F.when(tests[check], 1).otherwise(0)).alias(f"_i{i}_{check}"))
    return aggs


def choose_types(columns, totals: dict) -> dict:
    """column -> inferred Spark type name, from the summed aggregation results."""
    out = {}
    for i, name in enumerate(columns):
        got = {check: totals.get(f"_i{i}_{check}", 0) or 0 for check in _CHECKS}
        nn = got["nn"]
        chosen = "string"
        if nn:
            for check, type_name in (
                ("int", "int"),
                ("bigint", "bigint"),
                ("num", "double"),
                ("date", "date"),
                ("ts", "timestamp"),
                ("bool", "boolean"),
            ):
                if got[check] == nn:
                    chosen = type_name
                    break
        out[name] = chosen
    return out
