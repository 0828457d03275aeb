"""Rejected rows (error_handling_strategy skip) to the quarantine table, with line numbers.

Spark decides which rows are rejected and why (the read's counting pass brings their text
along, grouped by text); line numbers are found afterwards by re-scanning only the files that
had rejects on the driver: line by line when each rejected text is one whole line, else record
by record (a quoted field may hold line breaks, so a record may span lines: its number is the
line it starts on), matching each rejected row to the first unused record with the same raw
text (or the same parsed fields).
The quarantine rows of a file are replaced whenever the file is loaded again, so re-runs
never duplicate them.
"""

from __future__ import annotations

from ..schema import QUARANTINE_TABLE
from ..sql import qualified, string_list, string_literal
from ..tables import local_frame
from .formats import source_format
from .formats.base import record_key


def quarantine_rows(cfg, batch, committed: set, execution_id: str, now) -> list[dict]:
    """Quarantine rows for the rejected rows of the committed files (batch.rejected: the
    read under skip brought their text along)."""
    uris = [u for u, s in batch.mapping.items() if s.display_path in committed
            and batch.stats[s.display_path].rejected]
    if not uris:  # no committed file has a rejected row: no pass over the data
        return []
    by_file = {u: batch.rejected.get(u, []) for u in uris}  # the read's counting pass
    out = []
    for uri, rows in sorted(by_file.items()):
        source = batch.mapping[uri]
        wanted = [record_key(text) for _, text in rows]
        index = source_format(cfg).line_numbers(cfg, source, wanted)
        used: set = set()
        for (reason, text), key in zip(rows, wanted):
            line = next((n for n in index.get(key, []) if n not in used), None)
            used.add(line)
            out.append(
                {
                    "config_id": cfg.config_id,
                    "execution_id": execution_id,
                    "source_file_path": source.display_path,
                    "date_partition": source.date,
                    "line_number": line,
                    "reason": reason,
                    "raw_record": (text or "")[:8000],
                    "quarantined_at": now,
                }
            )
    return sorted(out, key=lambda r: (r["source_file_path"], r["line_number"] or 0))


def write_quarantine(spark, cfg, rows: list[dict], files: list[str]) -> None:
    """Replace the quarantine rows of these files of this config by rows, in one commit."""
    if not files:
        return
    name = qualified(QUARANTINE_TABLE.name)
    from ..schema import spark_schema

    data = [tuple(r.get(c) for c in QUARANTINE_TABLE.column_names) for r in rows]
    frame = local_frame(spark, spark_schema(QUARANTINE_TABLE), data)
    where = f"config_id = {string_literal(cfg.config_id)} AND source_file_path IN ({string_list(files)})"
    frame.write.format("delta").mode("overwrite").option("replaceWhere", where).saveAsTable(name)
