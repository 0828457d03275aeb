"""A stand-in for the Fabric REST API on 127.0.0.1: the calls a deployment makes, recorded.

It keeps a workspace's folders and items in memory, answers the documented shapes (create item
201 with its new id, update definition 200, list items/folders, a lakehouse's SQL endpoint
provisioned), and records every request with its JSON body. A request it does not know gets
404 and lands in `unknown`, so a test sees any call it did not expect.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-fabric-token"


class StaticCredential:
    """An azure TokenCredential that hands out one fixed token."""

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(TOKEN, 4_102_444_800)  # 2100-01-01


@dataclass
class Call:
    method: str
    path: str
    body: dict | None


@dataclass
class FakeFabric:
    workspace_id: str
    calls: list[Call] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    unauthorised: list[str] = field(default_factory=list)
    items: dict[str, dict] = field(default_factory=dict)  # id -> item
    folders: dict[str, dict] = field(default_factory=dict)
    definitions: dict[str, list[dict]] = field(default_factory=dict)  # id -> last parts
    published_environments: list[str] = field(default_factory=list)  # ids, in order

    def environment_state(self, item_id: str) -> str:
        """An Environment publishes at once: Success after its publish call, else none yet."""
        return "Success" if item_id in self.published_environments else ""

    def serve(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw.strip() else None
                if isinstance(body, str):  # fabric-cicd sends "{}" as a JSON string on GETs
                    body = None
                path = self.path.split("?")[0]
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    fake.unauthorised.append(f"{self.command} {path}")
                    return self._send(401, {"errorCode": "Unauthorized"})
                fake.calls.append(Call(self.command, self.path, body))
                status, payload = fake.route(self.command, path, body)
                if status == 404:
                    fake.unknown.append(f"{self.command} {self.path}")
                self._send(status, payload)

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def route(self, method: str, path: str, body):
        ws = f"/v1/workspaces/{self.workspace_id}"
        if method == "GET" and path == ws:
            return 200, {"id": self.workspace_id, "displayName": "ingen_fab_test",
                         "capacityId": "5f6a0b2e-0000-4000-8000-000000000001"}
        if method == "GET" and path == f"{ws}/folders":
            return 200, {"value": list(self.folders.values())}
        if method == "POST" and path == f"{ws}/folders":
            folder = {"id": str(uuid.uuid4()), "displayName": body["displayName"],
                      "workspaceId": self.workspace_id}
            if body.get("parentFolderId"):
                folder["parentFolderId"] = body["parentFolderId"]
            self.folders[folder["id"]] = folder
            return 201, folder
        if method == "GET" and path == f"{ws}/items":
            return 200, {"value": list(self.items.values())}
        if method == "POST" and path == f"{ws}/items":
            item = {"id": str(uuid.uuid4()), "type": body["type"],
                    "displayName": body["displayName"], "description": body.get("description", ""),
                    "workspaceId": self.workspace_id}
            if body.get("folderId"):
                item["folderId"] = body["folderId"]
            self.items[item["id"]] = item
            if "definition" in body:
                self.definitions[item["id"]] = body["definition"]["parts"]
            return 201, item
        match = re.fullmatch(rf"{ws}/items/([0-9a-f-]+)(/updateDefinition|/move)?", path)
        if match and match.group(1) in self.items:
            item_id, action = match.groups()
            if method == "POST" and action == "/updateDefinition":
                self.definitions[item_id] = body["definition"]["parts"]
                return 200, {}
            if method == "POST" and action == "/move":
                self.items[item_id]["folderId"] = body["targetFolderId"]
                return 200, {}
            if method == "PATCH" and action is None:
                self.items[item_id].update({k: v for k, v in body.items() if k != "type"})
                return 200, self.items[item_id]
        if method == "GET" and path.rstrip("/") == f"{ws}/environments":
            return 200, {"value": [
                {**i, "properties": {"publishDetails": {"state": self.environment_state(i["id"])}}}
                for i in self.items.values() if i["type"] == "Environment"]}
        match = re.fullmatch(rf"{ws}/environments/([0-9a-f-]+)/staging/publish", path)
        if method == "POST" and match and match.group(1) in self.items:
            self.published_environments.append(match.group(1))
            return 202, {}
        match = re.fullmatch(rf"{ws}/(lakehouses|warehouses)/([0-9a-f-]+)", path)
        if method == "GET" and match and match.group(2) in self.items:
            endpoint = {"provisioningStatus": "Success", "id": str(uuid.uuid4()),
                        "connectionString": "fake.datawarehouse.fabric.microsoft.com"}
            props = ({"sqlEndpointProperties": endpoint} if match.group(1) == "lakehouses"
                     else {"connectionString": endpoint["connectionString"]})
            return 200, {**self.items[match.group(2)], "properties": props}
        return 404, {"errorCode": "NotFound", "message": f"{method} {path}"}

    def item(self, type_: str, name: str) -> dict:
        [found] = [i for i in self.items.values()
                   if i["type"] == type_ and i["displayName"] == name]
        return found

    def parts(self, type_: str, name: str) -> dict[str, str]:
        """The item's last definition, path -> decoded text (wheels left out)."""
        return {p["path"]: self.payload(type_, name, p["path"]).decode("utf-8")
                for p in self.definitions[self.item(type_, name)["id"]]
                if not p["path"].endswith(".whl")}

    def payload(self, type_: str, name: str, path: str) -> bytes:
        import base64

        [part] = [p for p in self.definitions[self.item(type_, name)["id"]] if p["path"] == path]
        assert part["payloadType"] == "InlineBase64"
        return base64.b64decode(part["payload"])

    def folder_path(self, folder_id: str | None) -> str:
        parts = []
        while folder_id:
            folder = self.folders[folder_id]
            parts.append(folder["displayName"])
            folder_id = folder.get("parentFolderId")
        return "/" + "/".join(reversed(parts))
