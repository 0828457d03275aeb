"""Find ddl_scripts/: targets, numbered groups and numbered scripts, in order."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ingen_fab.errors import CompileError

KIND_FOLDERS = {"lakehouse": "Lakehouses", "warehouse": "Warehouses"}
ALLOWED_EXTENSIONS = {"lakehouse": (".py", ".sql"), "warehouse": (".sql",)}
_PREFIX = re.compile(r"^(\d+)_\w")


@dataclass(frozen=True)
class Script:
    path: Path
    script_id: str  # path under ddl_scripts/, posix
    number: int

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8").replace("\r\n", "\n")

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Group:
    name: str
    number: int
    scripts: tuple[Script, ...]


@dataclass(frozen=True)
class Target:
    kind: str  # lakehouse | warehouse
    name: str
    groups: tuple[Group, ...]


def discover(ddl_root: Path, kinds=("lakehouse", "warehouse")) -> list[Target]:
    """Targets of the given kinds; a missing kind folder is fine, a bad name is an error."""
    targets = []
    for kind in kinds:
        folder = Path(ddl_root) / KIND_FOLDERS[kind]
        if not folder.is_dir():
            continue
        for target_dir in _children(folder, dirs=True):
            groups = [_group(ddl_root, kind, d) for d in _numbered(target_dir, dirs=True)]
            targets.append(Target(kind, target_dir.name, tuple(groups)))
    return targets


def _group(ddl_root: Path, kind: str, group_dir: Path) -> Group:
    scripts = []
    for path in _numbered(group_dir, dirs=False):
        if path.suffix not in ALLOWED_EXTENSIONS[kind]:
            allowed = " or ".join(ALLOWED_EXTENSIONS[kind])
            raise CompileError(f"{path}: {kind} ddl scripts must be {allowed} files")
        script_id = path.relative_to(ddl_root).as_posix()
        scripts.append(Script(path, script_id, _number(path)))
    return Group(group_dir.name, _number(group_dir), tuple(scripts))


def _children(folder: Path, dirs: bool) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith((".", "__")) and p.is_dir() == dirs
    )


def _numbered(folder: Path, dirs: bool) -> list[Path]:
    """Children ordered by numeric prefix; missing prefixes and duplicates are errors."""
    seen: dict[int, Path] = {}
    items = []
    for path in _children(folder, dirs):
        match = _PREFIX.match(path.name)
        if not match:
            raise CompileError(
                f"{path}: name has no numeric prefix; rename it like 001_{path.name}"
            )
        number = int(match.group(1))
        if number in seen:
            raise CompileError(
                f"{seen[number]} and {path} share the number {number}; renumber one of them"
            )
        seen[number] = path
        items.append((number, path))
    return [p for _, p in sorted(items)]


def _number(path: Path) -> int:
    return int(_PREFIX.match(path.name).group(1))
