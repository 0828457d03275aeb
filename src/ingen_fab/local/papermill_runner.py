"""Execute a generated .ipynb with papermill on a real Python kernel (the local Fabric stand-in).

By default the kernel is a warm one (see warm_kernel: one long-lived kernel per lakehouse, so
Spark stays up between runs); INGEN_FAB_WARM_KERNEL=0 starts a one-shot kernel per notebook.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from ingen_fab.errors import RunError
from ingen_fab.local import warm_kernel

KERNEL = warm_kernel.KERNEL


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
    stream: bool = False,
) -> Path:
    """Run the notebook; a failing cell raises RunError naming the notebook and the error.

    The kernel's own stderr (JVM and kernel chatter) goes to a log file, not the terminal:
    <output>.log for a one-shot kernel, <state>/kernel.log for a warm one. With stream=True
    what the notebook prints is shown as it runs.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    output.parent.mkdir(parents=True, exist_ok=True)
    log_path = output.with_suffix(".log")
    try:
        with _kernel(env or {}, cwd, log_path, papermill) as (manager, log_path):
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters or {},
                kernel_name=KERNEL,
                cwd=str(cwd) if cwd else None,
                progress_bar=False,
                log_output=False,
                stdout_file=sys.stdout if stream else None,
                km=manager,
            )
    except papermill.PapermillExecutionError as exc:
        message = (exc.evalue or "").strip().splitlines()
        detail = message[0] if message else exc.ename
        raise RunError(
            f"{notebook.name} failed: {exc.ename}: {detail} (executed copy: {output})"
        ) from None
    except DeadKernelError:
        raise RunError(
            f"{notebook.name} failed: the kernel died (killed, or out of memory); "
            f"its log: {log_path}"
        ) from None
    except CellTimeoutError as exc:
        raise RunError(f"{notebook.name} failed: a cell timed out: {exc}") from None
    return output


@contextlib.contextmanager
def _kernel(env: dict, cwd: Path | None, log_path: Path, papermill):
    """(kernel manager for papermill, kernel log): the warm kernel, else (None, log_path)."""
    if warm_kernel.enabled():
        stack = contextlib.ExitStack()
        try:
            # A failing cell leaves the kernel idle and reusable; any other error discards it.
            warm = stack.enter_context(
                warm_kernel.attach(env, cwd, keep_on=(papermill.PapermillExecutionError,))
            )
        except warm_kernel.WarmKernelError as exc:
            print(f"warning: {exc}; running on a one-shot kernel", file=sys.stderr, flush=True)
        else:
            with stack:
                yield warm.manager, warm.log_path
            return
    with _environ(env), stderr_to(log_path):
        yield None, log_path


@contextlib.contextmanager
def _environ(env: dict):
    """os.environ updated with env for the body (a one-shot kernel inherits it)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def stderr_to(path: Path, fds: tuple[int, ...] = (2,)):
    """Point file descriptor 2 (or fds) at path while a kernel or JVM starts, so it inherits
    the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in fds}
    with open(path, "wb") as log:
        for fd in fds:
            os.dup2(log.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
