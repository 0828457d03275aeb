"""The manifest that pins an output root to one world: dataset, seed, scale, epoch, version.

A later run into the same root must ask for the same world; otherwise it stops before writing
anything, so two worlds never mix in one folder.
"""

from __future__ import annotations

import json
import os

from ingen_fab.errors import SyntheticDataError

MANIFEST_NAME = "_manifest.json"
PINNED = ("dataset", "generator_version", "seed", "scale", "epoch", "format", "holidays",
          "changes", "faults")
DEFAULTS = {"changes": "none"}  # a key a manifest leaves out when it holds the default


def manifest_path(root: str) -> str:
    return os.path.join(root, MANIFEST_NAME)


def read_manifest(root: str) -> dict | None:
    path = manifest_path(root)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        raise SyntheticDataError(
            f"{path} is not a readable manifest: delete the folder or choose another --output-dir"
        ) from None
    if not isinstance(data, dict):
        raise SyntheticDataError(f"{path} is not a manifest object: choose another --output-dir")
    return data


def check_manifest(root: str, wanted: dict) -> None:
    """Fail if ``root`` already holds another world (or unrelated files without a manifest)."""
    existing = read_manifest(root)
    if existing is None:
        if os.path.isdir(root) and os.listdir(root):
            raise SyntheticDataError(
                f"output folder {root} is not empty and has no {MANIFEST_NAME}: "
                "choose an empty or new --output-dir"
            )
        return
    def value(settings, key):
        return settings.get(key, DEFAULTS.get(key))

    different = [key for key in PINNED if value(existing, key) != value(wanted, key)]
    if different:
        details = ", ".join(
            f"{k}={value(existing, k)!r} (asked {value(wanted, k)!r})" for k in different
        )
        raise SyntheticDataError(
            f"output folder {root} holds another world: {details}; "
            "rerun with the same settings or choose another --output-dir"
        )


def write_manifest(root: str, wanted: dict) -> None:
    path = manifest_path(root)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({key: wanted[key] for key in PINNED if key in wanted}, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)
