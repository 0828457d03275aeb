"""One date's pyarrow columns as numpy arrays, so the invariant rules run vectorised.

Nulls never reach a rule as nulls: ids and money read as int64 with -1 for null, dates as days
since 1970-01-01 with ``NULL_DAY`` for null, and membership tests as boolean masks.
"""

from __future__ import annotations

import datetime as dt

UNIX = dt.date(1970, 1, 1)
NULL_DAY = 2**31 - 1


def day_number(day: dt.date) -> int:
    """``day`` as days since 1970-01-01, the unit :func:`days` reads date columns in."""
    return (day - UNIX).days


def ints(table, name):
    """An integer column as int64 (null -> -1)."""
    import pyarrow.compute as pc

    return pc.fill_null(table[name], -1).to_numpy().astype("int64")


def days(table, name):
    """A date column as days since 1970-01-01 (null -> ``NULL_DAY``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.fill_null(table[name].cast(pa.int32()), NULL_DAY).to_numpy().astype("int64")


def cents(table, name):
    """A decimal money column as whole cents in int64 (null -> -1)."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.compute as pc

    in_cents = pc.multiply(table[name], pa.scalar(Decimal(100))).cast(pa.int64())
    return pc.fill_null(in_cents, -1).to_numpy().astype("int64")


def timestamp_seconds(table, name):
    """A timestamp column as whole seconds since the epoch (null -> -1)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    seconds = table[name].cast(pa.timestamp("s")).cast(pa.int64())
    return pc.fill_null(seconds, -1).to_numpy()


def equals(table, name, value):
    """Mask of the rows whose ``name`` is ``value`` (null -> False)."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.equal(table[name], value), False).to_numpy(zero_copy_only=False)


def one_of(table, name, allowed):
    """Mask of the rows whose ``name`` is in ``allowed`` (null -> False)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(table[name], value_set=pa.array(list(allowed)))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def in_set(column, allowed):
    """Mask of the values of a string ``column`` that are in ``allowed`` (null -> False)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(column, value_set=pa.array(sorted(allowed)))
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def lookup(keys, values, query, missing: int = -1):
    """values[keys == q] for every q in query (``missing`` where q is not a key)."""
    import numpy as np

    if not len(keys):
        return np.full(len(query), missing, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    pos = np.minimum(np.searchsorted(keys[order], query), len(keys) - 1)
    hit = keys[order][pos] == query
    return np.where(hit, values[order][pos], missing)


def first_occurrence(ids):
    """Mask of the first row of every distinct id (so ``~mask`` marks the repeats)."""
    import numpy as np

    _, first = np.unique(ids, return_index=True)
    ok = np.zeros(len(ids), dtype=bool)
    ok[first] = True
    return ok
