"""ONNX exports made by the core tests go to a folder of the test session, not the user's cache."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx-cache")
    before = os.environ.get("TOKLS_ONNX_CACHE")
    os.environ["TOKLS_ONNX_CACHE"] = str(folder)  # subprocesses inherit it
    yield folder
    if before is None:
        os.environ.pop("TOKLS_ONNX_CACHE", None)
    else:
        os.environ["TOKLS_ONNX_CACHE"] = before
