"""The user actions of the synthetic-data package, as plain functions.

The CLI parses options, calls one of these and prints the result; the tests call them directly.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field

from ingen_fab.errors import SyntheticDataError
from ingen_fab.synthetic import calendar, changes, datasets, faults, manifest, writer
from ingen_fab.synthetic.datasets import DEFAULT_EPOCH, DEFAULT_SCALE, DEFAULT_SEED


@dataclass
class SeriesPlan:
    dataset: str
    root: str
    dates: list[dt.date]
    settings: dict  # what the manifest pins
    files: list[str]  # paths relative to root
    estimated_rows: dict[str, int]


@dataclass
class SeriesResult:
    plan: SeriesPlan
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def list_datasets() -> list[datasets.Dataset]:
    """Every registered dataset with its tables (columns, types) and scales."""
    return [datasets.DATASETS[name] for name in sorted(datasets.DATASETS)]


def default_output_root(dataset: str) -> str:
    from ingen_fab.runtime.session import lakehouse_root

    return os.path.join(lakehouse_root(), "Files", "synthetic_data", dataset)


def plan_series(
    dataset: str,
    start_date: str,
    end_date: str,
    *,
    seed: int = DEFAULT_SEED,
    scale: str = DEFAULT_SCALE,
    output_dir: str | None = None,
    fmt: str = "csv",
    epoch: str = DEFAULT_EPOCH,
    holidays: dict[str, float] | None = None,
    changes_mode: str = "none",
    faults_spec: str = "none",
    fault_rate: float | None = None,
) -> SeriesPlan:
    """Check every input and describe what ``generate_series`` would write; writes nothing."""
    spec = datasets.get_dataset(dataset)
    size = spec.scale(scale)
    start = calendar.parse_date(start_date, "--start-date")
    end = calendar.parse_date(end_date, "--end-date")
    first = calendar.parse_date(epoch, "--epoch")
    dates = calendar.date_range(start, end)
    if start < first:
        raise SyntheticDataError(
            f"start date {start} is before the epoch {first}: pass --epoch {start} "
            "(a different world) or start on or after the epoch"
        )
    if fmt not in datasets.FORMATS:
        raise SyntheticDataError(f"unknown format '{fmt}': choose one of csv, parquet")
    if changes_mode not in changes.MODES:
        raise SyntheticDataError(f"unknown --changes '{changes_mode}': choose none or feed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SyntheticDataError(f"invalid seed {seed!r}: give a non-negative integer")
    root = os.path.abspath(output_dir or default_output_root(dataset))
    _check_writable(root)
    settings = {
        "dataset": dataset,
        "generator_version": datasets.GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "epoch": first.isoformat(),
        "format": fmt,
        "holidays": calendar.parse_holidays(holidays),
    }
    if changes_mode != "none":  # pinned only when asked: a plain run's manifest is unchanged
        settings["changes"] = changes_mode
    profile = _profile(faults_spec, fault_rate, fmt)
    if profile.active:
        settings["faults"] = profile.pin()
    manifest.check_manifest(root, settings)
    names = _table_names(dataset, changes_mode)
    files = [writer.relative_path(day, name, fmt) for day in dates for name in names]
    return SeriesPlan(
        dataset,
        root,
        dates,
        settings,
        files,
        _estimate_rows(size, dates, first, settings["holidays"]),
    )


def generate_series(
    dataset: str,
    start_date: str,
    end_date: str,
    *,
    seed: int = DEFAULT_SEED,
    scale: str = DEFAULT_SCALE,
    output_dir: str | None = None,
    fmt: str = "csv",
    epoch: str = DEFAULT_EPOCH,
    holidays: dict[str, float] | None = None,
    changes_mode: str = "none",
    faults_spec: str = "none",
    fault_rate: float | None = None,
    progress=None,
) -> SeriesResult:
    """Write one file per table per date; the days before ``start_date`` are replayed unwritten.

    ``progress(days_done, days_total, rows_written, seconds)`` is called after every date.
    """
    from ingen_fab.synthetic.retail import RetailWorld

    plan = plan_series(
        dataset,
        start_date,
        end_date,
        seed=seed,
        scale=scale,
        output_dir=output_dir,
        fmt=fmt,
        epoch=epoch,
        holidays=holidays,
        changes_mode=changes_mode,
        faults_spec=faults_spec,
        fault_rate=fault_rate,
    )
    settings = plan.settings
    _start_output(plan)
    result = SeriesResult(plan, {name: 0 for name in _table_names(dataset, changes_mode)})
    began = time.perf_counter()
    world = RetailWorld(
        seed,
        datasets.get_dataset(dataset).scale(scale),
        dt.date.fromisoformat(settings["epoch"]),
        settings["holidays"],
    )
    _write_days(plan, world, changes_mode, result, progress)
    result.seconds = time.perf_counter() - began
    return result


def _write_days(plan: SeriesPlan, world, changes_mode: str, result: SeriesResult, progress):
    """Simulate up to the plan's last date, writing the planned dates' files."""
    began = time.perf_counter()
    wanted = set(plan.dates)
    eve = plan.dates[0] - dt.timedelta(days=1)
    previous: dict = {}  # the feeds' snapshots of the day before (a hard delete is a key gone)
    answers = _known_answers(plan, world)
    with _Writers() as writers:
        while world.day < _day_number(plan.dates[-1]):
            day = world.advance()
            if day not in wanted:
                if day == eve and changes_mode == "feed":
                    previous = world.tables()
                if answers is not None:
                    answers.replay(writers, world, day)
                continue
            tables = _day_tables(world.tables(), day, changes_mode, previous)
            previous = tables
            _submit_day(plan, writers, answers, tables, day, result)
            if progress:
                done = (day - plan.dates[0]).days + 1
                progress(done, len(plan.dates), result.total_rows, time.perf_counter() - began)


def _submit_day(plan: SeriesPlan, writers, answers, tables: dict, day: dt.date, result) -> None:
    fmt = plan.settings["format"]
    for name, table in tables.items():
        if answers is not None and answers.covers(name):
            answers.submit(writers, name, table, day)
        else:
            writers.submit(table, os.path.join(plan.root, writer.relative_path(day, name, fmt)),
                           fmt)
        result.rows[name] += table.num_rows


def _known_answers(plan: SeriesPlan, world):
    """The writer of faulty files and their facts, when the series has faults."""
    if "faults" not in plan.settings:
        return None
    from ingen_fab.synthetic.expected import KnownAnswers

    pin = plan.settings["faults"]
    profile = faults.Profile(pin["profile"], pin["row_rate"], pin["file_rate"],
                             frozenset(pin["kinds"]))
    spec = datasets.get_dataset(plan.dataset)
    return KnownAnswers(plan.root, spec, profile, plan.settings["seed"], world.epoch_day,
                        plan.dates)


def validate(directory: str):
    """Check every invariant of a generated folder; returns a report listing each breach."""
    from ingen_fab.synthetic.validate import validate_folder

    return validate_folder(os.path.abspath(directory))


# -- helpers ---------------------------------------------------------------------------------
def _start_output(plan: SeriesPlan) -> None:
    """Create the output root and pin the run's settings in its manifest."""
    try:
        os.makedirs(plan.root, exist_ok=True)
        manifest.write_manifest(plan.root, plan.settings)
    except OSError as exc:
        raise SyntheticDataError(
            f"cannot write to output folder {plan.root}: {exc.strerror}; "
            "choose a writable --output-dir"
        ) from None


