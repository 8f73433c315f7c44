"""What the server writes to the client's log: plain messages (the client adds level and time),
settings as key=value, and pygls' cancel-after-answer race at DEBUG, not as a warning."""

from __future__ import annotations

import logging

from tokls.core.settings import ClassifierSettings, Settings, parse_settings
from tokls.lsp.language_server import _settings_line
from tokls.lsp.server import create_server


def test_settings_line_is_key_value():
    line = _settings_line(Settings(model="gpt2", classifier=ClassifierSettings(device="cuda")))
    assert line.startswith("model=gpt2 maxLength=null budget.warnAt=0.8 segment=document severity.tokenCount=")
    assert " exclude=[] " in line and " classifier.device=cuda" in line and "Settings(" not in line
    assert line.endswith(' split.separator=""')  # empty, whitespace and line breaks quoted: one line
    assert _settings_line(parse_settings({"split": {"separator": "\n\n* * *\n\n"}})[0]).endswith(
        ' split.separator="\\n\\n* * *\\n\\n"')


def test_cancel_for_an_answered_request_is_debug(caplog):
    create_server()
    pygls_log = logging.getLogger("pygls.protocol.json_rpc")
    with caplog.at_level(logging.DEBUG, logger="pygls.protocol.json_rpc"):
        pygls_log.warning('Cancel notification for unknown message id "%s"', 12)
        pygls_log.warning("something else")
    levels = {r.getMessage(): r.levelname for r in caplog.records if r.name == "pygls.protocol.json_rpc"}
    assert levels == {'Cancel notification for unknown message id "12"': "DEBUG", "something else": "WARNING"}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pygls.protocol.json_rpc"):
        pygls_log.warning('Cancel notification for unknown message id "%s"', 13)
    assert not [r for r in caplog.records if r.name == "pygls.protocol.json_rpc"]
