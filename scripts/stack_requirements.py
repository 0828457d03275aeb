"""Print the pinned requirements of a second stack: pyproject's dependencies and test extras,
with the pins [tool.ingen_fab.stacks.<name>] overrides (e.g. rt13: pyspark 3.5, Delta 3.2)."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def requirements(name: str, pyproject: Path) -> list[str]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    stacks = data.get("tool", {}).get("ingen_fab", {}).get("stacks", {})
    if name not in stacks:
        raise SystemExit(f"error: no stack {name!r} in {pyproject} (known: {', '.join(sorted(stacks))})")
    pins = dict(stacks[name])
    project = data["project"]
    out = []
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        package = re.split(r"[=<>!~ \[;]", requirement, maxsplit=1)[0]
        out.append(f"{package}=={pins.pop(package)}" if package in pins else requirement)
    if pins:
        raise SystemExit(f"error: stack {name!r} pins packages pyproject does not use: {sorted(pins)}")
    return out


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    print("\n".join(requirements(sys.argv[1], root / "pyproject.toml")))
