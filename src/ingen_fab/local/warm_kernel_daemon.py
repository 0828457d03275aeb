"""The daemon of one warm kernel: started detached by ingen_fab.local.warm_kernel (the client).

It starts the ipykernel, publishes state.json (pids, lakehouse root, code stamp) in its state
folder, and watches the kernel: it shuts the kernel down and exits when the kernel dies, on
SIGTERM, or when no run has used it for the idle timeout (and no run holds the lock).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import sys
import time
from pathlib import Path

from ingen_fab.local.warm_kernel import (
    DEFAULT_IDLE,
    KERNEL,
    KERNEL_ARGS,
    POLL,
    mark_used,
    read_state,
)


def serve(state_dir: Path, idle: float, cwd: Path, stamp: str = "") -> int:
    """Start the kernel, publish its state, and watch it until it dies, idles out or SIGTERM."""
    from jupyter_client import KernelManager

    from ingen_fab.runtime.session import lakehouse_root

    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    manager = KernelManager(kernel_name=KERNEL)
    manager.connection_file = str(state_dir / "kernel.json")
    with open(state_dir / "kernel.log", "wb") as log:
        manager.start_kernel(extra_arguments=KERNEL_ARGS, env=dict(os.environ), cwd=str(cwd),
                             stdout=log, stderr=log)
    state = {
        "daemon_pid": os.getpid(), "kernel_pid": manager.provisioner.pid, "created": time.time(),
        "lakehouse_root": lakehouse_root(), "cwd": str(cwd), "code_stamp": stamp,
    }
    mark_used(state_dir)
    tmp = state_dir / f"state.json.{os.getpid()}"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, state_dir / "state.json")
    print(f"kernel {state['kernel_pid']} started for {state['lakehouse_root']}", flush=True)
    lock = None
    try:
        while not stopping:
            if not manager.is_alive():
                print("kernel died; exiting", flush=True)
                return 0
            if time.time() - (state_dir / "last_used").stat().st_mtime > idle:
                lock = _try_lock(state_dir)  # held: no run is in progress, none can start
                if lock:
                    print(f"idle for more than {idle:.0f} s; stopping", flush=True)
                    break
            time.sleep(POLL)
        manager.shutdown_kernel(now=False)
        return 0
    finally:
        if (read_state(state_dir) or {}).get("daemon_pid") == os.getpid():
            (state_dir / "state.json").unlink(missing_ok=True)
        manager.cleanup_resources()
        if lock:
            lock.close()


def _try_lock(state_dir: Path):
    handle = open(state_dir / "lock", "a+b")  # noqa: SIM115 - closed by the caller
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingen_fab.local.warm_kernel_daemon",
        description="run the daemon of one warm kernel",
    )
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE)
    parser.add_argument("--cwd", type=Path, default=Path.cwd())
    parser.add_argument("--code-stamp", default="")
    args = parser.parse_args(argv)
    return serve(args.state, args.idle, args.cwd, args.code_stamp)


if __name__ == "__main__":
    sys.exit(main())
