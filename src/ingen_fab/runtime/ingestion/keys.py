"""Rows of one key, for the keyed write modes: which file wins a key, and one row per key.

Order of rows of one key: latest _source_date_partition, then greatest file path, then the
last row in file order (ROW_POSITION). `file_order` numbers the files the same way, so a
narrow pass over the keys and that one number tells which files hold a key's latest row.
"""

from __future__ import annotations

import re

from ..sql import quote_name as q
from .lineage import ROW_POSITION, by_file, match_files, typed

# Below this many bytes a batch is cheap to move in full: the narrow pass over the keys (an
# extra Spark job meant to save moving wide rows) would cost more than it saves.
SMALL_BATCH_BYTES = 64 << 20


def file_order(files) -> dict:
    """display path -> a number ordering the files as dedupe does: by date (undated first),
    then by path (its rank among the paths, below 2**24)."""
    ranked = sorted(f.display_path for f in files)
    rank = {p: i for i, p in enumerate(ranked)}
    return {
        f.display_path: ((f.date.toordinal() if f.date else 0) << 24) | rank[f.display_path]
        for f in files
    }


def latest_answer(per_order, orders: dict) -> tuple[set, int]:
    """(files holding the latest row of at least one key, most rows any one key has), from
    (file order, most rows of one key) pairs, one per file order that wins a key."""
    path_of = {v: p for p, v in orders.items()}
    winners = {path_of.get(w) for w, _ in per_order}
    if None in winners:  # a row of no listed file: every file may hold a winner
        winners = set(orders)
    return winners, max((n for _, n in per_order), default=0)


def latest_files(frame, keys, order, orders: dict) -> tuple[set, int]:
    """latest_answer over frame: order is the Column giving each row's file order (orders:
    display path -> that number). One narrow aggregation over the keys and that number."""
    from pyspark.sql import functions as F

    per_key = frame.groupBy(*[F.col(q(k)) for k in keys]).agg(
        F.max(order).alias("_w"), F.count(F.lit(1)).alias("_n")
    )
    rows = per_key.groupBy(F.col("_w").alias("w")).agg(F.max("_n").alias("n")).collect()
    return latest_answer([(r.w, r.n) for r in rows], orders)


def dedupe(frame, keys):
    """One row per key (see the module's order); ROW_POSITION is dropped.

    One hash aggregation (the max of a struct led by the ordering fields) rather than a
    window, which would sort every row; a window is kept for types max cannot order (maps).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = [F.col("_source_date_partition"), F.col("_source_file_path"), F.col(ROW_POSITION)]
    if any("map<" in t or "variant" in t for _, t in frame.dtypes):
        window = Window.partitionBy(*[F.col(q(k)) for k in keys]).orderBy(
            order[0].desc_nulls_last(), order[1].desc(), order[2].desc()
        )
        frame = frame.withColumn("_n", F.row_number().over(window)).where("_n = 1")
        return frame.drop("_n", ROW_POSITION)
    key_names = {k.lower() for k in keys}
    rest = [c for c in frame.columns if c.lower() not in key_names and c != ROW_POSITION]
    winner = F.struct(
        order[0].alias("d"),
        order[1].alias("p"),
        order[2].alias("r"),
        F.struct(*[F.col(q(c)).alias(f"v{i}") for i, c in enumerate(rest)]).alias("v"),
    )
    best = frame.groupBy(*[F.col(q(k)) for k in keys]).agg(F.max(winner).alias("_w"))
    lookup = {c.lower(): c for c in best.columns}
    values = {c.lower(): F.col(f"_w.v.v{i}") for i, c in enumerate(rest)}
    return best.select(
        *[
            (values[c.lower()] if c.lower() in values else F.col(q(lookup[c.lower()]))).alias(c)
            for c in frame.columns
            if c != ROW_POSITION
        ]
    )


def one_pass_fits(cfg, readable, data_cols, unknown, candidates) -> bool:
    """Whether a keyed batch may be checked and key-scanned in one job (see one_pass): over
    several files, every key a column, every unknown column's type sampled."""
    names = {c.lower() for c in data_cols}
    return (
        len(readable) > 1
        and all(k.lower() in names for k in cfg.merge_keys)
        and all(candidates.get(c) is not None for c in unknown)
    )


