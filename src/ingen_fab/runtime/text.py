"""Plain-text tables: the one renderer of every summary the runtime and the CLI print."""

from __future__ import annotations


def aligned_table(head, body) -> list[str]:
    """Lines of an aligned table: the head, a rule of dashes, then one line per body row
    (every value already text)."""
    rows = [list(head), *[list(r) for r in body]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
