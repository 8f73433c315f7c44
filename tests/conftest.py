"""Shared fixtures: real tokenizers (loaded once per session) and sample texts.

Tests marked ``torch`` need torch and transformers (the ``classify`` extra); in an environment
without them they are skipped, with that reason, so the quick tier runs anywhere.
"""

from __future__ import annotations

import importlib.util

import pytest

from tokls.core.tokenizers import load_tokenizer

_MISSING = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]


def pytest_collection_modifyitems(config, items):
    if not _MISSING:
        return
    skip = pytest.mark.skip(reason=f"needs {' and '.join(_MISSING)}, not installed (pip install 'tokls[classify]')")
    for item in items:
        if item.get_closest_marker("torch") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def bert():
    return load_tokenizer("bert-base-uncased")


@pytest.fixture(scope="session")
def gpt2():
    return load_tokenizer("gpt2")


@pytest.fixture(scope="session", params=["bert-base-uncased", "gpt2"])
def tok(request):
    return load_tokenizer(request.param)
