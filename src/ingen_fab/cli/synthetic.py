"""`ingen_fab package synthetic-data ...`: parse, call ingen_fab.synthetic.api, print."""

from __future__ import annotations

import sys

import click

from ingen_fab.errors import SyntheticDataError


@click.group(name="synthetic-data")
def synthetic_data() -> None:
    """Generate and validate synthetic datasets."""


def _holidays(values: tuple[str, ...]) -> dict[str, str]:
    result = {}
    for value in values:
        day, sep, factor = value.partition("=")
        if not sep:
            raise SyntheticDataError(
                f"invalid --holiday '{value}': expected DATE=FACTOR, e.g. 2024-01-26=0.8"
            )
        result[day] = factor
    return result


@synthetic_data.command(name="generate-series")
@click.argument("dataset")
@click.option("--start-date", required=True, help="First date to write (YYYY-MM-DD).")
@click.option("--end-date", required=True, help="Last date to write (YYYY-MM-DD).")
@click.option("--seed", type=click.IntRange(min=0), default=42, show_default=True)
@click.option("--scale", default="small", show_default=True, help="small, medium or large.")
@click.option(
    "--output-dir",
    type=click.Path(),
    help="Output root (default: the local lakehouse Files/synthetic_data/<dataset>).",
)
@click.option("--format", "fmt", default="csv", show_default=True, help="csv or parquet.")
@click.option(
    "--epoch",
    default="2024-01-01",
    show_default=True,
    help="First day of the simulated world; part of its identity.",
)
@click.option(
    "--holiday",
    "holidays",
    multiple=True,
    metavar="DATE=FACTOR",
    help="Add or override a holiday demand factor (repeatable).",
)
@click.option(
    "--changes",
    "changes_mode",
    type=click.Choice(["none", "feed"]),
    default="none",
    show_default=True,
    help="feed: also write each day's changes to customers and products "
    "(<table>_changes: _op I/U/D, _seq, _changed_at).",
)
@click.option(
    "--faults",
    "faults_spec",
    default="none",
    show_default=True,
    help="Faults to inject: none, realistic, hostile or a .toml profile file "
    "(see: faults list). The answers a correct loader reaches go to _expected/.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Share of rows with a row fault (replaces the profile's row rate).",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
def generate_series(
    dataset, start_date, end_date, seed, scale, output_dir, fmt, epoch, holidays, changes_mode,
    faults_spec, fault_rate, dry_run,
) -> None:
    """Write DATASET as one file per table per date between the two dates."""
    from ingen_fab.synthetic import api

    options = {
        "seed": seed,
        "scale": scale,
        "output_dir": output_dir,
        "fmt": fmt,
        "epoch": epoch,
        "holidays": _holidays(holidays),
        "changes_mode": changes_mode,
        "faults_spec": faults_spec,
        "fault_rate": fault_rate,
    }
    if dry_run:
        plan = api.plan_series(dataset, start_date, end_date, **options)
        _print_plan(plan)
        return
    bar = _ProgressLine() if sys.stderr.isatty() else None
    result = api.generate_series(dataset, start_date, end_date, progress=bar, **options)
    if bar:
        bar.finish()
    plan = result.plan
    click.echo(
        f"wrote {len(plan.files)} files, {result.total_rows:,} rows for "
        f"{plan.dates[0]}..{plan.dates[-1]} to {plan.root} in {result.seconds:.1f}s"
    )
    for name, rows in result.rows.items():
        click.echo(f"  {name:<12} {rows:>12,}")


def _print_plan(plan) -> None:
    click.echo(
        f"dry run: {plan.dataset} seed={plan.settings['seed']} "
        f"scale={plan.settings['scale']} epoch={plan.settings['epoch']}"
        + (f" changes={plan.settings['changes']}" if "changes" in plan.settings else "")
        + (f" faults={plan.settings['faults']['profile']}" if "faults" in plan.settings else "")
    )
    click.echo(f"output:  {plan.root}")
    click.echo(f"dates:   {plan.dates[0]}..{plan.dates[-1]} ({len(plan.dates)} days)")
    click.echo(
        f"files:   {len(plan.files)} ({len(plan.files) // len(plan.dates)} a day), "
        f"e.g. {plan.files[0]}"
    )
    click.echo("estimated rows:")
    for name, rows in plan.estimated_rows.items():
        click.echo(f"  {name:<12} {rows:>12,}")
    click.echo("nothing written")


class _ProgressLine:
    """One self-overwriting status line on a terminal: days done, rows, rate."""

    def __call__(self, done: int, total: int, rows: int, seconds: float) -> None:
        rate = rows / seconds if seconds > 0 else 0.0
        width = 24
        filled = int(width * done / total)
        click.echo(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} days  "
            f"{rows:,} rows  {rate:,.0f} rows/s",
            nl=False,
            err=True,
        )

    def finish(self) -> None:
        click.echo("", err=True)


@synthetic_data.command(name="list")
def list_datasets() -> None:
    """Show the datasets, their tables with columns and types, and the scales."""
    from ingen_fab.synthetic import api

    for spec in api.list_datasets():
        click.echo(f"{spec.name}: {spec.description}")
        for scale in spec.scales:
            click.echo(
                f"  scale {scale.name:<7} customers={scale.customers:,} "
                f"products={scale.products:,} stores={scale.stores:,} "
                f"orders/day~{scale.orders_per_day:,}"
            )
        for table in spec.tables:
            keys = ",".join(table.keys) or "-"
            click.echo(f"  table {table.name} ({table.kind}, keys: {keys})")
            for name, kind in table.columns:
                click.echo(f"    {name:<18} {kind}")


@synthetic_data.group(name="faults")
def faults_group() -> None:
    """The faults generate-series can inject (--faults)."""


@faults_group.command(name="list")
def list_faults() -> None:
    """Each fault kind: what it writes, what a correct loader does, the profiles using it."""
    from ingen_fab.synthetic import faults

    for scope in (faults.ROW, faults.FILE, faults.SCHEMA):
        click.echo(f"{scope} faults:")
        for kind in (k for k in faults.KINDS if k.scope == scope):
            used = [n for n, p in faults.PROFILES.items() if p["kinds"].get(kind.name)]
            reason = f" (reason: {kind.reason})" if kind.reason else ""
            click.echo(f"  {kind.name:<19} {kind.does}")
            click.echo(f"  {'':<19} a correct loader {kind.loader}{reason}")
            click.echo(f"  {'':<19} profiles: {', '.join(used)}")
    click.echo("rates: " + "; ".join(
        f"{n} row_rate={p['row_rate']} file_rate={p['file_rate']}"
        for n, p in faults.PROFILES.items()
    ))


@synthetic_data.command(name="validate")
@click.argument("directory", type=click.Path())
def validate(directory) -> None:
    """Check every invariant of a generated folder; exit 1 on any breach."""
    from ingen_fab.synthetic import api

    report = api.validate(directory)
    for problem in report.problems:
        click.echo(f"breach: {problem}")
    if not report.ok:
        raise SyntheticDataError(
            f"{len(report.problems)} invariant breaches in {report.root}"
            f"{' (first 50 shown)' if report.truncated else ''}"
        )
    click.echo(
        f"ok: {report.dates} dates, {report.files} files, {report.rows:,} rows checked "
        f"in {report.root}"
    )
