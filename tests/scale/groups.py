"""The processes of a run started in its own process group (``start_new_session=True``)."""

from __future__ import annotations

import os
import signal
import subprocess
import time


def group_alive(pgid: int) -> list[str]:
    """The live processes of group ``pgid`` (``pgrep -a`` lines; zombies are not alive)."""
    found = subprocess.run(["pgrep", "-a", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if " <defunct>" not in line]


def reap_group(pgid: int, grace: float = 30) -> list[str]:
    """Wait up to ``grace`` seconds for the group to end; kill what is left (SIGKILL) and return it,
    so the caller can assert that nothing was."""
    deadline = time.monotonic() + grace
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = group_alive(pgid)
    if left:
        os.killpg(pgid, signal.SIGKILL)
    return left
