"""tokls.scale.stop_ray: after ``ray.shutdown()``, whatever a local instance left behind is stopped
by its process id (SIGTERM, then SIGKILL), and other children of the process are not touched."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tokls.scale import stop_ray


class _Ray:
    """Stands in for the ray module: its shutdown stops nothing (the case stop_ray is for)."""

    def __init__(self) -> None:
        self.shut = False

    def shutdown(self) -> None:
        self.shut = True


def _gone(proc: subprocess.Popen) -> bool:
    return proc.poll() is not None


def test_survivors_of_shutdown_are_stopped_by_pid():
    # stand-ins for Ray's processes ("ray" in the command line, like raylet or ray::IDLE)
    stubborn = subprocess.Popen([sys.executable, "-c",  # ignores SIGTERM: only SIGKILL ends it
                                 "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)  # ray"])
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # ray"])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # not Ray's
    try:
        time.sleep(0.5)  # both have set themselves up
        ray = _Ray()
        t0 = time.monotonic()
        stopped = stop_ray(ray)
        assert ray.shut
        assert set(stopped) >= {stubborn.pid, polite.pid}
        stubborn.wait(timeout=5)
        polite.wait(timeout=5)
        assert stubborn.returncode == -signal.SIGKILL and polite.returncode == -signal.SIGTERM
        assert time.monotonic() - t0 < 15  # bounded: 5 s of grace, 3 s per signal
    finally:
        assert not _gone(bystander)
        for proc in (stubborn, polite, bystander):
            if not _gone(proc):
                proc.kill()
                proc.wait()


def test_nothing_to_stop_when_shutdown_ends_everything():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # ray"])

    class Ray(_Ray):
        def shutdown(self) -> None:
            super().shutdown()
            child.terminate()
            child.wait()

    assert stop_ray(Ray()) == []
    assert _gone(child)


def test_bounded_returns_whether_the_call_finished_in_time():
    import threading
    import time

    from tokls.scale import bounded

    release = threading.Event()
    t0 = time.monotonic()
    assert bounded(lambda: release.wait(10), 0.2) is False  # a hanging shutdown: given up on
    assert time.monotonic() - t0 < 2
    release.set()
    assert bounded(lambda: None, 5) is True

    def fails():
        raise RuntimeError("GCS unreachable")

    assert bounded(fails, 5) is True  # it returned (with an error, logged): nothing left to wait for
