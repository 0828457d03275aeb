"""Column typing in one pass: reject reasons, type checks and inference in one aggregation.

Every CSV column is read as a string. Columns whose type is known (custom_schema_json or the
existing target table) are checked: a non-NULL value that does not cast is a rejected row.
A column typed numeric by the existing target (not by custom_schema_json) also rejects a
value with leading zeros (``001``, ``-01``; not ``0`` or ``0.5``): casting it would change it.
The other string columns get the narrowest type that every accepted value fits:
int, bigint, double, date, timestamp, boolean, else string. Integers with leading zeros
(``001``) and any other value that would change when cast stay strings.

To keep that pass cheap, a small sample (the first SAMPLE_ROWS rows Spark reads) proposes a
type per column; the full pass then only verifies it (nothing for a string column, one check
for a typed one). A column whose proposal some value does not fit gets every check in a
second pass, so the result is always what checking every value against every type gives.
"""

from __future__ import annotations

from ..sql import quote_name as q

INT_RE = r"^(0|-?[1-9][0-9]*)$"  # not "-0": as an int it would read back as "0"
NUM_RE = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TS_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"
LEADING_ZEROS_RE = r"^\s*[-+]?0[0-9]"
NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double")
REPLACEMENT_CHAR = "\ufffd"
_CHECKS = ("nn", "int", "bigint", "num", "date", "ts", "bool")


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


CHECK_TYPES = (
    ("int", "int"),
    ("bigint", "bigint"),
    ("num", "double"),
    ("date", "date"),
    ("ts", "timestamp"),
    ("bool", "boolean"),
)
CHECK_OF = {type_name: check for check, type_name in CHECK_TYPES}
# inferred types whose values (the type's own text, see _tests) Spark's CSV parser reads as
# try_cast does; timestamps are left to the cast (the parser's format and time zone rules)
NATIVE_CSV_TYPES = ("int", "bigint", "double", "date", "boolean")
SAMPLE_ROWS = 2000


def _tests(name: str, verify: bool = False) -> dict:
    """check -> Column: an accepted row's non-NULL value that fits the check's type.

    Each regex guards its try_cast, so a cast is only tried on a value shaped like the type
    (a failing cast is slow). verify=True is for a column whose values are expected to fit:
    it says the same (the value is exactly the type's own text for it) with no regex, for
    int by comparing the value's length with its digits, for bigint and date by reading the
    cast value back.
    """
    from pyspark.sql import functions as F

    col = F.col(q(name))
    nn = F.col("_reject").isNull() & col.isNotNull()

    def reads_back(type_name):
        return try_cast(name, type_name).cast("string") == col

    if verify:
        # an int's own text is the only text casting to it with no more characters than
        # its sign and digits (the cast accepts no exponent; anything else adds characters)
        value = try_cast(name, "int")
        size = F.when(value == 0, 1).otherwise(
            F.floor(F.log10(F.abs(value.cast("double")))) + 1 + (value < 0).cast("int")
        )
        whole = {"int": nn & (F.length(col) == size), "bigint": nn & reads_back("bigint")}
        date = nn & (F.length(col) == 10) & reads_back("date")
    else:
        whole = {
            t: nn & col.rlike(INT_RE) & try_cast(name, t).isNotNull() for t in ("int", "bigint")
        }
        date = nn & col.rlike(DATE_RE) & try_cast(name, "date").isNotNull()
    return {
        "nn": nn,
        "int": whole["int"],
        "bigint": whole["bigint"],
        "num": nn & col.rlike(NUM_RE) & try_cast(name, "double").isNotNull(),
        "date": date,
        "ts": nn & col.rlike(TS_RE) & try_cast(name, "timestamp").isNotNull(),
        "bool": nn & F.lower(col).isin("true", "false"),
    }


def fits(name: str, type_name: str):
    """The Column telling that an accepted row's non-NULL value fits type_name (one of
    CHECK_TYPES), checked as for a sampled type (see _tests)."""
    return _tests(name, verify=True)[CHECK_OF[type_name]]


