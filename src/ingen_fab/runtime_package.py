"""The runtime as a wheel, and the Fabric Environment item that carries it.

`ingen_fab package runtime build` writes `dist/ingen_fab_runtime-<version>+<hash>-py3-none-any.whl`:
every module of src/ingen_fab/runtime as the `ingen_fab_runtime` package, the same code a
notebook embeds, with its build id set. The wheel is written byte for byte the same from the
same sources on any machine (sorted entries, fixed timestamps and system, no compression),
so a recompile changes nothing.

Notebooks compiled with `--runtime environment` import that package instead of embedding it,
and are attached to the `ingen_fab_runtime.Environment` item written beside them
(`Libraries/CustomLibraries/<wheel>`, `Setting/Sparkcompute.yml`), which `ingen_fab deploy`
publishes first.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import zipfile
from pathlib import Path

from ingen_fab.notebooks.fabric_format import PLATFORM_SCHEMA
from ingen_fab.notebooks.writing import write_text_if_changed
from ingen_fab.runtime_embed import (
    EMBEDDED_PACKAGE,
    ENVIRONMENT_ITEM,
    environment_id,
    runtime_id,
    runtime_modules,
)

ITEM_DIR = f"{ENVIRONMENT_ITEM}.Environment"
LIBRARIES = "Libraries/CustomLibraries"
# The Fabric runtime the Environment selects; the wheel itself runs on 1.3 and 2.0 alike.
SPARK_RUNTIME = "1.3"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def environment_logical_id() -> str:
    return environment_id("environment")


def uses_environment(folder: Path) -> bool:
    """Whether a generated notebook under folder is attached to the runtime Environment."""
    return any(environment_logical_id() in p.read_text(encoding="utf-8")
               for p in Path(folder).rglob("notebook-content.*"))


def wheel_version() -> str:
    """The build id as a PEP 440 version: <version>+<12 hex of the runtime's sources>."""
    return runtime_id()


def wheel_name() -> str:
    return f"{EMBEDDED_PACKAGE}-{wheel_version()}-py3-none-any.whl"


def wheel_bytes() -> bytes:
    """The wheel: the runtime modules, the build id in the package, and its dist-info."""
    files: dict[str, bytes] = {}
    for module in runtime_modules():
        source = module.source
        if module.name == EMBEDDED_PACKAGE:
            source += f"\nRUNTIME_ID = {runtime_id()!r}  # the build, set by the wheel build\n"
        files[module.filename] = source.encode("utf-8")
    info = f"{EMBEDDED_PACKAGE}-{wheel_version()}.dist-info"
    files[f"{info}/METADATA"] = "\n".join([
        "Metadata-Version: 2.1",
        f"Name: {EMBEDDED_PACKAGE}",
        f"Version: {wheel_version()}",
        "Summary: ingen_fab's notebook runtime (standard library, pyspark and delta only)",
        "Requires-Python: >=3.11",
        "",
    ]).encode("utf-8")
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: ingen_fab\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n")
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in sorted(files.items())]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode("utf-8")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            entry = zipfile.ZipInfo(path, date_time=_EPOCH)
            entry.compress_type = zipfile.ZIP_STORED  # deflate output varies with the zlib build
            entry.create_system = 3  # the same on every OS
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[path])
    return buffer.getvalue()


def build_wheel(out_dir: Path) -> Path:
    """Write the wheel into out_dir (created); its path."""
    path = Path(out_dir) / wheel_name()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = wheel_bytes()
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def sparkcompute_yml(spark_runtime: str = SPARK_RUNTIME) -> str:
    """The Environment's compute settings: Fabric's medium-node defaults and the runtime."""
    return (
        "enable_native_execution_engine: false\n"
        "driver_cores: 8\ndriver_memory: 56g\nexecutor_cores: 8\nexecutor_memory: 56g\n"
        "dynamic_executor_allocation:\n  enabled: true\n  min_executors: 1\n  max_executors: 9\n"
        f"runtime_version: {spark_runtime}\n"
    )


def write_environment_item(out_root: Path, mode: str) -> list[str]:
    """Environment mode: write the Environment item (wheel, settings, .platform). Embedded
    mode: remove the item once no generated notebook is attached to it."""
    import json

    from ingen_fab.output import FABRIC_DIR

    fabric = Path(out_root) / FABRIC_DIR
    item = fabric / ITEM_DIR
    if mode != "environment":
        if item.is_dir() and not uses_environment(fabric):
            shutil.rmtree(item)
        return []
    platform = {
        "$schema": PLATFORM_SCHEMA,
        "metadata": {"type": "Environment", "displayName": ENVIRONMENT_ITEM,
                     "description": "ingen_fab's notebook runtime as a wheel"},
        "config": {"version": "2.0", "logicalId": environment_logical_id()},
    }
    write_text_if_changed(item / ".platform", json.dumps(platform, indent=2) + "\n")
    write_text_if_changed(item / "Setting" / "Sparkcompute.yml", sparkcompute_yml())
    libraries = item / LIBRARIES
    wheel = build_wheel(libraries)
    for stale in libraries.glob("*.whl"):
        if stale != wheel:
            stale.unlink()
    return [ITEM_DIR]
