"""In Fabric (notebookutils present, faked here at its edge) a source folder named as
`Files/...`, as the default lakehouse's mount path, or as its abfss:// URI is found the same,
as locally: the same files, dates and sizes."""

from __future__ import annotations

import datetime as dt
import os
import sys
import types
from pathlib import Path

import pytest
from test_ingestion_support import config, write_file

from ingen_fab.runtime.ingestion import filesystem
from ingen_fab.runtime.ingestion.config import from_row
from ingen_fab.runtime.ingestion.discovery import discover
from ingen_fab.runtime.ingestion.filesystem import SourcePathError, resolve_source
from ingen_fab.runtime.session import in_fabric

ONELAKE = "abfss://ws@onelake.dfs.fabric.microsoft.com/Config.Lakehouse"


class FakeOneLakeFs:
    """notebookutils.fs over a local folder that stands for the lakehouse in OneLake."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _local(self, path: str) -> Path:
        assert path.startswith(ONELAKE), path
        return self.folder / path[len(ONELAKE):].lstrip("/")

    def ls(self, path: str):
        out = []
        for child in sorted(self._local(path).iterdir()):
            stat = child.stat()
            out.append(types.SimpleNamespace(
                name=child.name + ("/" if child.is_dir() else ""), path=f"{path.rstrip('/')}/{child.name}",
                isDir=child.is_dir(), size=0 if child.is_dir() else stat.st_size,
                modifyTime=int(stat.st_mtime * 1000)))
        return out

    def exists(self, path: str) -> bool:
        return self._local(path).exists()

    def head(self, path: str, limit: int) -> str:
        return self._local(path).read_bytes()[:limit].decode("utf-8")


@pytest.fixture
def fabric(tmp_path, monkeypatch):
    """A Fabric notebook's view: notebookutils importable, the default lakehouse mounted."""
    mount = tmp_path / "lakehouse" / "default"
    for day in (1, 2, 3):
        write_file(mount / f"Files/landing/2024/01/0{day}/orders/orders_2024010{day}.csv",
                   "id,v\n" + "".join(f"{i},{day}\n" for i in range(day)))
    fake = types.ModuleType("notebookutils")
    fake.fs = FakeOneLakeFs(mount)
    monkeypatch.setitem(sys.modules, "notebookutils", fake)
    monkeypatch.delenv("INGEN_FAB_FORCE_LOCAL", raising=False)
    monkeypatch.setattr(filesystem, "FABRIC_MOUNT", str(mount))
    return mount


def _found(source: str) -> list[tuple]:
    cfg = from_row(config("fabric_paths", source, "t", file_discovery_pattern="**/*.csv"))
    loc = resolve_source(None, source)  # in Fabric no local session root is consulted
    found = discover(cfg, loc, None, dt.date(2024, 1, 2))
    return loc, [(f.rel_path, f.date, f.size) for f in found]


def test_files_mount_and_abfss_forms_find_the_same_files(fabric):
    assert in_fabric()
    relative, by_relative = _found("Files/landing")
    mounted, by_mount = _found(os.path.join(str(fabric), "Files", "landing"))
    uri, by_uri = _found(f"{ONELAKE}/Files/landing")
    assert by_relative == by_mount == by_uri
    assert [(r, d) for r, d, _ in by_uri] == [
        ("2024/01/01/orders/orders_20240101.csv", dt.date(2024, 1, 1)),
        ("2024/01/02/orders/orders_20240102.csv", dt.date(2024, 1, 2)),
    ]
    assert relative.display_path == mounted.display_path == "Files/landing"
    assert uri.display_path == uri.spark_path == f"{ONELAKE}/Files/landing"


def test_a_path_outside_files_is_refused_with_the_abfss_form_named(fabric):
    with pytest.raises(SourcePathError, match=r"outside the lakehouse Files folder.*abfss://"):
        resolve_source(None, "/tmp/elsewhere")


class _FakeLakehouses:
    """notebookutils.lakehouse: getWithProperties answers as the Fabric REST API does."""

    def __init__(self, properties):
        self.properties = properties
        self.asked = []

    def getWithProperties(self, name, workspace_id=""):
        self.asked.append((name, workspace_id))
        if isinstance(self.properties, Exception):
            raise self.properties
        return {"displayName": name, "type": "Lakehouse", "properties": self.properties}


def _attach(monkeypatch, context: dict, properties):
    from ingen_fab.runtime import session

    monkeypatch.setattr(session, "_LAKEHOUSE_CHECKED", [])
    sys.modules["notebookutils"].runtime = types.SimpleNamespace(context=context)
    sys.modules["notebookutils"].lakehouse = lakehouses = _FakeLakehouses(properties)
    return lakehouses


ATTACHED = {"defaultLakehouseId": "5b218778-e7a5-4d73-8187-f10824047715",
            "defaultLakehouseName": "Config", "defaultLakehouseWorkspaceId": "ws-1"}


def test_a_schema_enabled_default_lakehouse_passes_the_guard_once(fabric, monkeypatch):
    from ingen_fab.runtime.session import check_default_lakehouse

    lakehouses = _attach(monkeypatch, ATTACHED, {"defaultSchema": "dbo"})
    assert check_default_lakehouse() == "Config"
    assert check_default_lakehouse() == "Config"
    assert lakehouses.asked == [("Config", "ws-1")]


@pytest.mark.parametrize(("context", "properties", "message"), [
    ({}, {"defaultSchema": "dbo"}, r"^this notebook has no default lakehouse: attach the Config"),
    (ATTACHED, {"oneLakeTablesPath": "abfss://..."},
     r"^the default lakehouse Config does not have schemas enabled.*'Lakehouse schemas' ticked"),
])
def test_the_guard_stops_a_notebook_without_a_usable_lakehouse(fabric, monkeypatch, context,
                                                               properties, message):
    from ingen_fab.runtime.session import LakehouseSetupError, check_default_lakehouse

    _attach(monkeypatch, context, properties)
    with pytest.raises(LakehouseSetupError, match=message):
        check_default_lakehouse()


def test_unreadable_lakehouse_properties_do_not_stop_the_run(fabric, monkeypatch, capsys):
    from ingen_fab.runtime.session import check_default_lakehouse

    _attach(monkeypatch, ATTACHED, PermissionError("403"))
    assert check_default_lakehouse() == "Config"
    assert "not checking that it has schemas enabled" in capsys.readouterr().out


def test_locally_there_is_nothing_to_check(monkeypatch):
    from ingen_fab.runtime.session import check_default_lakehouse

    monkeypatch.setenv("INGEN_FAB_FORCE_LOCAL", "1")
    assert check_default_lakehouse() is None
