"""The editor-independent core of tokls: tokenizers, analysis, classification.

Nothing here imports pygls, lsprotocol, torch or transformers at module level.
"""
