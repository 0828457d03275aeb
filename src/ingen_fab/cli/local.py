"""`ingen_fab local status|stop`: the warm kernels that keep local Spark up between runs."""

from __future__ import annotations

import click


@click.group()
def local() -> None:
    """Manage the warm kernels of local runs (one per lakehouse)."""


@local.command(name="status")
def status_command() -> None:
    """One line per warm kernel: lakehouse root, kernel pid, seconds idle."""
    from ingen_fab.local import warm_kernel

    kernels = warm_kernel.status()
    if not kernels:
        click.echo("no warm kernels")
    for kernel in kernels:
        click.echo(
            f"{kernel['lakehouse_root']}  pid {kernel['kernel_pid']}  "
            f"idle {kernel['idle_seconds']:.0f}s"
        )


@local.command(name="stop")
def stop_command() -> None:
    """Stop every warm kernel (the next run starts a fresh one)."""
    from ingen_fab.local import warm_kernel

    stopped = warm_kernel.stop_all()
    click.echo(f"stopped {stopped} warm kernel{'s' if stopped != 1 else ''}")
