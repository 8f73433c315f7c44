"""The assembled server: :func:`create_server` builds a :class:`~.language_server.ToklsServer`
with every feature of :data:`~.features.FEATURES` and forwards the ``tokls`` log to the client."""

from __future__ import annotations

import gc
import logging

from lsprotocol import types

from ._pygls import serve_stdio
from .features import FEATURES
from .language_server import ToklsServer

__all__ = ["create_server", "ToklsServer", "serve_stdio"]

log = logging.getLogger("tokls")


class _ClientLogHandler(logging.Handler):
    """Forward log records to the client (window/logMessage) from any thread.

    The level travels as the message type, and the client's log adds its own timestamp: the text
    is the message alone (prefixed by the logger's name when it is not ``tokls`` itself).
    """

    _LEVELS = {logging.CRITICAL: types.MessageType.Error, logging.ERROR: types.MessageType.Error,
               logging.WARNING: types.MessageType.Warning, logging.INFO: types.MessageType.Info,
               logging.DEBUG: types.MessageType.Debug}

    def __init__(self, server: ToklsServer) -> None:
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.server.loop
        if loop is None or loop.is_closed() or not self.server.initialized:
            return
        text = self.format(record)
        if record.name != log.name:
            text = f"{record.name}: {text}"
        params = types.LogMessageParams(type=self._LEVELS.get(record.levelno, types.MessageType.Log), message=text)
        try:
            loop.call_soon_threadsafe(self.server.window_log_message, params)
        except RuntimeError:  # loop closing
            pass


class _HarmlessAsDebug(logging.Filter):
    """pygls warns when a ``$/cancelRequest`` names a request that already finished: the normal
    race of a client cancelling a hover or a command that has just been answered. Not a problem
    worth a warning: it is logged at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and str(record.msg).startswith("Cancel notification for unknown"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def create_server() -> ToklsServer:
    server = ToklsServer(FEATURES)
    handler = _ClientLogHandler(server)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_HarmlessAsDebug())
    log.setLevel(logging.INFO)
    # Everything imported so far (pygls, lsprotocol, cattrs, numpy: ~60k objects) lives as long
    # as the process: keep it out of the cyclic GC, whose full collections otherwise scan it
    # (30-90 ms each on a loaded machine), landing in the tail latency of hovers and edits.
    gc.freeze()
    return server
