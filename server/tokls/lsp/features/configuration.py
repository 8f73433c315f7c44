"""Settings: ``initialize`` (initializationOptions), ``initialized`` and
``workspace/didChangeConfiguration`` → ``workspace/configuration`` (section ``tokls``).

The client's configuration wins over initializationOptions key by key; invalid values are
reported once and replaced by their defaults; the other features react in their
``settings_changed`` hook (diagnostics re-analyse every open document).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types

from ..language_server import Feature, ToklsServer

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


class Configuration(Feature):
    def __init__(self, server: ToklsServer) -> None:
        super().__init__(server)
        self.init_options: Any = None
        self.handle(types.WORKSPACE_DID_CHANGE_CONFIGURATION, self.did_change_configuration)

    def initialize(self, params: types.InitializeParams) -> None:
        self.init_options = _unwrap(params.initialization_options)
        self.server.apply_settings(self.init_options)

    async def initialized(self) -> None:
        pulled = await self._pull()
        if isinstance(pulled, dict):
            self.server.apply_settings(_merge(self.init_options, pulled))
        await self._check_model()

    async def did_change_configuration(self, params: types.DidChangeConfigurationParams) -> None:
        pushed = params.settings
        if isinstance(pushed, dict) and isinstance(pushed.get("tokls"), dict):
            raw = pushed["tokls"]
        else:
            raw = await self._pull()
        self.server.apply_settings(_merge(self.init_options, raw if isinstance(raw, dict) else None))
        await self._check_model()

    async def _pull(self) -> Any:
        caps = self.server.client_capabilities.workspace
        if not (caps and caps.configuration):
            return None
        try:
            result = await asyncio.wait_for(self.server.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="tokls")])), timeout=10)
        except Exception as exc:  # noqa: BLE001 - a client that cannot answer keeps the current settings
            log.warning("workspace/configuration failed: %s", exc)
            return None
        return result[0] if result else None

    async def _check_model(self) -> None:
        """Load the configured tokenizer now, so that a bad name is reported at once."""
        problem = await self.server.tokenizer_problem()
        if problem:
            self.server.show_once(problem)
