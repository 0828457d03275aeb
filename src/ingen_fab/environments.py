"""Per-environment variables (workspace, lakehouse and warehouse ids): environments/<name>.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ingen_fab.errors import CompileError

ENVIRONMENTS_DIR = "environments"


def load_environment(project_root: Path, name: str) -> dict:
    """The variables of one environment, with `name` added."""
    path = Path(project_root) / ENVIRONMENTS_DIR / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.toml"))
        raise CompileError(f"{path}: no such environment file; known environments: {', '.join(known) or 'none'}")
    try:
        variables = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CompileError(f"{path}: invalid TOML: {exc}") from None
    variables["name"] = name
    variables["_file"] = str(path.relative_to(project_root))
    return variables


def require(env: dict, *keys: str) -> str:
    """env[k1][k2]... or a CompileError naming the missing variable and the file."""
    node = env
    for i, key in enumerate(keys):
        if not isinstance(node, dict) or key not in node:
            dotted = ".".join(keys[: i + 1])
            raise CompileError(
                f"{env.get('_file', 'environment')}: variable {dotted} is missing; "
                f"add it to the {env.get('name')} environment file"
            )
        node = node[key]
    return str(node)
