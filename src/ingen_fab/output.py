"""Write compiled notebooks under generated_notebooks/: Fabric git format and .ipynb, stale removed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

FABRIC_DIR = "fabric"
IPYNB_DIR = "ipynb"


@dataclass(frozen=True)
class Placed:
    """A notebook and the folder (relative, posix) it belongs in."""

    folder: str
    notebook: object  # ingen_fab.notebooks.Notebook

    @property
    def item_path(self) -> str:
        return f"{self.folder}/{self.notebook.display_name}.Notebook"


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # other items and files: Lakehouse, parameter.yml


def fabric_item_dir(out_root: Path, folder: str, name: str) -> Path:
    return Path(out_root) / FABRIC_DIR / folder / f"{name}.Notebook"


def ipynb_path(out_root: Path, folder: str, name: str) -> Path:
    return Path(out_root) / IPYNB_DIR / folder / f"{name}.ipynb"


def write_placed(out_root: Path, placed: list[Placed], sections: list[str]) -> WriteReport:
    """Write every notebook in both formats; remove items under `sections` no longer produced."""
    from ingen_fab.notebooks import write_fabric_item, write_ipynb

    out_root = Path(out_root)
    report = WriteReport()
    keep_fabric, keep_ipynb = set(), set()
    for item in placed:
        name = item.notebook.display_name
        parent = out_root / FABRIC_DIR / item.folder
        folder = write_fabric_item(item.notebook, parent, item.item_path)
        keep_fabric.add(Path(folder).resolve())
        path = ipynb_path(out_root, item.folder, name)
        write_ipynb(item.notebook, path)
        keep_ipynb.add(path.resolve())
        report.written.append(item.item_path)
    for section in sections:
        for stale in sorted((out_root / FABRIC_DIR / section).rglob("*.Notebook")):
            if stale.resolve() not in keep_fabric and _owned(stale, keep_fabric):
                shutil.rmtree(stale)
                report.removed.append(str(stale.relative_to(out_root)))
        for stale in sorted((out_root / IPYNB_DIR / section).rglob("*.ipynb")):
            if stale.resolve() not in keep_ipynb:
                stale.unlink()
                report.removed.append(str(stale.relative_to(out_root)))
        for base in (out_root / FABRIC_DIR / section, out_root / IPYNB_DIR / section):
            _prune_empty(base)
    return report


def _owned(stale: Path, keep: set[Path]) -> bool:
    """A stale item is removed unless it is inside an item we keep."""
    return not any(k in stale.resolve().parents for k in keep)


def _prune_empty(base: Path) -> None:
    if not base.is_dir():
        return
    for folder in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
