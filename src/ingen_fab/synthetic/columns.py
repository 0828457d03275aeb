"""Vectorised builders of Arrow columns from the generator's numpy state.

Dates are held as int64 day numbers (days since 1970-01-01, numpy's ``datetime64[D]``), money as
int64 cents; these helpers turn them into date32 and exact decimal128 columns without a Python
loop per row.
"""

from __future__ import annotations

NEVER = 2**31 - 1  # day number of "not yet": a churn or discontinuation that has not happened


def dates(days, never: int = NEVER):
    """date32 column from day numbers; ``never`` becomes null (an empty CSV field)."""
    import numpy as np
    import pyarrow as pa

    days = np.asarray(days, dtype=np.int64)
    mask = days == never
    return pa.array(np.where(mask, 0, days).astype(np.int32), type=pa.date32(), mask=mask)


def timestamps(seconds):
    """timestamp[s] column from seconds since 1970-01-01."""
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(seconds, dtype=np.int64), type=pa.timestamp("s"))


def money(cents, precision: int = 12):
    """decimal128(precision, 2) column holding ``cents`` / 100 exactly."""
    import numpy as np
    import pyarrow as pa

    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)  # two's complement sign extension to 128 bits
    return pa.Array.from_buffers(
        pa.decimal128(precision, 2), len(cents), [None, pa.py_buffer(words.tobytes())]
    )


def lookup(vocab, index):
    """String column: ``vocab[index]`` for every row."""
    import numpy as np
    import pyarrow as pa

    return pa.array(list(vocab), type=pa.string()).take(pa.array(np.asarray(index, dtype=np.int64)))


def ints(values, null_mask=None):
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=null_mask)


def text(values):
    """String column from integers (e.g. ids inside an email)."""
    import pyarrow as pa

    return ints(values).cast(pa.string())


def padded(values, width: int):
    """Zero-padded decimal strings of non-negative integers."""
    import pyarrow.compute as pc

    return pc.utf8_lpad(text(values), width=width, padding="0")


def join(*parts):
    """Element-wise concatenation of string columns and literal strings."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, "")


def table(spec, columns: dict):
    """An Arrow table with exactly the declared columns, in declared order and types."""
    import pyarrow as pa

    from ingen_fab.synthetic.datasets import arrow_schema

    schema = arrow_schema(spec)
    arrays = [columns[name].cast(field.type) for name, field in zip(schema.names, schema)]
    return pa.Table.from_arrays(arrays, schema=schema)
