"""Test helpers: copies of the project to compile and run in isolation."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def copy_project(dest: Path, with_generated: bool = False) -> Path:
    """A copy of the project's sources (ddl_scripts, environments, project files) under dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("ddl_scripts", "environments"):
        shutil.copytree(REPO / name, dest / name)
    for name in ("flat_file_ingestion.toml",):
        if (REPO / name).exists():
            shutil.copy(REPO / name, dest / name)
    if with_generated:
        shutil.copytree(REPO / "generated_notebooks", dest / "generated_notebooks")
    return dest


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file()
    }


def dataset_schemas() -> dict:
    """The retail dataset's declared column types as the sample configs declare them."""
    from ingen_fab.synthetic import datasets

    spark_type = {"int64": "bigint"}
    return {t.name: {n: spark_type.get(k, k) for n, k in t.columns}
            for t in datasets.RETAIL_DATASET.tables}


def tree_digests(root) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    import hashlib
    import os

    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return found
