"""`ingen_fab deploy`: publish generated_notebooks/fabric/ to a Fabric workspace with fabric-cicd.

What is published is the committed folder, as Fabric's git integration would see it: the
lakehouse and warehouse items, the notebooks, the pipelines (in fabric-cicd's dependency order,
under workspace folders that mirror the repository's), with `parameter.yml` pointing the
notebooks at the deployed lakehouse and warehouse. The folder must be what the sources compile
to. Nothing is ever deleted from the workspace.

Authentication is fabric-cicd's: a service principal from AZURE_TENANT_ID / AZURE_CLIENT_ID /
AZURE_CLIENT_SECRET, else the Azure CLI's login. `INGEN_FAB_FABRIC_API_ROOT` points the
deployment at another Fabric REST root (the tests' local stand-in).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ingen_fab.errors import IngenFabError

FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
DEFAULT_API_ROOT = "https://api.fabric.microsoft.com"
API_ROOT_ENV = "INGEN_FAB_FABRIC_API_ROOT"
# fabric-cicd's publish order for the item types this project generates.
PUBLISH_ORDER = ("Warehouse", "Lakehouse", "Environment", "Notebook", "DataPipeline")
NO_CREDENTIAL = (
    "no Azure credential for Fabric: run `az login` (Azure CLI), or set AZURE_TENANT_ID, "
    "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal"
)


class DeployError(IngenFabError):
    """The deployment cannot start or fabric-cicd failed; nothing after the failure was sent."""


@dataclass(frozen=True)
class PlannedItem:
    type: str
    name: str
    folder: str  # workspace folder, "/" for the top
    action: str  # create | update | create or update (workspace not reached)

    @property
    def key(self) -> str:
        return f"{self.name}.{self.type}"


@dataclass
class DeployReport:
    environment: str
    workspace_id: str
    environment_file: str
    dry_run: bool
    items: list[PlannedItem] = field(default_factory=list)
    workspace_note: str = ""  # why the workspace was not reached (dry run without credential)
    deployed_ids: dict[str, str] = field(default_factory=dict)  # Name.Type -> workspace id


def repository_items(fabric_dir: Path) -> list[tuple[str, str, str]]:
    """(type, name, workspace folder) of every item folder, in publish order then path."""
    found = []
    for platform in sorted(Path(fabric_dir).rglob(".platform")):
        meta = json.loads(platform.read_text(encoding="utf-8"))["metadata"]
        parent = platform.parent.parent.relative_to(fabric_dir).as_posix()
        found.append((meta["type"], meta["displayName"], "/" if parent == "." else f"/{parent}"))
    rank = {t: i for i, t in enumerate(PUBLISH_ORDER)}
    return sorted(found, key=lambda i: (rank.get(i[0], len(rank)), i[2], i[1]))


def select(found: list[tuple[str, str, str]], wanted) -> list[tuple[str, str, str]]:
    """The items named by --items (`Name` or `Name.Type`); every name must match an item."""
    if not wanted:
        return found
    chosen = []
    for want in wanted:
        hits = [i for i in found if want in (i[1], f"{i[1]}.{i[0]}")]
        if not hits:
            known = ", ".join(f"{n}.{t}" for t, n, _ in found)
            raise DeployError(f"--items {want}: no such item in generated_notebooks/fabric; "
                              f"items: {known}")
        if len(hits) > 1:
            raise DeployError(f"--items {want}: names {len(hits)} items; say Name.Type")
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return [i for i in found if i in chosen]


def api_root() -> str:
    return os.environ.get(API_ROOT_ENV, DEFAULT_API_ROOT).rstrip("/")


def default_credential():
    """A service principal from the environment, else the Azure CLI login; checked now."""
    from azure.identity import AzureCliCredential, CredentialUnavailableError, EnvironmentCredential

    quiet = logging.getLogger("azure.identity")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its multi-line warnings are ours in one line
    try:
        for credential in (EnvironmentCredential(), AzureCliCredential()):
            try:
                credential.get_token(FABRIC_SCOPE)
            except CredentialUnavailableError:  # not configured: try the next one
                continue
            except Exception as exc:  # configured, but refused
                raise DeployError(
                    f"the Azure credential ({type(credential).__name__}) was refused: "
                    f"{_first_line(exc)}"
                ) from None
            return credential
    finally:
        quiet.setLevel(level)
    raise DeployError(NO_CREDENTIAL)


def deployed_items(credential, workspace_id: str) -> dict[tuple[str, str], str]:
    """(type, name) -> id of the workspace's items (read only)."""
    token = credential.get_token(FABRIC_SCOPE).token
    url, items = f"{api_root()}/v1/workspaces/{workspace_id}/items", {}
    while url:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise DeployError(f"workspace {workspace_id}: listing its items failed with HTTP "
                              f"{exc.code}; check the workspace id and your access") from None
        except urllib.error.URLError as exc:
            raise DeployError(f"{api_root()}: not reachable ({exc.reason})") from None
        for item in body.get("value", []):
            items[(item["type"], item["displayName"])] = item["id"]
        url = body.get("continuationUri")
    return items


def _runtime_of(fabric_dir: Path, section: str) -> str:
    """How a section's notebooks were compiled: attached to the runtime Environment or not."""
    from ingen_fab.runtime_package import uses_environment

    return "environment" if uses_environment(fabric_dir / section) else "embedded"


