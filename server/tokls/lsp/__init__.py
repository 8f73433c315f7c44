"""The LSP adapter: the only package that imports pygls and lsprotocol."""
