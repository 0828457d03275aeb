"""`ingen_fab run pipeline NAME`: a generated Data Pipeline walked locally.

The pipeline's own JSON is read: its Notebook activities run in dependency order (each after
the ones it depends on), each notebook found by the logicalId in its `.platform`. A PySpark
notebook runs with papermill on the local lakehouse, a T-SQL notebook on the local DuckDB
warehouse. Parameters reach a notebook as text, as a pipeline passes them. The walk stops at
the first failure: later activities do not run, and the error names the activity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ingen_fab.errors import ProjectFileError, RunError
from ingen_fab.pipelines import CONTENT_FILE, ITEM_SUFFIX

EXPRESSION_PREFIX = "@pipeline().parameters."


@dataclass
class PipelineRun:
    name: str
    ran: list[str] = field(default_factory=list)  # activities, in the order they ran


@dataclass(frozen=True)
class NotebookItem:
    folder: str  # relative to generated_notebooks/fabric, posix
    name: str
    tsql: bool


def find_pipeline(fabric_root: Path, name: str) -> Path:
    found = sorted(fabric_root.rglob(f"{name}{ITEM_SUFFIX}/{CONTENT_FILE}"))
    if not found:
        known = sorted(p.parent.name.removesuffix(ITEM_SUFFIX)
                       for p in fabric_root.rglob(f"*{ITEM_SUFFIX}/{CONTENT_FILE}"))
        raise ProjectFileError(
            f"no pipeline {name!r} under {fabric_root} (known: {', '.join(known) or 'none'}); "
            "run `ingen_fab ddl compile` and `ingen_fab package flat-file-ingestion compile`"
        )
    return found[0]


def notebooks_by_id(fabric_root: Path) -> dict[str, NotebookItem]:
    """logicalId -> the notebook item carrying it."""
    items = {}
    for platform in sorted(fabric_root.rglob("*.Notebook/.platform")):
        logical_id = json.loads(platform.read_text(encoding="utf-8"))["config"]["logicalId"]
        folder = platform.parent.parent.relative_to(fabric_root).as_posix()
        name = platform.parent.name.removesuffix(".Notebook")
        items[logical_id] = NotebookItem(folder, name, (platform.parent / "notebook-content.sql").is_file())
    return items


def activity_order(activities: list[dict]) -> list[dict]:
    """The activities in an order where each follows every one it depends on (listed order
    among those ready); a dependency on an unknown activity or a cycle is an error."""
    names = {a["name"] for a in activities}
    done: list[str] = []
    ordered = []
    pending = list(activities)
    while pending:
        ready = [a for a in pending
                 if all(d["activity"] in done for d in a.get("dependsOn", []))]
        if not ready:
            unknown = sorted({d["activity"] for a in pending for d in a.get("dependsOn", [])} - names)
            why = f"depends on unknown activity {unknown}" if unknown else "dependency cycle"
            raise ProjectFileError(f"pipeline activities {[a['name'] for a in pending]}: {why}")
        ordered.append(ready[0])
        done.append(ready[0]["name"])
        pending.remove(ready[0])
    return ordered


def arguments(activity: dict, values: dict[str, str]) -> dict[str, str]:
    """The activity's notebook parameters as text: fixed values, or pipeline parameters'."""
    out = {}
    for name, spec in activity["typeProperties"].get("parameters", {}).items():
        value = spec["value"]
        if isinstance(value, dict) and value.get("type") == "Expression":
            expression = value["value"]
            if not expression.startswith(EXPRESSION_PREFIX):
                raise ProjectFileError(f"activity {activity['name']}: unsupported expression {expression!r}")
            value = values[expression.removeprefix(EXPRESSION_PREFIX)]
        out[name] = _text(value)
    return out


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parameter_values(content: dict, given: dict[str, str]) -> dict[str, str]:
    declared = content["properties"].get("parameters", {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ProjectFileError(f"unknown pipeline parameter(s) {unknown}; known: {sorted(declared)}")
    return {name: given.get(name, _text(spec.get("defaultValue"))) for name, spec in declared.items()}


def run_pipeline(name: str, given: dict[str, str], root: Path, run_one) -> PipelineRun:
    """Walk pipeline `name` of the project at root; run_one(item, arguments) runs a notebook
    and raises RunError when it fails."""
    fabric_root = root / "generated_notebooks" / "fabric"
    content = json.loads(find_pipeline(fabric_root, name).read_text(encoding="utf-8"))
    values = parameter_values(content, given)
    items = notebooks_by_id(fabric_root)
    run = PipelineRun(name)
    order = activity_order(content["properties"]["activities"])
    for index, activity in enumerate(order):
        notebook_id = activity["typeProperties"]["notebookId"]
        if notebook_id not in items:
            raise ProjectFileError(f"activity {activity['name']}: no notebook has logicalId {notebook_id}")
        try:
            run_one(items[notebook_id], arguments(activity, values))
        except RunError as exc:
            left = len(order) - index - 1
            raise RunError(f"pipeline {name}: activity {activity['name']} failed ({exc}); "
                           f"{left} later activit{'y' if left == 1 else 'ies'} not run") from None
        run.ran.append(activity["name"])
    return run
