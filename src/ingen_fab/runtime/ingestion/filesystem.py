"""Where source files live: one small file-system abstraction and source path resolution.

Locally (and for paths on Fabric's default-lakehouse mount) files are listed with os; abfss://
paths in Fabric are listed with notebookutils.fs. A Location keeps three forms of one folder:
the path to list, the path Spark reads, and the display path stored in lineage and ledger
(``Files/...`` for anything inside the lakehouse, so it is the same locally and in Fabric).

Source paths (normalise_source_path, the one place that reads them): a path names a folder
below the lakehouse ``Files`` folder, the same one locally (``<lakehouse root>/Files``) and in
Fabric (the default lakehouse, mounted at /lakehouse/default). A relative path is read from its
first ``Files`` component (``tmp/spark/Files/x`` = ``Files/x``), or below ``Files`` when it has
none (``x`` = ``Files/x``); an absolute path must lie in the lakehouse root or the mount; ``.``
and ``..`` are resolved, and a path that ends outside ``Files`` is refused. An explicit URI
(``abfss://...``; locally also ``file:///...``, read as the local path it names) is taken as
given. Listings skip dangling links and links that point outside ``Files`` (see LocalFileSystem).
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import os
import posixpath
import re
from dataclasses import dataclass, field

from ..session import in_fabric, session_root

FABRIC_MOUNT = "/lakehouse/default"
_DRIVE = re.compile(r"^[A-Za-z]:/")


class SourcePathError(ValueError):
    """A source_file_path that names no place below the lakehouse Files folder."""


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    is_dir: bool
    size: int
    mtime: _dt.datetime | None


class LocalFileSystem:
    """os-based listing: the local lakehouse and Fabric's /lakehouse/default mount.

    A listing leaves out a link that dangles or loops, and, when ``inside`` is set (the real
    path of the lakehouse Files folder), a link whose target is not below ``inside``: a walk
    follows links only to places inside Files. Nothing else is hidden.
    """

    inside: str | None = None

    def __init__(self, inside: str | None = None):
        self.inside = inside

    def contains(self, path: str) -> bool:
        """True when path, links resolved, lies in ``inside`` (always, without ``inside``)."""
        if self.inside is None:
            return True
        real = os.path.realpath(path)
        return real == self.inside or real.startswith(self.inside.rstrip(os.sep) + os.sep)

    def real(self, path: str) -> str:
        """The path with links resolved: a walk never enters the same real folder twice."""
        return os.path.realpath(path)

    def ls(self, path: str) -> list[Entry]:
        with os.scandir(path) as it:
            entries = [e for e in map(self._entry, it) if e is not None]
        return sorted(entries, key=lambda e: e.name)

    def _entry(self, item) -> Entry | None:
        try:
            if item.is_symlink() and not self.contains(item.path):
                return None
            stat = item.stat()
            is_dir = item.is_dir()
        except FileNotFoundError:  # a dangling link, or a file removed since the listing
            return None
        except OSError:
            if item.is_symlink():  # a link loop
                return None
            raise
        mtime = _dt.datetime.fromtimestamp(stat.st_mtime, _dt.UTC).replace(tzinfo=None)
        return Entry(item.name, item.path, is_dir, stat.st_size, mtime)

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


class NotebookUtilsFileSystem:
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

    def contains(self, path: str) -> bool:
        return True

    def real(self, path: str) -> str:
        return path

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


def _outside(source_path: str, root: str) -> SourcePathError:
    return SourcePathError(
        f"{source_path!r} is outside the lakehouse Files folder: put the files below Files "
        f"(here {posixpath.join(root.replace(os.sep, '/'), 'Files')}, in Fabric the default "
        "lakehouse's Files) and write the path from there, e.g. Files/landing/orders; or give "
        "a full URI: abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<lakehouse>/Files/... "
        "in Fabric, file:///<folder> locally"
    )


def _below(path: str, root: str) -> str | None:
    """path relative to root ('' for root itself), or None when path is not in root."""
    path, root = posixpath.normpath(path), posixpath.normpath(root.replace("\\", "/"))
    prefix = root.rstrip("/") + "/"
    if path == root:
        return ""
    return path[len(prefix) :] if path.startswith(prefix) else None


def normalise_source_path(source_path: str, root: str) -> str:
    """A config's source_file_path as ``Files/...`` (or an explicit URI, as given).

    root is the lakehouse root (the local folder, or the Fabric mount); the rules are in the
    module docstring. Raises SourcePathError for an empty path or one outside Files.
    """
    raw = source_path.strip().replace("\\", "/")
    if "://" in raw:
        return raw.rstrip("/")
    if not raw:
        raise SourcePathError("is empty: give a folder below Files, e.g. Files/landing/orders")
    if raw.startswith("/") or _DRIVE.match(raw):
        rel = _below(raw, root)
        rel = _below(raw, FABRIC_MOUNT) if rel is None else rel
        if rel is None:
            raise _outside(source_path.strip(), root)
        parts = rel.split("/")
    else:
        parts = [p for p in raw.split("/") if p not in ("", ".")]
        parts = parts[parts.index("Files") :] if "Files" in parts else ["Files", *parts]
    path = posixpath.normpath("/".join(parts))
    if path != "Files" and not path.startswith("Files/"):
        raise _outside(source_path.strip(), root)
    return path


def _uri_location(uri: str, fabric: bool) -> Location:
    """An explicit URI, taken as given; locally a file:// URI is the local path it names."""
    if fabric:
        return Location(uri, uri, uri, NotebookUtilsFileSystem())
    local = uri.removeprefix("file://")
    return Location(local, local, local, LocalFileSystem())


def resolve_source(spark, source_path: str) -> Location:
    """Resolve a config's source_file_path (see the module docstring for the rules).

    Raises SourcePathError when the path is empty or outside the lakehouse Files folder,
    also through a link.
    """
    fabric = in_fabric()
    root = FABRIC_MOUNT if fabric else session_root(spark)
    path = normalise_source_path(source_path, root)
    if "://" in path:
        return _uri_location(path, fabric)
    local = os.path.join(root, *path.split("/"))
    fs = LocalFileSystem(inside=os.path.realpath(os.path.join(root, "Files")))
    if not fs.contains(local):
        raise SourcePathError(
            f"{path} is a link to {os.path.realpath(local)}, outside the lakehouse Files "
            "folder: move the files below Files, or name that folder with a full URI"
        )
    return Location(local, path if fabric else local, path, fs)
