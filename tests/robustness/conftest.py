"""The robustness tier: faults and bad input against the CLI, the server and the classifier.

Run it alone with ``pytest -m robustness``; every test is bounded in time (subprocess timeouts).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .rpc import RpcClient, child_env


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "robustness: fault and bad-input campaign (tests/robustness), bounded in time")


def run_cli(*args: str, timeout: float = 120, input: bytes | None = None, **env: str) -> subprocess.CompletedProcess:
    """``python -m tokls ARGS`` as a subprocess of this checkout; stdout/stderr as text."""
    proc = subprocess.run([sys.executable, "-m", "tokls", *args], capture_output=True, timeout=timeout,
                          input=input, env=child_env(**env))
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


@pytest.fixture
def server():
    with RpcClient() as client:
        yield client


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A private XDG cache so merged-adapter tests never touch the user's."""
    home = tmp_path / "xdg-cache"
    home.mkdir()
    return home
