"""Embed the runtime package into a notebook cell, so generated notebooks carry their code.

A notebook embeds only the modules its own code imports (and what those import, and their
parent packages), each registered under a file name of its own so a traceback shows the
failing line. Every notebook also carries the runtime's identity, "<version>+<content hash>"
of the whole runtime package, which the runtime writes into its log rows: notebooks deployed
from different builds show in the logs.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ingen_fab import __version__
from ingen_fab.errors import CompileError
from ingen_fab.templating import render_template

EMBEDDED_PACKAGE = "ingen_fab_runtime"
# How a notebook gets the runtime: embedded in a cell (default), or from a Fabric Environment
# item carrying the runtime as a wheel (runtime_package.py).
RUNTIME_MODES = ("embedded", "environment")
ENVIRONMENT_ITEM = "ingen_fab_runtime"
RUNTIME_ROOT = Path(__file__).resolve().parent / "runtime"
_FORBIDDEN_IMPORTS = ("import ingen_fab.", "from ingen_fab.", "from ingen_fab ", "import ingen_fab\n")


@dataclass(frozen=True)
class RuntimeModule:
    name: str
    is_package: bool
    source: str

    @property
    def filename(self) -> str:
        """The name tracebacks show: the module's path in the runtime package."""
        path = self.name.replace(".", "/")
        return f"{path}/__init__.py" if self.is_package else f"{path}.py"

    def imports(self, known) -> set[str]:
        """Names of runtime modules this module imports (anywhere in it), among known."""
        package = self.name if self.is_package else self.name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(self.source)):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(package, node.level, node.module)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        return {name for name in found if name in known}


def _absolute(package: str, level: int, module: str | None) -> str:
    if not level:
        return module or ""
    parts = package.split(".")
    parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts + ([module] if module else []))


def runtime_modules() -> tuple[RuntimeModule, ...]:
    """Every module of src/ingen_fab/runtime, named under ingen_fab_runtime, sorted."""
    root = RUNTIME_ROOT
    modules = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join([EMBEDDED_PACKAGE, *parts])
        source = path.read_text(encoding="utf-8")
        for forbidden in _FORBIDDEN_IMPORTS:
            if forbidden in source:
                raise CompileError(
                    f"{path}: runtime code must import siblings relatively, not {forbidden.strip()!r}"
                )
        modules.append(RuntimeModule(name, is_package, source))
    return tuple(modules)


def runtime_id() -> str:
    """"<version>+<12 hex>": the package version and a hash of every runtime module's source
    (the id the installed runtime gives itself, runtime.identity)."""
    from ingen_fab.runtime.identity import sources_digest

    return f"{__version__}+{sources_digest(str(RUNTIME_ROOT))}"


def modules_for(code: str) -> list[RuntimeModule]:
    """The runtime modules code (a notebook's own cells) needs: what it imports from
    ingen_fab_runtime, what those import in turn, and every parent package on the way."""
    modules = runtime_modules()
    by_name = {m.name: m for m in modules}
    wanted = sorted(RuntimeModule(f"{EMBEDDED_PACKAGE}.__notebook__", False, code).imports(by_name))
    needed: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in needed:
            continue
        needed.add(name)
        parent = name.rpartition(".")[0]
        wanted += [parent] if parent else []
        wanted += sorted(by_name[name].imports(by_name))
    return [m for m in modules if m.name in needed]


def runtime_cell_source(code: str, mode: str = "embedded") -> str:
    """Source of the code cell that makes the ingen_fab_runtime modules code imports
    importable inside a notebook: embedded in the cell, or (mode "environment") from the
    wheel of the Environment the notebook is attached to, checked to be the same build."""
    if mode == "environment":
        return render_template(
            "notebooks/runtime_environment.py.jinja",
            {"runtime_id": runtime_id(), "environment": ENVIRONMENT_ITEM},
        ).rstrip("\n")
    if mode != "embedded":
        raise CompileError(f"--runtime {mode}: use one of {', '.join(RUNTIME_MODES)}")
    return render_template(
        "notebooks/runtime_embed.py.jinja",
        {"modules": modules_for(code), "runtime_id": runtime_id()},
    ).rstrip("\n")


def environment_id(mode: str) -> str | None:
    """The logicalId of the Environment item a notebook compiled in mode is attached to."""
    if mode != "environment":
        return None
    from ingen_fab.notebooks.fabric import logical_id_for

    return logical_id_for(f"{ENVIRONMENT_ITEM}.Environment")


def attached(notebook, mode: str):
    """notebook attached to the runtime Environment in mode "environment" (an orchestrator
    too: the notebooks it runs share its session, so they see only its environment)."""
    import dataclasses

    found = environment_id(mode)
    return notebook if found is None else dataclasses.replace(notebook, environment_id=found)
