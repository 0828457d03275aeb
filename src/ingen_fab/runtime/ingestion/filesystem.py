"""Where source files live: one small file-system abstraction and source path resolution.

Locally (and for paths on Fabric's default-lakehouse mount) files are listed with os; abfss://
paths in Fabric are listed with notebookutils.fs. A Location keeps three forms of one folder:
the path to list, the path Spark reads, and the display path stored in lineage and ledger
(``Files/...`` for anything inside the lakehouse, so it is the same locally and in Fabric).
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import os
import posixpath
from dataclasses import dataclass, field

from ..session import in_fabric, session_root

FABRIC_MOUNT = "/lakehouse/default"


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    is_dir: bool
    size: int
    mtime: _dt.datetime | None


class LocalFileSystem:
    """os-based listing: the local lakehouse and Fabric's /lakehouse/default mount."""

    def ls(self, path: str) -> list[Entry]:
        entries = []
        with os.scandir(path) as it:
            for item in it:
                stat = item.stat()
                mtime = _dt.datetime.fromtimestamp(stat.st_mtime, _dt.UTC)
                entries.append(
                    Entry(
                        item.name,
                        item.path,
                        item.is_dir(),
                        stat.st_size,
                        mtime.replace(tzinfo=None),
                    )
                )
        return sorted(entries, key=lambda e: e.name)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def stat(self, path: str) -> Entry:
        st = os.stat(path)
        mtime = _dt.datetime.fromtimestamp(st.st_mtime, _dt.UTC).replace(tzinfo=None)
        return Entry(os.path.basename(path), path, os.path.isdir(path), st.st_size, mtime)

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        with open(path, "rb") as handle:
            return handle.read() if limit is None else handle.read(limit)

    def fingerprint(self, path: str, check_utf8: bool = False) -> tuple:
        """(sha256 hex digest, whether the bytes are valid UTF-8 or None when not checked)."""
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8")("strict") if check_utf8 else None
        valid = True if check_utf8 else None
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                if decoder is not None:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError:
                        valid, decoder = False, None
        if decoder is not None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
        return digest.hexdigest(), valid


class NotebookUtilsFileSystem:  # pragma: no cover - only inside Fabric
    """abfss:// paths through notebookutils.fs; content fingerprint is size + modify time."""

    def __init__(self):
        import notebookutils

        self.fs = notebookutils.fs

    def ls(self, path: str) -> list[Entry]:
        out = []
        for info in self.fs.ls(path):
            ms = getattr(info, "modifyTime", 0) or 0
            mtime = _dt.datetime.fromtimestamp(ms / 1000, _dt.UTC).replace(tzinfo=None)
            out.append(Entry(info.name.rstrip("/"), info.path, info.isDir, info.size, mtime))
        return sorted(out, key=lambda e: e.name)

    def exists(self, path: str) -> bool:
        return self.fs.exists(path)

    def is_dir(self, path: str) -> bool:
        parent = path.rstrip("/").rsplit("/", 1)[0]
        name = path.rstrip("/").rsplit("/", 1)[1]
        return any(e.is_dir and e.name == name for e in self.ls(parent))

    def stat(self, path: str) -> Entry:
        parent, name = path.rstrip("/").rsplit("/", 1)
        for entry in self.ls(parent):
            if entry.name == name:
                return entry
        raise FileNotFoundError(path)

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        return self.fs.head(path, limit or 1 << 30).encode("utf-8")

    def fingerprint(self, path: str, check_utf8: bool = False) -> tuple:
        return None, None


@dataclass(frozen=True)
class Location:
    """One source folder or file in its three forms (see the module docstring)."""

    list_path: str
    spark_path: str
    display_path: str
    fs: object = field(compare=False, repr=False)

    def child(self, rel: str) -> Location:
        join = posixpath.join if "://" in self.list_path else os.path.join
        return Location(
            join(self.list_path, rel),
            posixpath.join(self.spark_path, rel),
            posixpath.join(self.display_path, rel),
            self.fs,
        )


def _files_relative(parts: list[str]) -> str | None:
    """The path from the first 'Files' component on, or None."""
    if "Files" in parts:
        return "/".join(parts[parts.index("Files") :])
    return None


def resolve_source(spark, source_path: str) -> Location:
    """Resolve a config's source_file_path (see the module docstring for the rules)."""
    path = source_path.strip().rstrip("/") or "/"
    fabric = in_fabric()
    if "://" in path:
        fs = NotebookUtilsFileSystem() if fabric else LocalFileSystem()
        local = path.removeprefix("file://")
        return Location(local if not fabric else path, path, path, fs)
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if fabric:  # pragma: no cover - only inside Fabric
        if path.startswith("/") and not path.startswith(FABRIC_MOUNT + "/"):
            return Location(path, "file:" + path, path, LocalFileSystem())
        rel = "/".join(parts[2:]) if path.startswith(FABRIC_MOUNT) else "/".join(parts)
        return Location(f"{FABRIC_MOUNT}/{rel}", rel, rel, LocalFileSystem())
    root = session_root(spark)
    if os.path.isabs(path):
        inside = os.path.relpath(path, root)
        display = inside if inside.split(os.sep)[0] == "Files" else path
        return Location(path, path, display.replace(os.sep, "/"), LocalFileSystem())
    rel = _files_relative(parts) or "/".join(parts)
    return Location(
        os.path.join(root, *rel.split("/")),
        os.path.join(root, *rel.split("/")),
        rel,
        LocalFileSystem(),
    )
