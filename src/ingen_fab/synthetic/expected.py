"""The known answers of a faulty series: its files as delivered and the facts beside them.

Layout: ``<root>/_expected/YYYY/MM/DD/<table>.json``, one JSON object per table and date
(written by the run that generates the date, so a series written in parts has the same facts
as one written at once):

- ``format_version``: 1.
- ``table``, ``date`` (YYYY-MM-DD), ``columns``: the header as written that day.
- ``files``: each file delivered for the date: ``path`` (relative to the root, ``/``
  separated), ``arrives`` (the day it appears; later than ``date`` for a late file or a late
  second part) and ``records`` (``[first, end)``: the truth records it holds; a second
  delivery holds the same as the first). An empty list: the file never came
  (``missing_day``).
- ``file_fault``: the file fault of the day (a kind of ``faults list``) or null.
- ``drifts``: the schema drifts in force (``kind``, ``column``, ``renamed_to``).
- ``rows``: the records of the day's faultless file (its truth; ``duplicate_key`` and
  ``repeated_key`` rows are extra, rejected rows are among them).
- ``row_faults``: per faulted row, ``kind``; ``file`` (the path of the file holding it) and
  ``line`` (the physical line of its record there, the header is line 1); ``record`` (its
  0-based index among the day's truth rows; an extra ``duplicate_key`` or ``repeated_key``
  row comes just before that record); ``reason`` (the reason class a correct loader rejects
  it for: field_count, unparsable, encoding; empty when it loads); ``column`` (where it
  applies); ``key`` (the row's key columns as text); ``row`` (the truth row in the declared
  column order as text, "" for NULL or a column the file lacks; for ``duplicate_key`` and
  ``repeated_key`` the extra row written before the real one, with its own key; for
  ``quoted_field`` the row with the quoted value).

The rows themselves are the generator's truth: the settings in ``_manifest.json`` replay them
exactly. A dropped or renamed column is NULL in the truth of its days (a renamed column is not
the old one).

A late file is written by the run whose range holds the day it arrives; the facts of its date
are written with its date.
"""

from __future__ import annotations

import datetime as dt
import json
import os

from ingen_fab.synthetic import faults, inject, writer

FOLDER = "_expected"


def facts_path(root: str, day: dt.date, table: str) -> str:
    return os.path.join(root, FOLDER, day.strftime("%Y"), day.strftime("%m"),
                        day.strftime("%d"), f"{table}.json")


def read_facts(root: str) -> list[dict]:
    """Every fact file under ``root``, in date then table order."""
    found = []
    base = os.path.join(root, FOLDER)
    for folder, _dirs, names in sorted(os.walk(base)):
        for name in sorted(names):
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    found.append(json.load(handle))
    return sorted(found, key=lambda f: (f["date"], f["table"]))


class KnownAnswers:
    """Writes the dataset's tables of each day with the profile's faults, and their facts.

    A run writes the files that arrive inside its range: a late file whose day of arrival is
    after the range is left to the run that covers that day, which replays the days just
    before its range for it (``replay``). Each day is built and written on the writers'
    threads.
    """

    def __init__(self, root: str, spec, profile, seed: int, epoch_day: int, dates: list):
        self.root, self.spec, self.profile, self.seed = root, spec, profile, seed
        self.drifts = faults.drifts(profile, seed, epoch_day, list(spec.tables))
        self.first, self.last = dates[0], dates[-1]
        self.names = {t.name for t in spec.tables}

    def covers(self, name: str) -> bool:
        return name in self.names

    def replay(self, writers, world, day: dt.date) -> None:
        """Write the late files of a day before the range that arrive inside it."""
        if (self.first - day).days > faults.LATE_DAYS[1] or not self.profile.enabled(
            faults.FILE
        ):
            return
        for name, table in world.tables().items():
            if self.covers(name):
                writers.submit_call(self._write, name, table, day, False)

    def submit(self, writers, name: str, table, day: dt.date) -> None:
        """Write the table's files of ``day`` that arrive inside the range, and its facts."""
        writers.submit_call(self._write, name, table, day, True)

    def _write(self, name: str, table, day: dt.date, with_facts: bool) -> None:
        files, facts = inject.build(self.spec.table(name), table, day, self.seed,
                                    self.profile, self.drifts)
        for file in files:
            if self.first <= file.arrives <= self.last:
                file.write(os.path.join(self.root, file.path))
        if with_facts:
            text = json.dumps(facts, sort_keys=True, separators=(",", ":")) + "\n"
            writer.write_bytes(text.encode(), facts_path(self.root, day, name))


def replay(root: str, dates: list, names: set):
    """Yield (date, {table: Arrow table}) of the generator's truth for ``dates`` (sorted), as
    the settings pinned in the root's manifest make them; ``names``: the tables wanted."""
    from ingen_fab.synthetic import datasets, manifest
    from ingen_fab.synthetic.retail import RetailWorld

    settings = manifest.read_manifest(root) or {}
    world = RetailWorld(
        settings["seed"],
        datasets.get_dataset(settings["dataset"]).scale(settings["scale"]),
        dt.date.fromisoformat(settings["epoch"]),
        settings.get("holidays") or {},
    )
    wanted = set(dates)
    while dates and world.day < inject._day_number(dates[-1]):
        day = world.advance()
        if day in wanted:
            yield day, {n: t for n, t in world.tables().items() if n in names}
