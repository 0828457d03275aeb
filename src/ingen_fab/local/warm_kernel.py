"""A warm kernel: one long-lived ipykernel per lakehouse, so Spark stays up between runs.

Fabric keeps a Spark session alive between notebook runs (high-concurrency sessions); this is
the local stand-in. A small detached daemon (``python -m ingen_fab.local.warm_kernel_daemon``,
see that module) owns one ipykernel per key (python, kernel name, cwd and the INGEN_FAB_* environment the kernel
sees, e.g. the lakehouse root). papermill attaches to it through a KernelManager that never
starts or stops it. Before each notebook the user namespace is reset (``%reset -f``): a
notebook never sees the previous one's variables, but imported modules and the live
SparkSession stay, which is the point.

Runs on the same key (so on the same lakehouse) are serialised: a run holds an exclusive flock
on <state>/lock from attach to the end of the notebook. The daemon stops the kernel and exits
when the kernel dies, on SIGTERM, or when no run has used it for the idle timeout.

Files in a state folder ($INGEN_FAB_STATE_DIR or ~/.cache/ingen_fab/kernels, then <key>/):
lock, last_used (its mtime), state.json (pids, lakehouse root), kernel.json (the connection
file), kernel.log (the kernel's stdout/stderr: JVM chatter) and daemon.log.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ingen_fab.errors import ProjectFileError, RunError

KERNEL = "python3"
DEFAULT_IDLE = 900.0
START_TIMEOUT = 60.0
RESET_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
POLL = 1.0
# Variables that choose where or whether a warm kernel runs, not what the kernel sees.
NOT_IN_KEY = frozenset({"INGEN_FAB_STATE_DIR", "INGEN_FAB_WARM_KERNEL", "INGEN_FAB_WARM_KERNEL_IDLE"})
# `%reset -f` as a new session: the user namespace is cleared and cell numbers start at 1 again.
RESET_CODE = "get_ipython().reset(new_session=True)\n__import__('os').chdir({cwd!r})\n"
# As papermill starts its one-shot kernels: no IPython history file on disk.
KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]

_daemons: list[subprocess.Popen] = []  # started by this process; kept so they are reaped


class WarmKernelError(RunError):
    """The warm kernel cannot be started or reached (the caller falls back to a one-shot kernel)."""


def enabled() -> bool:
    """Warm kernels are on unless INGEN_FAB_WARM_KERNEL is 0/false/no/off."""
    value = os.environ.get("INGEN_FAB_WARM_KERNEL", "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def idle_seconds() -> float:
    """INGEN_FAB_WARM_KERNEL_IDLE: seconds without a run before the daemon stops (default 900)."""
    value = os.environ.get("INGEN_FAB_WARM_KERNEL_IDLE", "").strip()
    if not value:
        return DEFAULT_IDLE
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ProjectFileError(f"INGEN_FAB_WARM_KERNEL_IDLE must be a positive number of seconds, not {value!r}")
    return seconds


def state_root() -> Path:
    default = Path.home() / ".cache" / "ingen_fab" / "kernels"
    return Path(os.environ.get("INGEN_FAB_STATE_DIR") or default)


def kernel_key(env: dict, cwd: Path) -> str:
    """One warm kernel per python, kernel name, cwd and environment the kernel must see."""
    seen = {k: v for k, v in os.environ.items() if k.startswith("INGEN_FAB_") and k not in NOT_IN_KEY}
    seen.update(env)
    blob = json.dumps([sys.executable, KERNEL, str(cwd), sorted(seen.items())])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Attached:
    key: str
    state_dir: Path
    manager: object  # an AttachedKernelManager, for papermill's km=
    log_path: Path


@contextlib.contextmanager
def attach(env: dict | None = None, cwd: Path | None = None, keep_on: tuple = ()):
    """Hold the key's lock, make sure its warm kernel runs, reset it and yield an Attached.

    An exception from the body other than keep_on (errors that leave the kernel idle, such as a
    failing cell) discards the kernel, so the next run starts a fresh one.
    """
    env = dict(env or {})
    cwd = Path(cwd or os.getcwd()).resolve()
    key = kernel_key(env, cwd)
    state_dir = state_root() / key
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarmKernelError(f"cannot create the warm kernel folder {state_dir}: {exc.strerror}") from None
    with _locked(state_dir):
        state = _ensure_daemon(state_dir, {**os.environ, **env}, cwd)
        if not _reset(state_dir, cwd):  # alive but not answering: start over once
            _discard(state_dir)
            state = _ensure_daemon(state_dir, {**os.environ, **env}, cwd)
            if not _reset(state_dir, cwd):
                _discard(state_dir)
                raise WarmKernelError(f"the warm kernel does not answer; see {state_dir / 'kernel.log'}")
        manager = attached_manager_class()(state_dir / "kernel.json", state["kernel_pid"])
        mark_used(state_dir)
        try:
            yield Attached(key, state_dir, manager, state_dir / "kernel.log")
        except keep_on:
            raise
        except BaseException:
            _discard(state_dir)
            raise
        finally:
            manager.close_clients()
            mark_used(state_dir)


def stop(key: str) -> bool:
    """Stop the warm kernel of key; True when one was running."""
    return _discard(state_root() / key)


def stop_all() -> int:
    """Stop every warm kernel under the state root; the number that were running."""
    root = state_root()
    if not root.is_dir():
        return 0
    return sum(stop(d.name) for d in sorted(root.iterdir()) if (d / "state.json").is_file())


def status() -> list[dict]:
    """The running warm kernels: key, lakehouse_root, daemon_pid, kernel_pid, idle_seconds."""
    root = state_root()
    found = []
    for state_dir in sorted(root.iterdir()) if root.is_dir() else []:
        state = read_state(state_dir)
        if not _live(state):
            continue
        try:
            idle = time.time() - (state_dir / "last_used").stat().st_mtime
        except OSError:
            idle = 0.0
        found.append({"key": state_dir.name, **state, "idle_seconds": max(idle, 0.0)})
    return found


# --- client side ------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(state_dir: Path):
    with open(state_dir / "lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_daemon(state_dir: Path, env: dict, cwd: Path) -> dict:
    """The live daemon's state; a new daemon when there is none or the runtime code changed."""
    stamp = code_stamp()
    state = read_state(state_dir)
    if _live(state) and state.get("code_stamp") == stamp:
        return state
    _discard(state_dir)
    return _start_daemon(state_dir, env, cwd, stamp)


