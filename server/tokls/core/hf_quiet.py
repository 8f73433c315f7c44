"""One switch for the Hugging Face libraries' chatter: :func:`quiet_transformers`.

transformers logs warnings ("some weights were newly initialized") and draws download/loading
progress bars on stderr; tokls reports its own progress and errors, so every place that loads or
builds a model through transformers does it inside ``with quiet_transformers():``. The previous
verbosity and progress-bar state come back when the block ends. transformers is imported only
when the block is entered.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator

__all__ = ["quiet_transformers"]


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Errors only, no progress bars, no ``FutureWarning``s from transformers/peft, inside the block."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
