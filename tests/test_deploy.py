"""`ingen_fab deploy`: the workspace items and parameter.yml, the dry run, and a real fabric-cicd
publish against a local stand-in for the Fabric REST API (tests/fake_fabric.py). No live
workspace is reached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from fake_fabric import FakeFabric, StaticCredential
from helpers import REPO, copy_project

from ingen_fab.cli.main import main
from ingen_fab.deploy import DeployError, deploy
from ingen_fab.environments import load_environment
from ingen_fab.errors import CompileError

FABRIC = REPO / "generated_notebooks" / "fabric"
ZERO = "00000000-0000-0000-0000-000000000000"
LOCAL = load_environment(REPO, "local")
LAKEHOUSE_ID = LOCAL["lakehouses"]["Config"]["id"]
WAREHOUSE_ID = LOCAL["warehouses"]["Config_WH"]["id"]
TEST_WS = load_environment(REPO, "test")["workspace"]["id"]


def _committed_items() -> dict[tuple[str, str], Path]:
    """(type, name) -> item folder, read from the .platform files."""
    found = {}
    for platform in FABRIC.rglob(".platform"):
        meta = json.loads(platform.read_text(encoding="utf-8"))["metadata"]
        found[(meta["type"], meta["displayName"])] = platform.parent
    return found


@pytest.fixture
def fake(monkeypatch):
    service = FakeFabric(TEST_WS)
    server = service.serve()
    monkeypatch.setenv("INGEN_FAB_FABRIC_API_ROOT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("FABRIC_CICD_RETRY_DELAY_OVERRIDE_SECONDS", "0")
    yield service
    server.shutdown()
    assert service.unknown == [], "calls the stand-in does not know"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("deploy") / "project", with_generated=True)


def test_the_lakehouse_is_schema_enabled_and_the_warehouse_has_fabrics_collation():
    lakehouse = FABRIC / "Config.Lakehouse"
    assert json.loads((lakehouse / "lakehouse.metadata.json").read_text()) == {"defaultSchema": "dbo"}
    platform = json.loads((FABRIC / "Config_WH.Warehouse" / ".platform").read_text())
    assert platform["metadata"]["creationPayload"] == {
        "defaultCollation": "Latin1_General_100_BIN2_UTF8"}


def test_parameter_file_points_every_environment_at_the_items_it_deploys():
    params = yaml.safe_load((FABRIC / "parameter.yml").read_text(encoding="utf-8"))
    by_id = {entry["find_value"]: entry for entry in params["find_replace"]}
    assert set(by_id) == {LAKEHOUSE_ID, WAREHOUSE_ID}
    targets = {"development", "test", "production"}
    assert by_id[LAKEHOUSE_ID]["replace_value"] == dict.fromkeys(
        targets, "$items.Lakehouse.Config.$id")
    assert by_id[WAREHOUSE_ID]["replace_value"] == dict.fromkeys(
        targets, "$items.Warehouse.Config_WH.$id")


def test_an_environment_that_renames_an_item_is_refused(tmp_path):
    from ingen_fab import api

    project = copy_project(tmp_path / "p")
    toml = project / "environments" / "test.toml"
    toml.write_text(toml.read_text().replace('name = "Config_WH"', 'name = "Other_WH"'))
    with pytest.raises(CompileError, match=r"environments/test.toml: "
                       r"warehouses.Config_WH.name is 'Other_WH'.*set it to 'Config_WH'"):
        api.compile_ddl(project=project, output=tmp_path / "out")


def test_dry_run_without_a_credential_lists_every_item(monkeypatch, tmp_path):
    for var in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
                "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME", "AZURE_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no Azure CLI on it
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["deploy", "--environment", "test", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "workspace not reached: no Azure credential" in result.output
    listed = {tuple(line.split()[-3:-1]) for line in result.output.splitlines()
              if line.startswith("  create or update")}
    assert listed == set(_committed_items())
    assert f"{len(listed)} items; nothing was published" in result.output


def test_publish_creates_every_item_with_all_parts_and_the_target_ids(fake, project):
    report = deploy("test", project=project, credential=StaticCredential())
    committed = _committed_items()
    assert {(i["type"], i["displayName"]) for i in fake.items.values()} == set(committed)
    assert report.deployed_ids == {f"{n}.{t}": fake.item(t, n)["id"] for t, n in committed}
    assert fake.unauthorised == []

    creates = {(c.body["type"], c.body["displayName"]): c.body for c in fake.calls
               if c.method == "POST" and c.path.endswith("/items")}
    assert creates[("Lakehouse", "Config")]["creationPayload"] == {"enableSchemas": True}
    assert creates[("Warehouse", "Config_WH")]["creationPayload"] == {
        "defaultCollation": "Latin1_General_100_BIN2_UTF8"}

    lakehouse, warehouse = fake.item("Lakehouse", "Config")["id"], fake.item("Warehouse", "Config_WH")["id"]
    notebook_ids = {i["id"]: i["displayName"] for i in fake.items.values() if i["type"] == "Notebook"}
    for (kind, name), folder in committed.items():
        # every item lands in the workspace folder mirroring its repository folder
        parent = folder.parent.relative_to(FABRIC).as_posix()
        assert fake.folder_path(fake.item(kind, name).get("folderId")) == (
            "/" if parent == "." else f"/{parent}")
        if kind not in ("Notebook", "DataPipeline"):
            continue
        parts = fake.parts(kind, name)
        assert set(parts) == {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                              if p.is_file()}, "all parts sent"
        assert parts[".platform"] == (folder / ".platform").read_text(encoding="utf-8")
        for path, text in parts.items():
            for local_id in (LAKEHOUSE_ID, WAREHOUSE_ID, ZERO):
                assert local_id not in text, f"{name}/{path} still holds {local_id}"
        if kind == "DataPipeline":
            content = json.loads(parts["pipeline-content.json"])
            for activity in content["properties"]["activities"]:
                props = activity["typeProperties"]
                assert notebook_ids[props["notebookId"]] == activity["name"]
                assert props["workspaceId"] == TEST_WS
        elif "notebook-content.py" in parts:
            assert f'"default_lakehouse": "{lakehouse}"' in parts["notebook-content.py"]
            assert f'"default_lakehouse_workspace_id": "{TEST_WS}"' in parts["notebook-content.py"]
        else:
            assert f'"default_warehouse": "{warehouse}"' in parts["notebook-content.sql"]

    # a second deployment updates in place: the dry run says so, nothing is created twice
    again = deploy("test", dry_run=True, project=project, credential=StaticCredential())
    assert {i.action for i in again.items} == {"update"}
    count = len(fake.items)
    fake.calls.clear()
    deploy("test", project=project, credential=StaticCredential())
    assert len(fake.items) == count
    assert not [c for c in fake.calls if c.method == "POST" and c.path.endswith("/items")]
    updated = {c.path.split("/")[-2] for c in fake.calls if "/updateDefinition" in c.path}
    assert updated == {i["id"] for i in fake.items.values()
                       if i["type"] in ("Notebook", "DataPipeline")}

    # --items publishes only the named items
    fake.calls.clear()
    result = deploy("test", items=["flat_file_ingestion_group_1", "ddl_pipeline.DataPipeline"],
                    project=project, credential=StaticCredential())
    assert [i.key for i in result.items] == [
        "flat_file_ingestion_group_1.Notebook", "ddl_pipeline.DataPipeline"]
    updated = {c.path.split("/")[-2] for c in fake.calls if "/updateDefinition" in c.path}
    assert updated == {fake.item("Notebook", "flat_file_ingestion_group_1")["id"],
                       fake.item("DataPipeline", "ddl_pipeline")["id"]}
    from fabric_cicd import constants

    assert "enable_items_to_include" not in constants.FEATURE_FLAG  # not left on for later


class _WrongToken(StaticCredential):
    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken("not-the-token", 4_102_444_800)


def test_a_refused_credential_is_one_line_and_nothing_is_published(fake, project):
    with pytest.raises(DeployError, match=r"^workspace .*: listing its items failed with HTTP 401"):
        deploy("test", project=project, credential=_WrongToken())
    assert fake.items == {}


def test_out_of_date_items_are_not_deployed(fake, tmp_path):
    project = copy_project(tmp_path / "p", with_generated=True)
    stale = next((project / "generated_notebooks" / "fabric").rglob("notebook-content.py"))
    stale.write_text(stale.read_text() + "\n# edited by hand\n")
    with pytest.raises(DeployError, match=r"out of date with its sources .*ingen_fab ddl compile"):
        deploy("test", project=project, credential=StaticCredential())
    assert fake.calls == []


def test_the_local_environment_and_unknown_items_are_refused(project):
    with pytest.raises(DeployError, match="local environment is the embedded lakehouse"):
        deploy("local", project=project)
    with pytest.raises(DeployError, match=r"--items nope: no such item"):
        deploy("test", dry_run=True, items=["nope"], project=project,
               credential=StaticCredential())


def test_environment_mode_publishes_the_runtime_environment_before_the_notebooks(fake, tmp_path):
    from ingen_fab import api
    from ingen_fab.runtime_package import environment_logical_id, wheel_bytes, wheel_name

    project = copy_project(tmp_path / "p", with_generated=True)
    api.compile_ddl(project=project, runtime="environment")
    api.compile_flat_file_ingestion(project=project, runtime="environment")
    report = deploy("test", project=project, credential=StaticCredential())
    assert report.items[2].key == "ingen_fab_runtime.Environment"
    environment = fake.item("Environment", "ingen_fab_runtime")
    assert fake.published_environments == [environment["id"]]
    wheel = f"Libraries/CustomLibraries/{wheel_name()}"
    assert fake.payload("Environment", "ingen_fab_runtime", wheel) == wheel_bytes()
    settings = fake.parts("Environment", "ingen_fab_runtime")["Setting/Sparkcompute.yml"]
    assert "runtime_version: 1.3" in settings
    group = fake.parts("Notebook", "flat_file_ingestion_group_1")["notebook-content.py"]
    assert f'"environmentId": "{environment["id"]}"' in group
    assert environment_logical_id() not in group


def test_a_configured_credential_that_is_refused_is_told_apart_from_none(monkeypatch):
    """The service principal in AZURE_* exists but Entra refuses it (faked at that edge)."""
    import azure.identity
    from azure.core.exceptions import ClientAuthenticationError

    from ingen_fab.deploy import NO_CREDENTIAL, default_credential

    class Refused:
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.\nmore")

    class Missing:
        def get_token(self, *scopes, **kwargs):
            raise azure.identity.CredentialUnavailableError("not configured")

    monkeypatch.setattr(azure.identity, "EnvironmentCredential", Refused)
    monkeypatch.setattr(azure.identity, "AzureCliCredential", Missing)
    with pytest.raises(DeployError, match=r"^the Azure credential \(Refused\) was refused: "
                       r"AADSTS7000215: Invalid client secret provided\.$"):
        default_credential()
    monkeypatch.setattr(azure.identity, "EnvironmentCredential", Missing)
    with pytest.raises(DeployError) as missing:
        default_credential()
    assert str(missing.value) == NO_CREDENTIAL
