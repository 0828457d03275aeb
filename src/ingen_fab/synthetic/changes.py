"""Change feeds: `generate-series ... --changes feed` also writes each day's changes to the
customers and products snapshots as `YYYY/MM/DD/<table>_changes/<table>_changes_YYYYMMDD.csv`.

A change row is the row as it stands after that day's change (the snapshot's business
columns) plus:

- `_op`: `I` the key appears (a registration, a launch), `U` a column changed (a move, a new
  email, a tier change; a product repriced or discontinued), `D` the key leaves: a customer
  churns (the row carries its state that day, status 'churned'), or a product is hard-deleted
  (its row leaves the snapshot; the change carries its last state, after the day's other
  changes in the file).
- `_seq`: grows with every change of a key: the day number times 10^9 plus the row's position
  in the day's file.
- `_changed_at`: a time on that day, in `_seq` order.

Applying the changes of days 2..N in `_seq` order to day 1's snapshot gives day N's snapshot
exactly (for customers, its rows that have not churned: a snapshot keeps a churned customer as
a row with status 'churned', the feed deletes it). Products are discontinued as updates; the
ones later hard-deleted leave the snapshot, and the feed deletes them that day.
"""

from __future__ import annotations

import datetime as dt

from ingen_fab.synthetic.datasets import Table

MODES = ("none", "feed")
FEEDS = ("customers", "products")
# column of the date a key first appears, of the date it leaves (None: it never does)
_BORN = {"customers": "registration_date", "products": "launch_date"}
_GONE = {"customers": "churn_date", "products": None}
KEYS = {"customers": "customer_id", "products": "product_id"}
COLUMNS = (("_op", "string"), ("_seq", "int64"), ("_changed_at", "timestamp"))
SEQ_PER_DAY = 10**9


def feed_name(table: str) -> str:
    return f"{table}_changes"


def feed_table(snapshot: Table) -> Table:
    """The declared columns of a snapshot table's change feed."""
    return Table(feed_name(snapshot.name), "changes", snapshot.keys, snapshot.columns + COLUMNS)


def day_changes(name: str, snapshot, day: dt.date, previous=None):
    """The change rows of snapshot table `name` (an Arrow table as of `day`) made on `day`;
    `previous` is the snapshot of the day before (None: not known, no hard deletes listed)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    today = pa.scalar(day, pa.date32())

    def on_day(column):
        return pc.fill_null(pc.equal(column, today), False)

    rows = snapshot.filter(on_day(snapshot["updated_date"]))
    born = on_day(rows[_BORN[name]]).to_numpy(zero_copy_only=False)
    gone = (
        on_day(rows[_GONE[name]]).to_numpy(zero_copy_only=False)
        if _GONE[name]
        else np.zeros(rows.num_rows, dtype=bool)
    )
    ops = np.where(gone, "D", np.where(born, "I", "U"))
    purged = hard_deletes(name, snapshot, previous)
    if purged.num_rows:
        rows = pa.concat_tables([rows, purged])
        ops = np.concatenate([ops, np.full(purged.num_rows, "D")])
    count = rows.num_rows
    position = np.arange(count, dtype=np.int64)
    number = (day - dt.date(1970, 1, 1)).days
    midnight = number * 86_400
    at = midnight + (position * 86_399 // max(count, 1))
    return (
        rows.append_column("_op", pa.array(ops.tolist(), pa.string()))
        .append_column("_seq", pa.array(number * SEQ_PER_DAY + position, pa.int64()))
        .append_column("_changed_at", pa.array(at, pa.int64()).cast(pa.timestamp("s")))
    )


def hard_deletes(name: str, snapshot, previous):
    """The rows of `previous` whose key is missing from `snapshot` (in `previous`'s order)."""
    import pyarrow.compute as pc

    if previous is None:
        return snapshot.slice(0, 0)
    key = KEYS[name]
    return previous.filter(pc.invert(pc.is_in(previous[key], value_set=snapshot[key])))