def code_stamp() -> str:
    """A hash of ingen_fab.runtime's sources (names and mtimes), what notebooks import: a kernel
    that imported older code is replaced rather than reused."""
    package = Path(__file__).resolve().parents[1] / "runtime"
    files = sorted((str(p.relative_to(package)), p.stat().st_mtime_ns) for p in package.rglob("*.py"))
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()[:16]


def _start_daemon(state_dir: Path, env: dict, cwd: Path, stamp: str) -> dict:
    for proc in list(_daemons):
        if proc.poll() is not None:
            _daemons.remove(proc)
    cmd = [sys.executable, "-m", "ingen_fab.local.warm_kernel_daemon", "--state", str(state_dir),
           "--idle", str(idle_seconds()), "--cwd", str(cwd), "--code-stamp", stamp]
    daemon_log = state_dir / "daemon.log"
    try:
        with open(daemon_log, "wb") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, cwd=cwd, start_new_session=True)
    except OSError as exc:
        raise WarmKernelError(f"cannot start the warm kernel daemon: {exc}") from None
    _daemons.append(proc)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        state = read_state(state_dir)
        if state and state.get("daemon_pid") == proc.pid:
            return state
        if proc.poll() is not None:
            raise WarmKernelError(f"the warm kernel daemon exited with code {proc.returncode}; see {daemon_log}")
        time.sleep(0.05)
    proc.terminate()
    raise WarmKernelError(f"the warm kernel did not start within {START_TIMEOUT:.0f} s; see {daemon_log}")


def _reset(state_dir: Path, cwd: Path) -> bool:
    """Clear the kernel's user namespace and return to cwd; False when it does not answer."""
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()
    client.load_connection_file(str(state_dir / "kernel.json"))
    client.start_channels(hb=False)
    try:
        client.wait_for_ready(timeout=RESET_TIMEOUT)
        reply = client.execute(RESET_CODE.format(cwd=str(cwd)), silent=True, store_history=False,
                               allow_stdin=False, reply=True, timeout=RESET_TIMEOUT)
        return reply["content"]["status"] == "ok"
    except (RuntimeError, TimeoutError, OSError):
        return False
    finally:
        client.stop_channels()


def _discard(state_dir: Path) -> bool:
    """Stop the daemon (it shuts its kernel down), kill what is left, forget the state."""
    state = read_state(state_dir)
    if not state:
        return False
    running = _live(state)
    daemon, kernel = state.get("daemon_pid"), state.get("kernel_pid")
    if _pid_alive(daemon):
        _signal(daemon, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and (_pid_alive(daemon) or _pid_alive(kernel)):
        time.sleep(0.05)
    for pid in (kernel, daemon):
        if _pid_alive(pid):
            _signal(pid, signal.SIGKILL, group=True)
    for name in ("state.json", "kernel.json"):
        (state_dir / name).unlink(missing_ok=True)
    return running


def mark_used(state_dir: Path) -> None:
    (state_dir / "last_used").touch()


def read_state(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _live(state: dict | None) -> bool:
    return bool(state) and _pid_alive(state.get("daemon_pid")) and _pid_alive(state.get("kernel_pid"))


def _pid_alive(pid: int | None) -> bool:
    """The process exists and is not a zombie."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _signal(pid: int, sig: int, group: bool = False) -> None:
    with contextlib.suppress(OSError):
        if group and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


@functools.cache
def attached_manager_class():
    """A KernelManager that attaches to a running kernel: it never starts, restarts or stops it."""
    from jupyter_client import AsyncKernelManager

    class AttachedKernelManager(AsyncKernelManager):
        def __init__(self, connection_file: Path, kernel_pid: int):
            super().__init__(kernel_name=KERNEL)
            self.load_connection_file(str(connection_file))
            self.kernel_pid = kernel_pid
            self.clients = []

        @property
        def has_kernel(self) -> bool:
            return True

        async def is_alive(self) -> bool:
            return _pid_alive(self.kernel_pid)

        async def interrupt_kernel(self) -> None:
            _signal(self.kernel_pid, signal.SIGINT)

        async def start_kernel(self, **kwargs) -> None:
            raise RuntimeError("a warm kernel is started by its daemon, not by papermill")

        async def restart_kernel(self, now: bool = False, newports: bool = False, **kwargs) -> None:
            raise RuntimeError("a warm kernel is not restarted by papermill")

        async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            return None

        async def cleanup_resources(self, restart: bool = False) -> None:
            return None

        def cleanup_connection_file(self) -> None:
            return None  # the daemon owns the connection file

        _async_is_alive = is_alive
        _async_interrupt_kernel = interrupt_kernel
        _async_shutdown_kernel = shutdown_kernel
        _async_cleanup_resources = cleanup_resources

        def client(self, **kwargs):
            client = super().client(**kwargs)
            self.clients.append(client)
            return client

        def close_clients(self) -> None:
            while self.clients:
                self.clients.pop().stop_channels()

    return AttachedKernelManager
