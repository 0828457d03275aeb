"""Writing generated files: UTF-8, LF line endings, and untouched when nothing changed."""

from __future__ import annotations

from pathlib import Path


def write_text_if_changed(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it already holds exactly that; True if it was written.

    Bytes are written directly, so no platform turns LF into CRLF, and an unchanged file keeps
    its mtime (tools that watch the output folder see no spurious change).
    """
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True
