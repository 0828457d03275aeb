"""Notebook parameters as they arrive: Python values from papermill and `notebookutils.notebook.run`,
strings from a Fabric Data Pipeline's notebook activity ("False", "0", "").

A pipeline passes every parameter as text, so `bool("False")` would be True; these read a value
the same way whichever caller sent it, and a value they cannot read stops the notebook with one
line naming the parameter and what it accepts.
"""

from __future__ import annotations

from .errors import UserError

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "off", "", "none", "null"})


class ParameterError(UserError):
    """A notebook parameter holds a value of the wrong kind."""


def as_bool(name: str, value) -> bool:
    """True/False from a bool, a number or a word (true/false, 1/0, yes/no, on/off; "" = False)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ParameterError(f"parameter {name}: {value!r} is not a boolean; pass true or false")


REQUIRED = object()


def as_int(name: str, value, default=REQUIRED) -> int | None:
    """An integer from an int or its text; "3.0" is 3, "3.5" an error. An empty value ("",
    None) is default, or an error when the parameter has no default."""
    if isinstance(value, bool):
        raise ParameterError(f"parameter {name}: {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if as_text(value) is None:
        if default is REQUIRED:
            raise ParameterError(f"parameter {name} is empty; pass a whole number")
        return default
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not number.is_integer():
        raise ParameterError(f"parameter {name}: {value!r} is not a whole number")
    return int(number)


def as_text(value) -> str | None:
    """Stripped text, or None for None, "" and the words none/null a pipeline may send."""
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text.lower() in ("none", "null") else text
