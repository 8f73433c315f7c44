"""One module per LSP concern; each exposes ``register(server)``."""