def _check_fresh(root: Path, fabric_dir: Path) -> None:
    """The folder must be what the sources compile to (what is tested is what ships)."""
    from ingen_fab import api

    modes = {"ddl": _runtime_of(fabric_dir, "ddl"),
             "flat_file_ingestion": _runtime_of(fabric_dir, "flat_file_ingestion")}
    with tempfile.TemporaryDirectory(prefix="ingen_fab-deploy-") as tmp:
        api.compile_ddl(project=root, output=tmp, runtime=modes["ddl"])
        api.compile_flat_file_ingestion(project=root, output=tmp,
                                        runtime=modes["flat_file_ingestion"])
        fresh = Path(tmp) / fabric_dir.name
        want = {p.relative_to(fresh): p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
        have = {p.relative_to(fabric_dir): p.read_bytes()
                for p in fabric_dir.rglob("*") if p.is_file()}
    if want != have:
        differ = sorted(str(p) for p in set(want) | set(have) if want.get(p) != have.get(p))
        raise DeployError(
            f"{fabric_dir.relative_to(root)} is out of date with its sources ({len(differ)} "
            f"files differ, e.g. {differ[0]}): run `ingen_fab ddl compile --runtime "
            f"{modes['ddl']} && ingen_fab package flat-file-ingestion compile --runtime "
            f"{modes['flat_file_ingestion']}` first (it compares with the local environment's ids)"
        )


def deploy(environment: str, dry_run: bool = False, items=(), project=None,
           credential=None) -> DeployReport:
    """Publish (or, dry run, list) the generated items into the environment's workspace."""
    from ingen_fab.api import GENERATED_DIR, project_root
    from ingen_fab.environments import load_environment, require
    from ingen_fab.output import FABRIC_DIR
    from ingen_fab.workspace_items import LOCAL_ENVIRONMENT, check_names, store_items

    root = project_root(project)
    if environment == LOCAL_ENVIRONMENT:
        raise DeployError("the local environment is the embedded lakehouse and DuckDB, not a "
                          "workspace: deploy to development, test or production")
    env = load_environment(root, environment)
    check_names(store_items(load_environment(root, LOCAL_ENVIRONMENT)), env)
    workspace_id = require(env, "workspace", "id")
    fabric_dir = root / GENERATED_DIR / FABRIC_DIR
    _check_fresh(root, fabric_dir)
    chosen = select(repository_items(fabric_dir), items)
    report = DeployReport(environment, workspace_id, env["_file"], dry_run)

    if dry_run:
        try:
            credential = credential or default_credential()
        except DeployError as exc:
            report.workspace_note = str(exc)
            report.items = [PlannedItem(t, n, f, "create or update") for t, n, f in chosen]
            return report
    credential = credential or default_credential()
    existing = deployed_items(credential, workspace_id)
    report.items = [PlannedItem(t, n, f, "update" if (t, n) in existing else "create")
                    for t, n, f in chosen]
    if dry_run:
        return report
    report.deployed_ids = _publish(report, fabric_dir, credential, bool(items))
    return report


def _publish(report: DeployReport, fabric_dir: Path, credential, selective: bool) -> dict:
    _import_fabric_cicd()
    from fabric_cicd import (
        FabricWorkspace,
        append_feature_flag,
        constants,
        publish_all_items,
        remove_feature_flag,
    )

    if API_ROOT_ENV in os.environ:  # else fabric-cicd's own default and variables hold
        constants.DEFAULT_API_ROOT_URL = constants.FABRIC_API_ROOT_URL = api_root()
    flags = ("enable_experimental_features", "enable_items_to_include") if selective else ()
    for flag in flags:  # fabric-cicd's selective publish sits behind two flags
        append_feature_flag(flag)
    try:
        workspace = FabricWorkspace(
            workspace_id=report.workspace_id,
            repository_directory=str(fabric_dir),
            item_type_in_scope=sorted({t for t, _, _ in repository_items(fabric_dir)}),
            environment=report.environment,
            token_credential=credential,
        )
        publish_all_items(workspace,
                          items_to_include=[i.key for i in report.items] if selective else None)
    except Exception as exc:  # fabric-cicd's errors, and the bare ones some of its checks raise
        raise DeployError(f"fabric-cicd: {_first_line(exc)}") from None
    finally:
        for flag in flags:
            remove_feature_flag(flag)
    return {i.key: workspace.repository_items[i.type][i.name].guid for i in report.items}


def _import_fabric_cicd():
    """fabric-cicd installs its own sys.excepthook on import; the CLI keeps its own."""
    hook = sys.excepthook
    import fabric_cicd

    sys.excepthook = hook
    return fabric_cicd


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]


def format_report(report: DeployReport) -> str:
    head = (f"{'dry run: ' if report.dry_run else ''}deploy to {report.environment} "
            f"(workspace {report.workspace_id}, from {report.environment_file})")
    lines = [head]
    if report.workspace_note:
        lines.append(f"workspace not reached: {report.workspace_note}")
    rows = [("action", "type", "name", "folder")]
    rows += [(i.action, i.type, i.name, i.folder) for i in report.items]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    if report.dry_run:
        lines.append(f"{len(report.items)} items; nothing was published")
    else:
        lines.append(f"published {len(report.deployed_ids)} items")
    return "\n".join(lines)
