"""The in-memory notebook model every writer renders: cells, kernel and default data stores.

A `Notebook` is validated when it is built and again by each writer (its `cells` list is
mutable), so a writer never has to guess what an invalid notebook should look like.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingen_fab.errors import CompileError

KINDS = ("markdown", "code", "parameters")
LANGUAGES = ("python", "sparksql", "tsql")
KERNELS = ("synapse_pyspark", "python", "sqldatawarehouse")

# Characters Windows, OneLake or Fabric git integration refuse in an item folder name.
_FORBIDDEN_NAME_CHARS = set('\\/:*?"<>|')
_MAX_NAME_LENGTH = 256


@dataclass(frozen=True)
class Cell:
    """One notebook cell; `language` is ignored for markdown cells."""

    kind: str
    source: str
    language: str = "python"


@dataclass(frozen=True)
class LakehouseRef:
    """The default lakehouse of a PySpark or Python notebook."""

    id: str
    name: str
    workspace_id: str


@dataclass(frozen=True)
class WarehouseRef:
    """The default warehouse of a T-SQL notebook (Fabric's git format stores only its id)."""

    id: str
    name: str


@dataclass
class Notebook:
    """A notebook ready to be rendered to the Fabric git format or to .ipynb."""

    display_name: str
    kernel: str
    cells: list[Cell]
    description: str = ""
    default_lakehouse: LakehouseRef | None = None
    default_warehouse: WarehouseRef | None = None
    environment_id: str | None = None  # logicalId of the Environment item it is attached to

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise CompileError, naming the notebook, if it cannot be rendered faithfully."""
        problem = _name_problem(self.display_name)
        if problem:
            raise CompileError(f"notebook {self.display_name!r}: display_name {problem}")
        for problem in _notebook_problems(self):
            raise CompileError(f"notebook {self.display_name!r}: {problem}")


def _name_problem(name: object) -> str:
    """Why `name` cannot be a `<name>.Notebook` folder, or "" if it can."""
    if not isinstance(name, str) or not name.strip():
        return "must be a non-empty string"
    if name != name.strip():
        return "must not start or end with whitespace"
    if name in (".", "..") or name.endswith("."):
        return "must not be '.' or '..' or end with '.'"
    if len(name) > _MAX_NAME_LENGTH:
        return f"must be at most {_MAX_NAME_LENGTH} characters"
    bad = sorted({ch for ch in name if ch in _FORBIDDEN_NAME_CHARS or ord(ch) < 32})
    if bad:
        return f"contains characters not allowed in a folder name: {''.join(bad)!r}"
    return ""


def _notebook_problems(nb: Notebook) -> list[str]:
    if nb.kernel not in KERNELS:
        return [f"unknown kernel {nb.kernel!r}; expected one of {', '.join(KERNELS)}"]
    problems = [_store_problem(nb)]
    parameters = 0
    for index, cell in enumerate(nb.cells):
        if not isinstance(cell, Cell):
            problems.append(f"cell {index} is a {type(cell).__name__}, not a Cell")
            continue
        parameters += cell.kind == "parameters"
        problems.append(_cell_problem(nb.kernel, index, cell))
    if parameters > 1:
        problems.append(f"has {parameters} parameters cells; a notebook may have at most one")
    return [problem for problem in problems if problem]


def _store_problem(nb: Notebook) -> str:
    if nb.kernel == "sqldatawarehouse" and nb.default_lakehouse is not None:
        return "a sqldatawarehouse notebook takes a default_warehouse, not a default_lakehouse"
    if nb.kernel != "sqldatawarehouse" and nb.default_warehouse is not None:
        return f"a {nb.kernel} notebook takes a default_lakehouse, not a default_warehouse"
    return ""


def _cell_problem(kernel: str, index: int, cell: Cell) -> str:
    where = f"cell {index} ({cell.kind})"
    if cell.kind not in KINDS:
        return f"cell {index} has unknown kind {cell.kind!r}; expected one of {', '.join(KINDS)}"
    if not isinstance(cell.source, str):
        return f"{where} source must be a string"
    if "\r" in cell.source:
        return f"{where} source contains a carriage return; use LF line endings"
    if cell.kind == "markdown":
        return ""
    if cell.language not in LANGUAGES:
        return f"{where} has unknown language {cell.language!r}"
    if kernel == "sqldatawarehouse" and cell.language != "tsql":
        return f"{where} is {cell.language}; a sqldatawarehouse notebook holds only tsql cells"
    if kernel != "sqldatawarehouse" and cell.language == "tsql":
        return f"{where} is tsql; tsql cells belong only in sqldatawarehouse notebooks"
    if kernel == "python" and cell.language == "sparksql":
        return f"{where} is sparksql; a python notebook has no Spark session"
    if cell.kind == "parameters" and cell.language != "python":
        return f"{where} must be python: pipelines override parameters as Python variables"
    return ""