class _Writers:
    """Writes files on a background thread while the next day is simulated."""

    def __enter__(self):
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="synthetic-writer")
        self._pending = []
        return self

    def submit(self, table, path: str, fmt: str) -> None:
        self._queue(writer.write_table, table, path, fmt)

    def submit_call(self, write, *args) -> None:
        self._queue(write, *args)

    def _queue(self, write, *args) -> None:
        self._pending.append(self._pool.submit(write, *args))
        if len(self._pending) > 24:  # bound memory: about two days in flight
            _wait(self._pending.pop(0))

    def __exit__(self, *exc_info):
        try:
            while self._pending:
                _wait(self._pending.pop(0))
        finally:
            self._pool.shutdown(wait=True)
        return False


def _wait(future) -> None:
    try:
        future.result()
    except OSError as exc:
        raise SyntheticDataError(
            f"cannot write synthetic data file: {exc}; "
            "check the --output-dir permissions and free space"
        ) from None


def _profile(spec: str, fault_rate: float | None, fmt: str) -> faults.Profile:
    profile = faults.load_profile(spec, fault_rate)
    if fault_rate is not None and not profile.kinds:
        raise SyntheticDataError(
            f"--fault-rate {fault_rate} needs faults to rate: add --faults realistic, hostile "
            "or a profile file"
        )
    if profile.active and fmt != "csv":
        raise SyntheticDataError(
            f"--faults {spec} writes faulty CSV: use --format csv (or --faults none)"
        )
    return profile


def _table_names(dataset: str, changes_mode: str = "none") -> list[str]:
    names = [table.name for table in datasets.get_dataset(dataset).tables]
    if changes_mode == "feed":
        names += [changes.feed_name(name) for name in changes.FEEDS]
    return names


def _day_tables(tables: dict, day: dt.date, changes_mode: str, previous: dict) -> dict:
    """The day's tables, with the change feeds when asked for (`previous`: the tables of the
    day before, when it was simulated)."""
    if changes_mode == "feed":
        for name in changes.FEEDS:
            tables[changes.feed_name(name)] = changes.day_changes(
                name, tables[name], day, previous.get(name)
            )
    return tables


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _check_writable(root: str) -> None:
    probe = root
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK | os.X_OK):
        raise SyntheticDataError(
            f"output folder {root} cannot be written ({probe} is not a writable folder): "
            "choose another --output-dir"
        )


def _estimate_rows(size, dates, epoch: dt.date, holidays) -> dict[str, int]:
    from ingen_fab.synthetic import customers, orders, products

    rows = dict.fromkeys(_table_names(datasets.RETAIL), 0)
    for day in dates:
        elapsed = (day - epoch).days + 1
        weeks = elapsed / 7
        catalogue = size.products * (1 + products.WEEKLY_LAUNCH_RATE * weeks)
        active = catalogue * 0.97 * (1 - products.WEEKLY_DISCONTINUE_RATE * weeks)
        day_orders = size.orders_per_day * calendar.demand_factor(day, holidays)
        rows["customers"] += int(size.customers * (1 + customers.DAILY_REGISTRATION_RATE * elapsed))
        rows["products"] += int(catalogue)
        rows["stores"] += size.stores
        rows["orders"] += int(day_orders)
        rows["order_items"] += int(day_orders * orders.MEAN_LINES)
        rows["inventory"] += int(active * (1 + (size.stores - 1) * size.assortment_share))
    return rows
