"""Shared fixtures: real tokenizers (loaded once per session) and sample texts."""

from __future__ import annotations

import pytest

from tokls.core.tokenizers import load_tokenizer


@pytest.fixture(scope="session")
def bert():
    return load_tokenizer("bert-base-uncased")


@pytest.fixture(scope="session")
def gpt2():
    return load_tokenizer("gpt2")


@pytest.fixture(scope="session", params=["bert-base-uncased", "gpt2"])
def tok(request):
    return load_tokenizer(request.param)