def _uri_orders(raw, files, orders: dict) -> dict:
    """file URI (as listed, and as file:/) -> its file order, for the files raw reads."""
    pairs = {}
    for uri, source in match_files(raw.inputFiles(), files).items():
        for form in (uri, re.sub(r"^(\w+):///", r"\1:/", uri)):
            pairs[form] = orders[source.display_path]
    return pairs


def one_pass(raw, cfg, files, data_cols, known: dict, sampled: dict, raw_text=None):
    """(rows per file URI and reject reason, latest_answer or None) from one job, or None
    when some accepted row's value does not fit its sampled type (the full checks then run).

    One grouping-sets aggregation does the work of the check pass and of the key pass: per
    file and reject reason, the rows (given raw_text, per rejected text as `_raw`: a
    grouping key, not a collected list); per key, the latest file order and the number of
    its accepted rows (a rejected row wins no key). known / sampled: column -> type (a
    sampled type is checked).
    """
    from pyspark.sql import functions as F

    from .inference import fits

    bad = F.lit(False)
    for name, type_name in sampled.items():
        if type_name != "string":
            ok = F.coalesce(fits(name, type_name), F.lit(False))
            bad = bad | (F.col(q(name)).isNotNull() & ~ok)
    lookup = {c.lower(): c for c in data_cols}
    keys = [lookup[k.lower()] for k in cfg.merge_keys]
    every = {**known, **sampled}
    orders = file_order(files)
    pairs = _uri_orders(raw, files, orders)
    accepted = F.col("_reject").isNull()
    narrow = raw.select(
        *[typed(k, every, dict(raw.dtypes)) for k in keys],
        F.when(accepted, by_file(pairs)).alias("_order"),
        "_file",
        "_reject",
        F.when(bad & accepted, 1).otherwise(0).alias("_bad"),  # as the full checks: accepted
        F.when(accepted, 1).otherwise(0).alias("_ok"),
        (F.when(~accepted, raw_text) if raw_text is not None else F.lit(None).cast("string"))
        .alias("_raw"),
    )
    names = ", ".join(q(k) for k in keys)
    per_set = narrow.sparkSession.sql(  # GROUPING SETS in SQL: Spark 3.5 has no DataFrame API
        f"SELECT {names}, _file, _reject, _raw, max(_order) AS _w, sum(_ok) AS _n, "
        "count(1) AS _rows, sum(_bad) AS _b, grouping(_file) AS _by_key FROM {narrow} "
        f"GROUP BY GROUPING SETS (({names}), (_file, _reject, _raw))",
        narrow=narrow,
    )
    by_key = F.col("_by_key") == 1
    rows = (
        per_set.groupBy("_by_key", "_file", "_reject", "_raw",
                        F.when(by_key, F.col("_w")).alias("w"))
        .agg(F.max("_n").alias("n"), F.sum("_rows").alias("rows"), F.sum("_b").alias("bad"))
        .collect()
    )
    per_file = [r for r in rows if r["_by_key"] == 0]
    if any(r["bad"] for r in per_file):
        return None
    grouped = [{"_file": r["_file"], "_reject": r["_reject"], "_rows": r["rows"],
                **({"_raw": r["_raw"]} if raw_text is not None else {})} for r in per_file]
    if not {r["_file"] for r in per_file} <= set(pairs):  # files named differently: no answer
        return grouped, None
    won = [(r["w"], r["n"]) for r in rows if r["_by_key"] == 1 and r["w"] is not None]
    return grouped, latest_answer(won, orders)