def inference_aggs(columns, candidates: dict | None = None) -> list:
    """Aggregations (summed over accepted rows) telling which type each column fits.

    candidates (column -> type from a sample): a sampled string column needs no check, a
    sampled typed column only the check of its type; the others get every check.
    """
    from pyspark.sql import functions as F

    aggs = []
    for i, name in enumerate(columns):
        candidate = (candidates or {}).get(name)
        if candidate == "string":
            continue
        checks = _CHECKS if candidate is None else ("nn", CHECK_OF[candidate])
        tests = _tests(name, verify=candidate is not None)
        for check in checks:
            aggs.append(F.sum(F.when(tests[check], 1).otherwise(0)).alias(f"_i{i}_{check}"))
    return aggs


def _narrowest(got: dict) -> str:
    for check, type_name in CHECK_TYPES:
        if got[check] == got["nn"]:
            return type_name
    return "string"


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def _valid_date(text: str) -> bool:
    """A yyyy-MM-dd text naming a day of the proleptic Gregorian calendar (as Spark's)."""
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= (29 if month == 2 and leap else _MONTH_DAYS[month - 1])


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def value_checks(value: str | None) -> set:
    """The checks of _tests an accepted row's value passes, computed in Python: the same
    answers as the Spark checks (a test holds them to it), for a sample read without Spark."""
    import re

    if value is None:
        return set()
    found = {"nn"}
    if re.fullmatch(INT_RE[1:-1], value):
        number = int(value)
        if _INT_MIN <= number <= _INT_MAX:
            found.add("int")
        if _BIGINT_MIN <= number <= _BIGINT_MAX:
            found.add("bigint")
    if re.fullmatch(NUM_RE[1:-1], value):
        found.add("num")
    if re.fullmatch(DATE_RE[1:-1], value) and _valid_date(value):
        found.add("date")
    if re.fullmatch(TS_RE[1:-1], value) and _valid_date(value[:10]):
        hour, minute = int(value[11:13]), int(value[14:16])
        second = int(value[17:19]) if len(value) > 16 else 0
        if hour <= 23 and minute <= 59 and second <= 59:
            found.add("ts")
    if value.lower() in ("true", "false"):
        found.add("bool")
    return found


def sample_totals(columns, rows) -> dict:
    """The totals of inference_aggs(columns) over rows (lists of values, None for NULL),
    computed in Python."""
    totals: dict = {}
    for row in rows:
        for i, value in enumerate(row):
            for check in value_checks(value):
                key = f"_i{i}_{check}"
                totals[key] = totals.get(key, 0) + 1
    return totals


def sample_types(columns, totals: dict) -> dict:
    """column -> type fitting every sampled value (None: the sample holds no value)."""
    out = {}
    for i, name in enumerate(columns):
        got = {check: totals.get(f"_i{i}_{check}", 0) or 0 for check in _CHECKS}
        out[name] = _narrowest(got) if got["nn"] else None
    return out


def choose_types(columns, totals: dict, candidates: dict | None = None) -> tuple[dict, list]:
    """(column -> inferred type, columns whose sampled type some value does not fit).

    A sampled type that every value fits is the narrowest type of the whole column: the
    sample is part of the column and no narrower type fits the sample. A column whose
    sampled type fails gets every check in a second pass (the returned list).
    """
    out, retry = {}, []
    for i, name in enumerate(columns):
        candidate = (candidates or {}).get(name)
        if candidate == "string":
            out[name] = "string"
            continue
        if candidate is not None:
            nn = totals.get(f"_i{i}_nn", 0) or 0
            fits = totals.get(f"_i{i}_{CHECK_OF[candidate]}", 0) or 0
            if fits == nn:
                out[name] = candidate
            else:
                retry.append(name)
            continue
        got = {check: totals.get(f"_i{i}_{check}", 0) or 0 for check in _CHECKS}
        out[name] = _narrowest(got) if got["nn"] else "string"
    return out, retry
