"""Settings: ``initialize`` (initializationOptions), ``initialized`` and
``workspace/didChangeConfiguration`` → ``workspace/configuration`` (section ``tokls``).

The client's configuration wins over initializationOptions key by key; invalid values are
reported once and replaced by their defaults; a changed tokenizer, segment mode or length
re-analyses every open document.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types

from ..server import ToklsServer

log = logging.getLogger("tokls")


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value)
        return out
    return base if over is None else over


def _unwrap(raw: Any) -> Any:
    return raw["tokls"] if isinstance(raw, dict) and "tokls" in raw else raw


async def _pull(ls: ToklsServer) -> Any:
    caps = ls.client_capabilities.workspace
    if not (caps and caps.configuration):
        return None
    try:
        result = await asyncio.wait_for(ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="tokls")])), timeout=10)
    except Exception as exc:  # noqa: BLE001 - a client that cannot answer keeps the current settings
        log.warning("workspace/configuration failed: %s", exc)
        return None
    return result[0] if result else None


async def _validate_model(ls: ToklsServer) -> None:
    _tok, problem = await ls.on_worker(ls.tokenizer)
    if problem:
        ls.tell(problem)


def register(server: ToklsServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: ToklsServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_running_loop()
        ls.init_options = _unwrap(params.initialization_options)
        ls.apply_settings(ls.init_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ToklsServer, params: types.InitializedParams) -> None:
        ls.initialized = True
        pulled = await _pull(ls)
        if isinstance(pulled, dict):
            ls.apply_settings(_merge(ls.init_options, pulled))
        await _validate_model(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: ToklsServer, params: types.DidChangeConfigurationParams) -> None:
        pushed = params.settings
        if isinstance(pushed, dict) and isinstance(pushed.get("tokls"), dict):
            raw = pushed["tokls"]
        else:
            raw = await _pull(ls)
        ls.apply_settings(_merge(ls.init_options, raw if isinstance(raw, dict) else None))
        await _validate_model(ls)
