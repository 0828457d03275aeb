"""Finding source files: the one glob dialect and date-range-pruned folder walks.

Glob dialect (the same locally and in Fabric), matched against the path below the date
folder (date_partitioned) or below source_file_path (wildcard_pattern), with ``/`` separators:
``**`` any number of folders (also none), ``*`` any characters except ``/``, ``?`` one
character except ``/``, ``[abc]`` / ``[!abc]`` a character class. Matching is case-sensitive.
Names starting with ``.`` or ``_`` are ignored (as Spark ignores them). No pattern = every file.

Links: a walk follows a link to a file or folder inside the lakehouse Files folder (the
listing leaves out dangling links and links to anywhere else, see filesystem.LocalFileSystem),
and never enters a folder it is already in, so a link loop ends.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass

from .filesystem import Location

_NAME_DATE = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")
_DASHED = re.compile(r"^(?:[^=]*=)?(\d{4})-(\d{2})-(\d{2})$")
_COMPACT = re.compile(r"^(?:[^=]*=)?(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class SourceFile:
    display_path: str
    spark_path: str
    list_path: str
    rel_path: str
    date: _dt.date | None
    size: int
    mtime: _dt.datetime | None


def glob_regex(pattern: str | None) -> re.Pattern:
    """Compile a pattern of the dialect above into an anchored regular expression."""
    pattern = (pattern or "**").strip().lstrip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def name_date(name: str) -> _dt.date | None:
    """The last YYYYMMDD or YYYY-MM-DD date in a file name, or None."""
    for match in reversed(list(_NAME_DATE.finditer(name))):
        parsed = _to_date(match.group(1), match.group(3), match.group(4))
        if parsed:
            return parsed
    return None


def _to_date(y, m, d) -> _dt.date | None:
    try:
        return _dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _in_range(value, lo, hi) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def _walk_files(loc: Location, regex, prefix: str = "", chain: frozenset = frozenset()):
    """(rel_path, Entry) of every file below loc whose rel path matches regex.

    chain holds the real paths of the folders the walk is in (and of the source folder): a
    link to one of them or to a folder above one (a loop) is not walked.
    """
    real = loc.fs.real(loc.list_path)
    if any(_within(folder, real) for folder in chain):
        return
    chain = chain | {real}
    for entry in loc.fs.ls(loc.list_path):
        if _hidden(entry.name):
            continue
        rel = f"{prefix}{entry.name}"
        if entry.is_dir:
            yield from _walk_files(loc.child(entry.name), regex, rel + "/", chain)
        elif regex.match(rel):
            yield rel, entry


def _within(path: str, folder: str) -> bool:
    """True when path is folder or below it."""
    return path == folder or path.startswith((folder.rstrip("/\\") + "/", folder + os.sep))


def _dirs(loc: Location):
    return [e for e in loc.fs.ls(loc.list_path) if e.is_dir and not _hidden(e.name)]


def date_folders(loc: Location, fmt: str, lo, hi):
    """(date, relative folder) for each date folder in [lo, hi]; prunes years and months."""
    if fmt == "YYYY/MM/DD":
        for year in _dirs(loc):
            if not (len(year.name) == 4 and year.name.isdigit()):
                continue
            y = int(year.name)
            if (lo and y < lo.year) or (hi and y > hi.year):
                continue
            for month in _dirs(loc.child(year.name)):
                if not (len(month.name) == 2 and month.name.isdigit()):
                    continue
                ym = (y, int(month.name))
                if (lo and ym < (lo.year, lo.month)) or (hi and ym > (hi.year, hi.month)):
                    continue
                for day in _dirs(loc.child(f"{year.name}/{month.name}")):
                    when = _to_date(year.name, month.name, day.name) if len(day.name) == 2 else None
                    if when and _in_range(when, lo, hi):
                        yield when, f"{year.name}/{month.name}/{day.name}"
        return
    regex = _DASHED if fmt == "YYYY-MM-DD" else _COMPACT
    for folder in _dirs(loc):
        match = regex.match(folder.name)
        when = _to_date(*match.groups()) if match else None
        if when and _in_range(when, lo, hi):
            yield when, folder.name


def _source(loc: Location, rel: str, entry, when) -> SourceFile:
    child = loc.child(rel)
    return SourceFile(
        child.display_path, child.spark_path, child.list_path, rel, when, entry.size, entry.mtime
    )


def discover(cfg, loc: Location, lo=None, hi=None, skip_dates=frozenset()) -> list[SourceFile]:
    """Source files of a config within [lo, hi]; date folders in skip_dates are not listed."""
    regex = glob_regex(cfg.file_discovery_pattern)
    found: list[SourceFile] = []
    if cfg.import_pattern == "single_file":
        entry = loc.fs.stat(loc.list_path)
        when = name_date(entry.name)
        parent = Location(loc.list_path, loc.spark_path, loc.display_path, loc.fs)
        found.append(
            SourceFile(
                parent.display_path,
                parent.spark_path,
                parent.list_path,
                entry.name,
                when,
                entry.size,
                entry.mtime,
            )
        )
    elif cfg.import_pattern == "date_partitioned" and cfg.date_partition_format != "filename":
        source = frozenset({loc.fs.real(loc.list_path)})
        for when, folder in date_folders(loc, cfg.date_partition_format, lo, hi):
            if when in skip_dates:
                continue
            for rel, entry in _walk_files(loc.child(folder), regex, chain=source):
                found.append(_source(loc, f"{folder}/{rel}", entry, when))
    else:
        dated = cfg.import_pattern == "date_partitioned"
        for rel, entry in _walk_files(loc, regex):
            when = name_date(entry.name)
            if dated and when is None:
                continue
            found.append(_source(loc, rel, entry, when))
    kept = [f for f in found if f.date is None or _in_range(f.date, lo, hi)]
    kept = [f for f in kept if f.date is None or f.date not in skip_dates]
    return sorted(kept, key=lambda f: (f.date or _dt.date.min, f.display_path))
