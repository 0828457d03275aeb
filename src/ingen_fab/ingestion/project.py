"""The flat-file ingestion project file: flat_file_ingestion.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ingen_fab.errors import ProjectFileError

PROJECT_FILE = "flat_file_ingestion.toml"


@dataclass(frozen=True)
class IngestionProject:
    lakehouse: str
    execution_groups: tuple[int, ...]


def load_project(project_root: Path) -> IngestionProject:
    path = Path(project_root) / PROJECT_FILE
    if not path.is_file():
        raise ProjectFileError(f"{path}: missing; create it with lakehouse and execution_groups")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectFileError(f"{path}: invalid TOML: {exc}") from None
    lakehouse = data.get("lakehouse")
    groups = data.get("execution_groups")
    if not isinstance(lakehouse, str) or not lakehouse:
        raise ProjectFileError(f"{path}: lakehouse must name a lakehouse of the environment files")
    if (
        not isinstance(groups, list)
        or not groups
        or not all(isinstance(g, int) and not isinstance(g, bool) and g > 0 for g in groups)
        or len(set(groups)) != len(groups)
    ):
        raise ProjectFileError(f"{path}: execution_groups must be a list of distinct positive integers")
    return IngestionProject(lakehouse, tuple(sorted(groups)))
