"""Execute a generated .ipynb with papermill on a real Python kernel (the local Fabric stand-in)."""

from __future__ import annotations

import os
from pathlib import Path

from ingen_fab.errors import RunError

KERNEL = "python3"


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
) -> Path:
    """Run the notebook; a failing cell raises RunError naming the notebook and the error."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters or {},
            kernel_name=KERNEL,
            cwd=str(cwd) if cwd else None,
            progress_bar=False,
            log_output=False,
        )
    except papermill.PapermillExecutionError as exc:
        message = (exc.evalue or "").strip().splitlines()
        detail = message[0] if message else exc.ename
        raise RunError(f"{notebook.name} failed: {exc.ename}: {detail} (executed copy: {output})") from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return output
