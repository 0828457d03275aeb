"""The generated Data Pipelines: their Fabric shape, what they run and in which order, and the
local walk's decisions (order, parameters) on the pipeline JSON itself."""

from __future__ import annotations

import json

import pytest
from helpers import REPO

from ingen_fab.errors import ProjectFileError
from ingen_fab.local.pipeline_runner import (
    activity_order,
    arguments,
    notebooks_by_id,
    parameter_values,
)

FABRIC = REPO / "generated_notebooks" / "fabric"
ZERO = "00000000-0000-0000-0000-000000000000"


def _pipeline(name: str) -> tuple[dict, dict]:
    [folder] = FABRIC.rglob(f"{name}.DataPipeline")
    content = json.loads((folder / "pipeline-content.json").read_text(encoding="utf-8"))
    platform = json.loads((folder / ".platform").read_text(encoding="utf-8"))
    return content, platform


def _chain(content: dict) -> list[str]:
    """The activity names, checking each depends on the previous one's success only."""
    names, previous = [], None
    for activity in content["properties"]["activities"]:
        expected = [] if previous is None else [
            {"activity": previous, "dependencyConditions": ["Succeeded"]}
        ]
        assert activity["dependsOn"] == expected, activity["name"]
        names.append(previous := activity["name"])
    return names


@pytest.mark.parametrize("name", ["ddl_pipeline", "flat_file_ingestion_pipeline"])
def test_each_pipeline_is_a_fabric_item_whose_activities_name_committed_notebooks(name):
    content, platform = _pipeline(name)
    assert platform["metadata"]["type"] == "DataPipeline"
    assert platform["metadata"]["displayName"] == name
    assert platform["config"]["version"] == "2.0" and len(platform["config"]["logicalId"]) == 36
    notebooks = notebooks_by_id(FABRIC)
    declared = content["properties"]["parameters"]
    for activity in content["properties"]["activities"]:
        assert activity["type"] == "TridentNotebook"
        assert set(activity) >= {"name", "type", "dependsOn", "policy", "typeProperties"}
        props = activity["typeProperties"]
        assert props["workspaceId"] == ZERO
        assert notebooks[props["notebookId"]].name == activity["name"]
        for spec in props["parameters"].values():
            assert spec["type"] in ("string", "int", "bool")
            value = spec["value"]
            if isinstance(value, dict):  # a pipeline parameter
                assert value["type"] == "Expression"
                assert value["value"].removeprefix("@pipeline().parameters.") in declared


def test_ddl_pipeline_runs_every_lakehouse_notebook_then_every_warehouse_one():
    content, _ = _pipeline("ddl_pipeline")
    names = _chain(content)
    notebooks = {n.name: n for n in notebooks_by_id(FABRIC).values()}
    groups = sorted(n for n in notebooks if n.startswith(("ddl_lh_", "ddl_wh_"))
                    and not n.endswith("_orchestrator"))
    assert sorted(names) == groups
    kinds = [notebooks[n].tsql for n in names]
    assert kinds == sorted(kinds) and kinds[0] is False and kinds[-1] is True
    assert names.index("ddl_lh_Config_001_Initial_Creation") < names.index(
        "ddl_lh_Config_002_Sample_Data_Ingestion")


def test_ingestion_pipeline_runs_the_groups_ascending_with_their_parameters():
    content, _ = _pipeline("flat_file_ingestion_pipeline")
    names = _chain(content)
    assert names == [f"flat_file_ingestion_group_{g}" for g in (1, 2, 3, 4)]
    values = parameter_values(content, {"end_date": "2024-01-02"})
    assert values == {"start_date": "", "end_date": "2024-01-02", "dry_run": "false"}
    for group, activity in enumerate(content["properties"]["activities"], start=1):
        assert arguments(activity, values) == {"execution_group": str(group), "start_date": "",
                                               "end_date": "2024-01-02", "dry_run": "false"}


def test_no_pyspark_notebook_runs_a_tsql_notebook():
    tsql = {n.name for n in notebooks_by_id(FABRIC).values() if n.tsql}
    assert tsql
    for content in FABRIC.rglob("notebook-content.py"):
        text = content.read_text(encoding="utf-8")
        assert not [name for name in tsql if f'"{name}"' in text], content.parent.name


def test_unknown_parameters_dependencies_and_cycles_are_named():
    content, _ = _pipeline("flat_file_ingestion_pipeline")
    with pytest.raises(ProjectFileError, match=r"unknown pipeline parameter\(s\) \['nope'\]"):
        parameter_values(content, {"nope": "1"})

    def act(name, *after):
        return {"name": name, "dependsOn": [{"activity": a, "dependencyConditions": ["Succeeded"]}
                                            for a in after]}

    order = activity_order([act("c", "b"), act("a"), act("b", "a")])
    assert [a["name"] for a in order] == ["a", "b", "c"]
    with pytest.raises(ProjectFileError, match="dependency cycle"):
        activity_order([act("a", "b"), act("b", "a")])
    with pytest.raises(ProjectFileError, match=r"unknown activity \['z'\]"):
        activity_order([act("a", "z")])


def test_the_committed_pipelines_are_what_the_sources_compile_to():
    from ingen_fab.ddl.compiler import ddl_pipeline
    from ingen_fab.ddl.discovery import discover
    from ingen_fab.ingestion.compiler import ingestion_pipeline
    from ingen_fab.ingestion.project import load_project

    built = (ddl_pipeline(discover(REPO / "ddl_scripts")),
             ingestion_pipeline(load_project(REPO).execution_groups))
    for item in built:
        content, platform = _pipeline(item.name)
        assert content == item.content() and platform == item.platform(), item.name
