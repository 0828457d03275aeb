"""The only place a Jinja environment is made: StrictUndefined, literal filters, clear errors."""

from __future__ import annotations

from pathlib import Path

from ingen_fab.errors import CompileError


def templates_dir() -> Path:
    """Shipped templates: inside the installed package, or the repository's templates/."""
    packaged = Path(__file__).resolve().parent.parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def py_literal(value) -> str:
    """A Python literal for value (str, int, float, bool, None, list, tuple, dict)."""
    return repr(value)


def py_source_literal(text: str) -> str:
    """A readable Python literal holding source code: r'''...''' when safe, else repr()."""
    if "'''" not in text and not text.endswith("\\") and "\r" not in text:
        return "r'''" + text + "'''"
    return repr(text)


def make_environment(extra_globals: dict | None = None):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(py=py_literal, py_source=py_source_literal)
    env.globals.update(extra_globals or {})
    return env


def render_template(name: str, context: dict, extra_globals: dict | None = None) -> str:
    """Render a shipped template (templates/<name>)."""
    env = make_environment(extra_globals)
    try:
        return env.get_template(name).render(**context)
    except CompileError:
        raise
    except Exception as exc:
        raise CompileError(_describe(exc, f"templates/{name}")) from None


def render_source(source: str, filename: str, context: dict, extra_globals: dict | None = None) -> str:
    """Render a user source file (e.g. a ddl script) given as text; errors name file and line."""
    env = make_environment(extra_globals)
    try:
        return env.from_string(source).render(**context)
    except CompileError:
        raise
    except Exception as exc:
        raise CompileError(_describe(exc, filename)) from None


def _describe(exc: Exception, filename: str) -> str:
    import jinja2

    line = getattr(exc, "lineno", None)
    if line is None:
        line = _template_line(exc)
    where = f"{filename}:{line}" if line else filename
    if isinstance(exc, jinja2.UndefinedError):
        return f"{where}: undefined variable: {exc.message}; define it in the environment file or the template context"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{where}: template syntax error: {exc.message}"
    return f"{where}: {exc.__class__.__name__}: {exc}"


def _template_line(exc: Exception) -> int | None:
    """The template line of a runtime rendering error, from the traceback."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in ("<template>",) or tb.tb_frame.f_globals.get("__jinja_template__"):
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return None
    return line


__all__ = [
    "make_environment",
    "py_literal",
    "py_source_literal",
    "render_source",
    "render_template",
    "templates_dir",
]
