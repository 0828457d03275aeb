"""Execute a generated .ipynb with papermill on a real Python kernel (the local Fabric stand-in)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from ingen_fab.errors import RunError

KERNEL = "python3"


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
    stream: bool = False,
) -> Path:
    """Run the notebook; a failing cell raises RunError naming the notebook and the error.

    The kernel's own stderr (JVM and kernel chatter) goes to <output>.log, not the terminal;
    with stream=True what the notebook prints is shown as it runs.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    output.parent.mkdir(parents=True, exist_ok=True)
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    log_path = output.with_suffix(".log")
    try:
        with _stderr_to(log_path):
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters or {},
                kernel_name=KERNEL,
                cwd=str(cwd) if cwd else None,
                progress_bar=False,
                log_output=False,
                stdout_file=sys.stdout if stream else None,
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
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return output


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Point file descriptor 2 at path while the kernel starts, so it inherits the file."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "wb") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
