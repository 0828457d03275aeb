"""Faults injected on purpose: the catalogue of kinds, the profiles and their settings.

A profile switches each kind on or off and sets two rates: ``row_rate`` (the share of a file's
rows that carry a row fault) and ``file_rate`` (the chance that a table's file of a day carries
a file fault). Schema drift kinds happen once per series each, on one table, from a day fixed
by the seed. ``none`` (the default) injects nothing: the output is the clean series byte for
byte. A profile may also be a TOML file::

    based_on = "realistic"            # optional: start from a named profile
    row_rate = 0.002                  # optional
    file_rate = 0.05                  # optional
    [kinds]                           # optional: switch kinds on (true) or off (false)
    late_file = true
    bad_encoding = false

Every decision is drawn from a stream keyed by (seed, table, day) or (seed, kind), apart from
the world's own streams, so faults never change the clean data beneath them and a series
written in parts holds the same files as one written at once.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass

from ingen_fab.errors import SyntheticDataError

ROW, FILE, SCHEMA = "row", "file", "schema"
FIELD_COUNT, UNPARSABLE, ENCODING = "field_count", "unparsable", "encoding"


@dataclass(frozen=True)
class Kind:
    name: str
    scope: str  # row | file | schema
    does: str  # what the generator writes
    loader: str  # what a correct loader does with it
    reason: str = ""  # the reason class of the rows a correct loader rejects ("" = none)


KINDS = (
    Kind("extra_field", ROW, "a row with one field too many",
         "rejects the row", FIELD_COUNT),
    Kind("missing_field", ROW, "a row with one field too few",
         "rejects the row", FIELD_COUNT),
    Kind("bad_number", ROW, "an unparsable value (N/A, 12..5, #VALUE!) in a numeric column",
         "rejects the row", UNPARSABLE),
    Kind("bad_date", ROW, "a date written day first (31/01/2024) in a date column",
         "rejects the row", UNPARSABLE),
    Kind("bad_encoding", ROW, "a text value ending in a Windows-1252 byte, not UTF-8",
         "rejects the row", ENCODING),
    Kind("quoted_field", ROW,
         "a text value holding the delimiter, a line break and doubled quotes, quoted as "
         "RFC 4180 says (valid CSV)", "loads the row with the value exactly"),
    Kind("duplicate_key", ROW,
         "an extra row just before a row, with the same key and another value",
         "keeps the later row in a keyed write (file order); append keeps both"),
    Kind("repeated_key", ROW,
         "an extra row just before a row, with another value and an earlier day's key: "
         "a date key the day before, else an id below the file's highest it does not hold "
         "(a file holding every id gets a duplicate_key instead)",
         "keeps the latest date's row in a keyed write; append keeps both"),
    Kind("header_only", FILE, "the table's file of the day holds only its header",
         "loads no row of that day and says so"),
    Kind("empty_file", FILE, "the table's file of the day is 0 bytes",
         "loads no row of that day and says so"),
    Kind("bom", FILE, "the file starts with a UTF-8 byte order mark",
         "loads every row; the first column keeps its name"),
    Kind("crlf", FILE, "the file ends its lines with CR LF",
         "loads every row; no value ends in a carriage return"),
    Kind("late_file", FILE,
         "the file is written into its date's folder 1 to 3 days later (the day it arrives "
         "is recorded)", "loads it once it arrives, though its date was loaded before"),
    Kind("late_part", FILE,
         "the day's rows split in two files: the second (<table>_YYYYMMDD_part2.csv) lands in "
         "the date's folder 1 to 3 days later, after the date was loaded",
         "loads the second part once it arrives (late_arrival_days)"),
    Kind("missing_day", FILE, "the table's file of the day is never written",
         "reports the date as missing"),
    Kind("duplicate_delivery", FILE,
         "the same file again under a second name (<table>_YYYYMMDD_resent.csv)",
         "loads the content once and says which file it skipped"),
    Kind("new_column", SCHEMA, "a new column (source_system) from one date on",
         "follows its schema policy: add the column, fail, or rescue it"),
    Kind("dropped_column", SCHEMA, "one column missing from the files of two days",
         "loads NULL in that column and says so"),
    Kind("renamed_column", SCHEMA, "one column under another name (<column>_v2) for two days",
         "does not load the renamed column into the old one"),
)
BY_NAME = {kind.name: kind for kind in KINDS}
_REALISTIC_OFF = {"renamed_column", "dropped_column", "empty_file"}
PROFILES = {
    "none": {"row_rate": 0.0, "file_rate": 0.0, "kinds": {}},
    "realistic": {
        "row_rate": 0.001,
        "file_rate": 0.03,
        "kinds": {k.name: k.name not in _REALISTIC_OFF for k in KINDS},
    },
    "hostile": {"row_rate": 0.01, "file_rate": 0.15, "kinds": {k.name: True for k in KINDS}},
}
LATE_DAYS = (1, 3)  # a late file arrives this many days after its date (inclusive range)
DRIFT_FIRST_DAY = (2, 12)  # a drift starts this many days after the epoch (inclusive range)
DRIFT_DAYS = 2  # dropped and renamed columns last this many days


@dataclass(frozen=True)
class Profile:
    name: str
    row_rate: float
    file_rate: float
    kinds: frozenset

    def enabled(self, scope: str) -> list[str]:
        return [k.name for k in KINDS if k.scope == scope and k.name in self.kinds]

    @property
    def active(self) -> bool:
        return bool(self.kinds) and (self.row_rate > 0 or self.file_rate > 0 or
                                     bool(self.enabled(SCHEMA)))

    def pin(self) -> dict:
        """What the output manifest pins, so a later run into the folder uses the same faults."""
        return {
            "profile": self.name,
            "row_rate": self.row_rate,
            "file_rate": self.file_rate,
            "kinds": sorted(self.kinds),
        }


def load_profile(spec: str, fault_rate: float | None = None) -> Profile:
    """The profile named ``spec`` (none, realistic, hostile) or read from the TOML file
    ``spec``; ``fault_rate`` replaces its row rate."""
    if spec in PROFILES:
        settings, name = PROFILES[spec], spec
    elif spec.endswith(".toml") or os.path.isfile(spec):
        settings, name = _read_toml(spec), os.path.basename(spec)
    else:
        raise SyntheticDataError(
            f"unknown --faults '{spec}': choose none, realistic, hostile or a .toml profile file"
        )
    row_rate = settings["row_rate"] if fault_rate is None else fault_rate
    for label, rate in (("row rate", row_rate), ("file_rate", settings["file_rate"])):
        if not 0.0 <= rate <= 1.0:
            raise SyntheticDataError(
                f"--faults {spec}: {label} {rate} is not between 0 and 1: give a share, "
                "e.g. 0.01"
            )
    kinds = frozenset(name for name, on in settings["kinds"].items() if on)
    return Profile(name, float(row_rate), float(settings["file_rate"]), kinds)


def _read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SyntheticDataError(f"cannot read fault profile {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SyntheticDataError(f"fault profile {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"based_on", "row_rate", "file_rate", "kinds"})
    if unknown:
        raise SyntheticDataError(
            f"fault profile {path}: unknown key {unknown[0]}: use based_on, row_rate, "
            "file_rate or [kinds]"
        )
    base = data.get("based_on", "none")
    if base not in PROFILES:
        raise SyntheticDataError(
            f"fault profile {path}: based_on '{base}' is not none, realistic or hostile"
        )
    kinds = dict(PROFILES[base]["kinds"])
    for name, on in data.get("kinds", {}).items():
        if name not in BY_NAME or not isinstance(on, bool):
            raise SyntheticDataError(
                f"fault profile {path}: [kinds] {name} = {on!r} is not a known kind set to "
                "true or false (see: ingen_fab package synthetic-data faults list)"
            )
        kinds[name] = on
    settings = {**PROFILES[base], **{k: data[k] for k in ("row_rate", "file_rate") if k in data}}
    for key in ("row_rate", "file_rate"):
        if isinstance(settings[key], bool) or not isinstance(settings[key], int | float):
            raise SyntheticDataError(f"fault profile {path}: {key} must be a number")
    return {**settings, "kinds": kinds}


def stream(seed: int, *parts) -> object:
    """A numpy random generator keyed by the seed and ``parts`` (strings or integers), apart
    from the world's streams."""
    import numpy as np

    words = [seed, 0xFA175]
    for part in parts:
        if isinstance(part, str):
            part = int.from_bytes(hashlib.sha256(part.encode()).digest()[:4], "big")
        words.append(part)
    return np.random.default_rng(words)


@dataclass(frozen=True)
class Drift:
    """One schema drift of a series: its kind, table, column and the days it covers."""

    kind: str
    table: str
    column: str  # the column added, dropped or renamed
    first: int  # day number (days since 1970-01-01) it starts
    last: int | None  # the last day it holds (None: to the end)

    def covers(self, day: int) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)

    @property
    def renamed_to(self) -> str:
        return f"{self.column}_v2"


def drifts(profile: Profile, seed: int, epoch_day: int, tables) -> list[Drift]:
    """The schema drifts of a series: each enabled kind once, on a table chosen by the seed."""
    found = []
    for name in profile.enabled(SCHEMA):
        rng = stream(seed, "drift", name)
        table = tables[int(rng.integers(len(tables)))]
        first = epoch_day + int(rng.integers(DRIFT_FIRST_DAY[0], DRIFT_FIRST_DAY[1] + 1))
        if name == "new_column":
            found.append(Drift(name, table.name, "source_system", first, None))
            continue
        candidates = [c for c, _ in table.columns[1:] if c not in table.keys]
        column = candidates[int(rng.integers(len(candidates)))]
        found.append(Drift(name, table.name, column, first, first + DRIFT_DAYS - 1))
    return found
