"""Past one machine, on Ray: batch classification on Ray Data and the classifier on Ray Serve.

Ray is an optional extra (``pip install "tokls[ray]"``) and is imported only inside the functions
that use it, so this package imports without it. :mod:`.tei` is the TEI-compatible HTTP API
(``/predict``, ``/info``, ``/health``) with no framework in it; :mod:`.serve` puts it on Ray
Serve (``tokls serve-model``); :mod:`.batch` reads, classifies and writes datasets, in-process or
on Ray Data (``tokls classify --input``).
"""

from __future__ import annotations

import logging

__all__ = ["RAY_HINT", "SHUTDOWN_WAIT_S", "RayMissing", "bounded", "import_ray", "start_ray", "stop_ray"]

log = logging.getLogger(__name__)

RAY_HINT = 'Ray is not installed: pip install "tokls[ray]"'
_LOCAL_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class RayMissing(RuntimeError):
    """Ray (or one of its parts) is not installed; the message says how to install it."""


def import_ray():
    """The ``ray`` module with Serve and Data importable, or :class:`RayMissing`."""
    try:
        import ray
        import ray.data  # noqa: F401
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise RayMissing(f"{RAY_HINT} ({exc})") from exc
    return ray


def start_ray(address: str | None, num_cpus: int | None = None):
    """Attach to the cluster at ``address``, or start a local instance on 127.0.0.1 only (no
    dashboard). Returns the ``ray`` module; the caller calls :func:`stop_ray` when done."""
    import os

    if not address:
        # Ray resolves 127.0.0.1 to the machine's address and binds its gRPC servers on every
        # interface unless it runs as a single-machine instance; ask for that mode (read when ray
        # is imported, and by the processes it starts), so that every port it opens is loopback.
        os.environ[_LOCAL_ONLY_ENV] = "0"
    ray = import_ray()
    if not address:
        from ray._private import ray_constants

        ray_constants.ENABLE_RAY_CLUSTER = False  # ray may have been imported before the variable was set
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                 _node_ip_address="127.0.0.1", log_to_driver=False)
    return ray


#: how long a shutdown call (Ray's, Serve's) may take before tokls stops the processes itself
SHUTDOWN_WAIT_S = 30.0


def bounded(call, seconds: float) -> bool:
    """Run ``call()`` on a daemon thread and wait at most ``seconds``: whether it returned in time.
    A shutdown that hangs (Ray's and Serve's can, on a busy machine) must not keep a process alive;
    what it should have stopped is then stopped by process id. Its exception, if any, is logged."""
    import threading

    def run() -> None:
        try:
            call()
        except Exception:  # noqa: BLE001 - a failed shutdown is followed by stopping the processes
            log.warning("%s failed", getattr(call, "__qualname__", call), exc_info=True)

    worker = threading.Thread(target=run, name="tokls-shutdown", daemon=True)
    worker.start()
    worker.join(seconds)
    return not worker.is_alive()


def stop_ray(ray) -> list[int]:
    """Disconnect (``ray.shutdown()``), and make sure a local instance this process started is gone.

    ``ray.shutdown()`` asks the processes of a local instance (GCS, raylet, agents, workers: all
    descendants of this process, each with "ray" in its command line) to stop; any that is still
    alive a few seconds later is stopped by its process id, SIGTERM then SIGKILL. Other children
    of this process are left alone. A cluster tokls attached to is left running (its
    processes are not ours). Returns the process ids that had to be stopped that way.
    """
    import os
    import signal
    import time

    ours = [(pid, started) for pid, started in _descendants(os.getpid()) if _is_ray(pid)]  # before shutdown
    try:
        if not bounded(ray.shutdown, SHUTDOWN_WAIT_S):
            log.warning("ray.shutdown() did not return in %.0f s; stopping Ray's processes by their ids", SHUTDOWN_WAIT_S)
    finally:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and any(_alive(pid, started) for pid, started in ours):
            time.sleep(0.1)
        stopped = []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            left = [(pid, started) for pid, started in ours if _alive(pid, started)]
            for pid, _ in left:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            stopped = stopped or [pid for pid, _ in left]
            end = time.monotonic() + 3.0
            while time.monotonic() < end and any(_alive(pid, started) for pid, started in left):
                time.sleep(0.1)
    return stopped


def _stat(pid: int) -> tuple[int, str, bytes] | None:
    """(parent pid, start time, state) of a process, from /proc (None where there is no /proc or
    no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), fields[19].decode(), fields[0]


def _descendants(root: int) -> list[tuple[int, str]]:
    """Every live descendant of ``root`` as (pid, start time); empty where there is no /proc."""
    import os

    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []
    children: dict[int, list[tuple[int, str]]] = {}
    for pid in pids:
        info = _stat(pid)
        if info:
            children.setdefault(info[0], []).append((pid, info[1]))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child[0])
    return out


def _is_ray(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"ray" in fh.read().lower()
    except OSError:
        return False


def _alive(pid: int, started: str) -> bool:
    """Whether ``pid`` is still the process that started at ``started`` (a reused pid is not) and
    has not exited (a zombie has)."""
    info = _stat(pid)
    return info is not None and info[1] == started and info[2] != b"Z"
