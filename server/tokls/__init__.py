"""tokls: see your text the way a transformer model sees it."""

__version__ = "0.1.0"
