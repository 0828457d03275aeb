"""Which runtime build this code is: "<version>+<content hash>", written into every log row.

A notebook's embedding cell sets ingen_fab_runtime.RUNTIME_ID (the build it was compiled
from); code run from the installed package computes the same id from its own sources.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys


def sources_digest(root: str) -> str:
    """12 hex digits of a SHA-256 over every module under root: relative path and text."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [os.path.join(folder, f) for f in files if f.endswith(".py")]
    digest = hashlib.sha256()
    for path in sorted(found, key=lambda p: os.path.relpath(p, root).replace(os.sep, "/")):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        digest.update(f"{os.path.relpath(path, root).replace(os.sep, '/')}\0{text}\0".encode())
    return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def _installed_id() -> str:
    try:
        from importlib.metadata import version

        number = version("ingen_fab")
    except Exception:  # not installed as a distribution
        number = "0"
    return f"{number}+{sources_digest(os.path.dirname(os.path.abspath(__file__)))}"


def runtime_id() -> str:
    embedded = getattr(sys.modules.get(__package__ or ""), "RUNTIME_ID", None)
    return embedded or _installed_id()
