"""The robustness tier: faults and bad input against the CLI, the server and the classifier.

Run it alone with ``pytest -m robustness``; every test is bounded in time (subprocess timeouts).
"""

from __future__ import annotations

import pytest

from .rpc import RpcClient


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "robustness: fault and bad-input campaign (tests/robustness), bounded in time")


@pytest.fixture
def server():
    with RpcClient() as client:
        yield client
