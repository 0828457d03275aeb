"""Fabric Data Pipeline items that run the generated notebooks in order.

- `ddl_pipeline`: every lakehouse DDL group notebook, then every warehouse one. A pipeline's
  Notebook activity runs T-SQL notebooks; a PySpark notebook cannot be relied on to.
- `flat_file_ingestion_pipeline`: the execution group notebooks, ascending.

Each activity waits for the one before it to succeed; the notebooks' parameters are pipeline
parameters. Git format: `<Name>.DataPipeline/pipeline-content.json` + `.platform`. An activity
names its notebook by the notebook's logicalId and the all-zero workspace id, which a
deployment (fabric-cicd) replaces with the deployed ids. `ingen_fab run pipeline NAME` walks
the same JSON locally (local/pipeline_runner.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingen_fab.errors import CompileError
from ingen_fab.notebooks.fabric import ZERO_WORKSPACE, logical_id_for
from ingen_fab.notebooks.fabric_format import PLATFORM_SCHEMA
from ingen_fab.notebooks.writing import write_text_if_changed

ITEM_SUFFIX = ".DataPipeline"
CONTENT_FILE = "pipeline-content.json"
ACTIVITY_TYPE = "TridentNotebook"
TIMEOUT = "0.12:00:00"
PARAMETER_TYPES = ("string", "int", "bool")


@dataclass(frozen=True)
class Argument:
    """One notebook parameter of an activity: a fixed value, or a pipeline parameter's."""

    name: str
    type: str
    value: object = None
    from_parameter: str | None = None

    def content(self) -> dict:
        if self.from_parameter:
            expression = f"@pipeline().parameters.{self.from_parameter}"
            return {"value": {"value": expression, "type": "Expression"}, "type": self.type}
        return {"value": self.value, "type": self.type}


@dataclass(frozen=True)
class Step:
    """A Notebook activity: the notebook's item path (folder/name.Notebook) and arguments."""

    notebook_item: str
    arguments: tuple[Argument, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.notebook_item).name.removesuffix(".Notebook")


@dataclass(frozen=True)
class PipelineItem:
    folder: str
    name: str
    description: str
    parameters: tuple[tuple[str, str, object], ...]  # (name, type, default)
    steps: tuple[Step, ...]

    @property
    def item_path(self) -> str:
        return f"{self.folder}/{self.name}{ITEM_SUFFIX}"

    def content(self) -> dict:
        for name, kind, _ in self.parameters:
            if kind not in PARAMETER_TYPES:
                raise CompileError(f"pipeline {self.name}: parameter {name} has type {kind!r}")
        activities, previous = [], None
        for step in self.steps:
            activities.append({
                "name": step.name,
                "type": ACTIVITY_TYPE,
                "dependsOn": [] if previous is None else [
                    {"activity": previous, "dependencyConditions": ["Succeeded"]}
                ],
                "policy": {"timeout": TIMEOUT, "retry": 0, "retryIntervalInSeconds": 30,
                           "secureOutput": False, "secureInput": False},
                "typeProperties": {
                    "notebookId": logical_id_for(step.notebook_item),
                    "workspaceId": ZERO_WORKSPACE,
                    "parameters": {a.name: a.content() for a in step.arguments},
                },
            })
            previous = step.name
        parameters = {n: {"type": k, "defaultValue": d} for n, k, d in self.parameters}
        return {"properties": {"description": self.description, "activities": activities,
                               "parameters": parameters}}

    def platform(self) -> dict:
        return {
            "$schema": PLATFORM_SCHEMA,
            "metadata": {"type": "DataPipeline", "displayName": self.name,
                         "description": self.description},
            "config": {"version": "2.0", "logicalId": logical_id_for(self.item_path)},
        }


def write_pipeline(out_root: Path, item: PipelineItem) -> Path:
    """Write `<out_root>/fabric/<folder>/<name>.DataPipeline/` (content + .platform)."""
    from ingen_fab.output import FABRIC_DIR

    folder = Path(out_root) / FABRIC_DIR / item.folder / f"{item.name}{ITEM_SUFFIX}"
    write_text_if_changed(folder / CONTENT_FILE, _json(item.content()))
    write_text_if_changed(folder / ".platform", _json(item.platform()))
    return folder


def _json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
