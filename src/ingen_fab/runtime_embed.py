"""Embed the runtime package into a notebook cell, so generated notebooks carry their code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingen_fab import __version__
from ingen_fab.errors import CompileError
from ingen_fab.templating import render_template

EMBEDDED_PACKAGE = "ingen_fab_runtime"
_FORBIDDEN_IMPORTS = ("import ingen_fab.", "from ingen_fab.", "from ingen_fab ", "import ingen_fab\n")


@dataclass(frozen=True)
class RuntimeModule:
    name: str
    is_package: bool
    source: str


def runtime_modules() -> list[RuntimeModule]:
    """Every module of src/ingen_fab/runtime, named under ingen_fab_runtime, sorted."""
    root = Path(__file__).resolve().parent / "runtime"
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
    return modules


def runtime_cell_source() -> str:
    """Source of the code cell that makes ingen_fab_runtime importable inside a notebook."""
    return render_template(
        "notebooks/runtime_embed.py.jinja",
        {"modules": runtime_modules(), "version": __version__},
    ).rstrip("\n")
