"""End-to-end test of the tokls VS Code extension in real VS Code (code-server), driven through
headless Chromium with Playwright.

It installs the packaged .vsix into a fresh extensions folder, starts code-server on a free
loopback port with a throwaway workspace, opens a document that is too long for
bert-base-uncased and checks what a person would see:

  1. the status bar shows the document's token count and the tokenizer, in warning colours;
  2. the truncation squiggle is drawn on the cut only, the dropped text after it is faded, and
     hovering the cut shows the server's message and the token (1-based, Ln/Col, special tokens);
  3. selecting a sentence adds its count to the status bar;
  4. Ctrl+Alt+K starts a classification: a progress notification while the model loads, whose
     Cancel button cancels it (no result shown);
  5. "tokls: Classify Selection" from the command palette opens the result view (panel area) with
     the expected label and a quote of the text, and no notification (the view is on screen);
  6. "Classify Each Line of Selection" from the context menu shows a table; clicking a row
     selects that line;
  7. Classify Selection without a selection scores the long document in windows (a table);
  8. clicking the status bar item and picking gpt2 re-counts without a restart, the warning goes;
  9. "Show Tokens of Selection" shows the tokens;
 10. the Explorer's "Token counts" view lists both files of the workspace with their counts (long.txt's
     equal to the status bar's) and % of the limit, and totals per folder; a row opens its file;
 11. in docs/notes.md (front matter: gpt2, 120 tokens, a paragraph per input) inlay hints give the
     count of every paragraph (adding up to the view's), ✂ 120 at the cut and the running total;
 12. "tokls: Show Tokens" colours the tokens with the colours package.json contributes, in the dark
     and in the light theme, past-the-cut tokens struck through; run again, the colours go;
 13. Ctrl+. on the cut opens the Quick Fix menu with "Split into parts of at most 120 tokens";
     choosing it inserts tokls.split.separator (set in the user settings) so that every paragraph
     fits, and one undo restores the text;
 14. setting tokls.interpreter (Settings editor) to a Python without tokls restarts the server
     once and says plainly what is wrong and how to fix it;
 15. the extension's Details page shows the README's images (packaged in the .vsix);
 16. clearing tokls.interpreter leaves `python3` on PATH, which has no tokls: the notification
     offers "Install tokls"; it installs the wheel the .vsix carries into a virtual environment in
     the extension's storage (dependencies from the package index), with a progress notification,
     and the server starts from there.

Screenshots go to --artifacts (and, with --update-docs, the README's ones to docs/screenshots).
Prints `vscode-e2e: N passed, N failed` and exits non-zero on any failure.

Not collected by pytest (the name has no test_ prefix): run it through scripts/test-vscode.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path

from playwright.sync_api import Frame, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]

# Review lines first (classified one by one in step 5), then enough prose to go well past
# bert-base-uncased's 512 tokens.
POSITIVE = "A warm, funny and beautifully acted film that earns every one of its tears."
REVIEWS = [
    POSITIVE,
    "The plot is a mess, the jokes fall flat and the ending drags on forever.",
    "An unexpectedly moving story about two brothers, told with great restraint.",
    "I wanted to like it, but two hours of shouting is not a performance.",
]
FILLER = (
    "Before a transformer model sees a single word of what you wrote, a tokenizer cuts the text "
    "into pieces. Those pieces are not words, and they are not characters either: they are entries "
    "of a fixed vocabulary, learned from a large corpus before the model was trained. Whatever comes "
    "after the last position the model reads is not summarised or compressed: it is simply dropped."
)


#: the screenshots that --update-docs copies into docs/screenshots (the README shows them)
README_SCREENSHOTS = ("truncation-hover.png", "status-bar.png", "classify-selection.png", "classify-lines.png",
                      "classify-windows.png", "show-tokens.png", "install-offer.png", "token-counts-view.png",
                      "inline-counts.png", "token-colours-dark.png", "token-colours-light.png", "split-action.png")


class Checks:
    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def run(self, name: str, fn, *args, **kwargs):
        """Run one check; after a failure the later checks (which build on it) are not run."""
        if self.failed:
            self.failed.append((name, "not run: an earlier check failed"))
            print(f"FAIL {name}: not run (an earlier check failed)", flush=True)
            return None
        t0 = time.monotonic()
        try:
            out = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every check reports, then the run goes on or stops
            self.failed.append((name, f"{type(exc).__name__}: {exc}"))
            print(f"FAIL {name} ({time.monotonic() - t0:.1f}s): {exc}", flush=True)
            traceback.print_exc()
            return None
        self.passed.append(name)
        print(f"ok   {name} ({time.monotonic() - t0:.1f}s)", flush=True)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
                if r.status < 500:
                    return
        except Exception:  # noqa: BLE001
            time.sleep(0.3)
    raise TimeoutError(f"code-server did not answer at {url} within {timeout:.0f}s")


#: a Markdown file with its own model, limit and segment mode (front matter): counts per paragraph,
#: one paragraph over the limit (its cut, the split action), and a second folder for the tree view
NOTES_LIMIT = 120
NOTES = f"""---
tokls: {{model: gpt2, maxLength: {NOTES_LIMIT}, segment: paragraph}}
---
# Release notes

Counts now appear at the end of every paragraph, and the cut is marked where a paragraph runs \
past the limit.

{FILLER} {FILLER.replace("Before", "Long before")}

A short closing line 😀.
"""
#: what the split action inserts (the user's choice, tokls.split.separator)
SEPARATOR = "\n\n<!-- part -->\n\n"


def make_workspace(root: Path) -> Path:
    ws = root / "workspace"
    ws.mkdir(parents=True)
    paragraphs = "\n\n".join(f"{FILLER} (Paragraph {i + 1}.)" for i in range(9))
    (ws / "long.txt").write_text("\n".join(REVIEWS) + "\n\n" + paragraphs + "\n", encoding="utf-8")
    (ws / "docs").mkdir()
    (ws / "docs" / "notes.md").write_text(NOTES, encoding="utf-8")
    return ws


def user_settings(python: str, theme: str) -> dict:
    return {
        # (tokls.interpreter is machine-overridable: it goes to the machine's settings, see main())
        # The progress-and-cancel check needs a model load that lasts long enough to cancel: torch's
        # does (seconds); ONNX Runtime on the export cached at install time loads in well under a
        # second (benchmarks/bench_classify.py), so its progress would be gone before the click.
        "tokls.classifier.backend": "torch",
        "tokls.split.separator": SEPARATOR,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "workbench.welcomePage.walkthroughs.openOnInstall": False,
        "workbench.colorTheme": theme,
        "security.workspace.trust.enabled": False,
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "telemetry.telemetryLevel": "off",
        "chat.commandCenter.enabled": False,
        "chat.disableAIFeatures": True,
        "window.commandCenter": False,
        "editor.minimap.enabled": False,
        "editor.hover.delay": 200,
        "editor.wordWrap": "on",
        "editor.fontSize": 14,
        "files.hotExit": "off",
        "git.enabled": False,
        "workbench.editor.enablePreview": False,
    }


# ------------------------------------------------------------------------------------------
# The checks


def status_item(page: Page):
    return page.locator(".statusbar-item").filter(has_text=re.compile(r"\d[\d,]* tok\b"))


def status_text(page: Page) -> str:
    return status_item(page).first.inner_text().replace("\u00a0", " ").strip()


#: the text area of long.txt's editor (the visible viewport; the Settings editor's search box is a
#: Monaco editor too)
EDITOR = '.monaco-editor[data-uri$="long.txt"] .overflow-guard'


def focus_editor(page: Page) -> None:
    """Put the keyboard focus in long.txt's editor (clicks its visible top-left text)."""
    page.locator(EDITOR).first.click(position={"x": 120, "y": 8})


def open_document(page: Page, name: str) -> None:
    page.wait_for_selector(".explorer-folders-view .monaco-list-row", timeout=60_000)
    page.locator(".explorer-folders-view .monaco-list-row", has_text=name).first.click()
    page.wait_for_selector(f".tabs-container .tab[aria-label*='{name}']", timeout=30_000)
    page.wait_for_selector(".monaco-editor .view-lines .view-line", timeout=30_000)


def check_status_bar(page: Page) -> str:
    item = status_item(page).first
    item.wait_for(state="visible", timeout=90_000)
    text = status_text(page)
    m = re.search(r"([\d,]+) tok · (\S+)", text)
    assert m, f"unexpected status text {text!r}"
    tokens = int(m.group(1).replace(",", ""))
    assert tokens > 512, f"expected more than 512 tokens, status says {text!r}"
    assert m.group(2) == "bert-base-uncased", text
    # Warning colours: VS Code adds the warning-kind class for statusBarItem.warningBackground.
    cls = item.get_attribute("class") or ""
    bg = item.evaluate("e => getComputedStyle(e).backgroundColor")
    assert "warning-kind" in cls or bg not in ("rgba(0, 0, 0, 0)", "transparent"), f"no warning colours ({cls!r}, {bg})"
    return text


def check_squiggle_and_hover(page: Page, artifacts: Path) -> str:
    squiggle = page.locator(".monaco-editor .squiggly-warning").first
    squiggle.wait_for(state="attached", timeout=60_000)
    # Scroll the editor so the squiggle's start is on screen, then hover over it.
    focus_editor(page)
    deadline = time.monotonic() + 30
    box = None
    while time.monotonic() < deadline:
        box = squiggle.bounding_box()
        editor = page.locator(EDITOR).first.bounding_box()
        if box and editor and editor["y"] <= box["y"] <= editor["y"] + editor["height"] - 40:
            break
        page.mouse.move(editor["x"] + 200, editor["y"] + 100)
        page.mouse.wheel(0, 120)
        page.wait_for_timeout(150)
    assert box, "squiggle not visible"
    hover = page.locator(".monaco-hover:not(.hidden)").filter(has_text="Truncated")
    for dx in (8, 30, 60, 4):
        page.mouse.move(box["x"] + min(dx, max(box["width"] - 2, 2)), box["y"] + box["height"] / 2)
        try:
            hover.first.wait_for(state="visible", timeout=6_000)
            break
        except Exception:  # noqa: BLE001 - try another spot of the squiggle
            page.mouse.move(box["x"] - 200, box["y"] + 80)
            page.wait_for_timeout(300)
    hover.first.wait_for(state="visible", timeout=5_000)
    text = hover.first.inner_text().replace("\u00a0", " ")
    assert re.search(r"Truncated: [\d,]+ tokens > 512 \(bert-base-uncased\)", text), text
    # the token under the cut: 1-based, line:column, where the special tokens sit
    assert re.search(r"token 512 of [\d,]+ · Ln \d+, Col \d+", text), text
    assert "[CLS] is token 1, [SEP] is token 512" in text, text
    # only the cut is squiggled (one token, a few characters wide); the dropped text is faded
    assert box["width"] < 120, f"the squiggle is {box['width']}px wide"
    faded = page.locator(".monaco-editor .squiggly-inline-unnecessary")
    assert faded.count() >= 3, f"{faded.count()} faded spans"
    opacity = float(faded.first.evaluate("e => getComputedStyle(e).opacity"))
    assert opacity < 1, f"faded text has opacity {opacity}"
    assert page.locator(".monaco-editor .squiggly-warning").count() <= 2, "more than the cut is squiggled"
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "truncation-hover.png"))
    return text


def select_line_one(page: Page) -> None:
    """Select the first logical line (without its newline), whatever the word wrap."""
    focus_editor(page)
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+l")  # Expand Line Selection: the whole line and its newline
    page.keyboard.press("Shift+ArrowLeft")


def select_first_line(page: Page) -> str:
    page.mouse.move(5, 5)
    page.keyboard.press("Escape")
    select_line_one(page)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = status_text(page)
        if " sel " in text:
            m = re.search(r"sel ([\d,]+)", text)
            assert m and 5 < int(m.group(1)) < 60, text
            return text
        page.wait_for_timeout(200)
    raise AssertionError(f"status bar never showed the selection: {status_text(page)!r}")


def run_command(page: Page, title: str) -> None:
    box = page.locator(".quick-input-widget input").first
    # Focus may sit inside a webview (the result panel), which does not always pass F1 on to the
    # workbench: each retry hands focus back to the workbench more firmly.
    recoveries = [
        lambda: page.locator(".tabs-container .tab.active").first.click(),
        lambda: page.locator(".tabs-container .tab", has_text="long.txt").first.click(),
        lambda: page.locator(".monaco-editor .view-lines").first.click(),
    ]
    for recover in [None, *recoveries]:
        if recover is not None:
            page.keyboard.press("Escape")
            try:
                recover()
            except Exception:  # noqa: BLE001 - that element may not exist in this layout
                pass
        page.keyboard.press("F1")
        try:
            box.wait_for(state="visible", timeout=3_000)
            break
        except Exception:  # noqa: BLE001 - try the next way of taking focus back
            continue
    box.wait_for(state="visible", timeout=5_000)
    box.fill(f">{title}")
    # Fuzzy matching lists neighbours too ("Classify Each Line of Selection"): click the row
    # whose label is exactly the title.
    row = page.locator(".quick-input-list .monaco-list-row").filter(
        has=page.locator(".label-name", has_text=re.compile(rf"^\s*{re.escape(title)}\s*$"))
    ).first
    row.wait_for(state="visible", timeout=10_000)
    row.click()


def webview_frame(page: Page, selector: str, timeout: float) -> Frame:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.locator(selector).count() > 0:
                    return frame
            except Exception:  # noqa: BLE001 - frames come and go while the webview loads
                pass
        page.wait_for_timeout(300)
    raise TimeoutError(f"no webview frame with {selector} after {timeout:.0f}s")


def check_progress_and_cancel(page: Page, artifacts: Path) -> str:
    """The first classification loads the model: a progress notification with Cancel; cancelling
    it shows no result."""
    page.keyboard.press("Control+Alt+k")  # Classify Selection's keybinding
    toast = page.locator(".notifications-toasts .notification-toast", has_text="tokls: classifying with sentiment")
    toast.first.wait_for(state="visible", timeout=15_000)
    cancel = toast.first.locator(".monaco-button", has_text="Cancel")
    assert cancel.count() == 1, "the progress notification has no Cancel button"
    page.wait_for_timeout(700)  # let the toast finish fading in
    page.screenshot(path=str(artifacts / "classify-progress.png"))
    text = " ".join(toast.first.inner_text().split())
    cancel.first.click()
    toast.first.wait_for(state="hidden", timeout=15_000)
    # The server finishes loading the model in the background; no panel may appear for this run.
    page.wait_for_timeout(2_000)
    for frame in page.frames:
        try:
            assert frame.locator("#top-label").count() == 0, "a cancelled classification showed a result"
        except AssertionError:
            raise
        except Exception:  # noqa: BLE001 - detached frames
            pass
    return text


def check_classify_selection(page: Page, artifacts: Path, expected: str) -> str:
    run_command(page, "tokls: Classify Selection")
    frame = webview_frame(page, "#top-label", timeout=240)
    label = frame.locator("#top-label").inner_text().strip()
    bars = frame.locator(".bar-row").count()
    facts = frame.locator(".facts").inner_text()
    assert label == expected, f"panel shows {label!r}, expected {expected!r}"
    assert bars >= 2, f"{bars} bars"
    assert "sentiment" in facts and "Tokens" in facts, facts
    assert "softmax" not in facts and "add up to 100%" in facts, facts
    quote = frame.locator("#quote").inner_text().strip()
    assert quote == POSITIVE, f"the panel quotes {quote!r}"
    # the result is on screen: no notification repeats it
    page.wait_for_timeout(1_500)
    toasts = page.locator(".notifications-toasts .notification-toast", has_text=f"tokls: {expected}")
    assert toasts.count() == 0, "a notification repeats the result shown in the panel"
    # the results sit in the panel area, under a full-width editor
    editor = page.locator(EDITOR).first.bounding_box()
    assert editor and editor["width"] > 900, f"the editor is squeezed to {editor and editor['width']}px"
    page.screenshot(path=str(artifacts / "classify-selection.png"))
    return f"{label}; {bars} bars; {' '.join(facts.split())}"


def check_classify_lines(page: Page, artifacts: Path) -> str:
    # Dismiss notifications, then select the four review lines.
    run_command(page, "Notifications: Clear All Notifications")
    focus_editor(page)
    page.keyboard.press("Control+Home")
    # Expand Line Selection (Ctrl+L) selects whole logical lines, whatever the word wrap.
    for _ in range(4):
        page.keyboard.press("Control+l")
    before = status_text(page)
    # From the editor's context menu this time.
    page.locator(EDITOR).first.click(position={"x": 120, "y": 8}, button="right")
    item = page.locator(".context-view .monaco-menu .action-item", has_text="Classify Each Line of Selection")
    item.first.wait_for(state="visible", timeout=10_000)
    assert page.locator(".context-view .monaco-menu .action-item", has_text="Classify Selection").count() >= 1
    # A click that lands just after the menu opened can be swallowed: hover (focuses it), then Enter.
    page.wait_for_timeout(300)
    item.first.hover()
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")
    page.locator(".context-view .monaco-menu").first.wait_for(state="hidden", timeout=5_000)
    frame = webview_frame(page, "table.rows tbody tr", timeout=120)
    frame.locator("table.rows tbody tr").nth(3).wait_for(timeout=10_000)
    rows = frame.locator("table.rows tbody tr")
    assert rows.count() == 4, f"{rows.count()} rows"
    labels = [rows.nth(i).locator(".chip").inner_text().strip() for i in range(4)]
    # The two reviews the embedded model is sure about (>99% each).
    assert labels[:2] == ["POSITIVE", "NEGATIVE"], f"reviews classified {labels}"
    # the bars count the lines each label won
    counts = [int(v.inner_text()) for v in frame.locator(".bar-value").all()]
    assert sum(counts) == 4 and len(counts) >= 2, counts
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "classify-lines.png"))
    # Clicking the second row selects that line: the status bar's selection count changes.
    rows.nth(1).click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = status_text(page)
        if " sel " in now and now != before:
            return f"{rows.count()} rows {labels}; after click: {now}"
        page.wait_for_timeout(200)
    raise AssertionError(f"clicking a row did not change the selection ({before!r})")


def check_classify_windows(page: Page, artifacts: Path) -> str:
    """No selection: the whole (long) document is scored in windows, listed in a table."""
    page.locator(".tabs-container .tab", has_text="long.txt").first.click()  # focus out of the panel
    run_command(page, "Notifications: Clear All Notifications")
    page.locator(".tabs-container .tab", has_text="long.txt").first.click()
    page.keyboard.press("Control+Home")  # collapses the selection
    run_command(page, "tokls: Classify Selection")
    frame = webview_frame(page, "h2:has-text('Windows')", timeout=120)
    rows = frame.locator("table.rows tbody tr")
    n = rows.count()
    facts = " ".join(frame.locator(".facts").inner_text().split())
    source = frame.locator(".source").inner_text()
    assert n >= 2, f"{n} windows"
    assert "whole document" in source, source
    assert f"{n} windows" in facts, facts
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "classify-windows.png"))
    rows.nth(n - 1).click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if " sel " in status_text(page):
            return f"{n} windows; {facts}; after click: {status_text(page)}"
        page.wait_for_timeout(200)
    raise AssertionError("clicking a window did not select its text")


def check_switch_tokenizer(page: Page, artifacts: Path) -> str:
    """Click the status bar item, pick gpt2: the count changes without a restart, the warning goes."""
    run_command(page, "Notifications: Clear All Notifications")
    before = status_text(page)
    status_item(page).first.click()
    # The list (presets, model names, recent) is longer than the picker shows: filter it.
    page.locator(".quick-input-widget input").first.wait_for(state="visible", timeout=10_000)
    page.locator(".quick-input-list .monaco-list-row", has_text="o200k_base").first.wait_for(state="visible", timeout=10_000)
    page.locator(".quick-input-widget input").first.fill("gpt2")
    row = page.locator(".quick-input-list .monaco-list-row").filter(
        has=page.locator(".label-name", has_text=re.compile(r"^\s*gpt2\s*$"))
    ).first
    row.wait_for(state="visible", timeout=10_000)
    assert page.locator(".quick-input-list .monaco-list-row", has_text="Browse").count() == 1, "no Browse… item"
    page.screenshot(path=str(artifacts / "select-model.png"))
    row.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = status_text(page)
        if now.endswith("gpt2"):
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError(f"status bar still says {status_text(page)!r}")
    m = re.search(r"([\d,]+) tok", now)
    assert m and 512 < int(m.group(1).replace(",", "")) < 1024, now
    page.wait_for_function("() => document.querySelectorAll('.monaco-editor .squiggly-warning').length === 0", timeout=30_000)
    assert "warning-kind" not in (status_item(page).first.get_attribute("class") or ""), "still in warning colours"
    return f"{before!r} -> {now!r}"


def check_show_tokens(page: Page, artifacts: Path) -> str:
    select_line_one(page)
    run_command(page, "tokls: Show Tokens of Selection")
    frame = webview_frame(page, ".tokens .tok", timeout=30)
    n = frame.locator(".tokens .tok").count()
    heading = frame.locator("h1").inner_text()
    assert 10 < n < 40, f"{n} tokens"
    assert "gpt2" in heading, heading
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "show-tokens.png"))
    return f"{n} tokens; {heading!r}"


# -- the editor features: the Token counts view, counts inline, token colours, the split action --

NOTES_EDITOR = '.monaco-editor[data-uri$="notes.md"]'


def clip(page: Page, path: Path, box: dict, pad: int = 6) -> None:
    """A screenshot of ``box`` (page coordinates) and ``pad`` pixels around it, within the viewport."""
    view = page.viewport_size or {"width": 1440, "height": 900}
    x, y = max(0, box["x"] - pad), max(0, box["y"] - pad)
    right = min(view["width"], box["x"] + box["width"] + pad)
    bottom = min(view["height"], box["y"] + box["height"] + pad)
    page.screenshot(path=str(path), clip={"x": x, "y": y, "width": right - x, "height": bottom - y})


def union(*boxes: dict) -> dict:
    x, y = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
    return {"x": x, "y": y, "width": max(b["x"] + b["width"] for b in boxes) - x,
            "height": max(b["y"] + b["height"] for b in boxes) - y}


def token_counts_pane(page: Page):
    return page.locator(".pane", has=page.locator(".pane-header", has_text="Token counts")).first


def tree_rows(page: Page) -> dict[str, str]:
    """The Token counts view's rows: name → its description (from the row's full aria-label)."""
    rows = token_counts_pane(page).locator(".monaco-list-row")
    labels = [rows.nth(i).get_attribute("aria-label") or "" for i in range(rows.count())]
    return dict(label.split(" ", 1) for label in labels if " " in label)


def check_token_counts_view(page: Page, artifacts: Path) -> str:
    """The Explorer's Token counts view lists every file with its count and % of the limit and
    totals per folder; the counts are the server's (long.txt's equals the status bar's)."""
    panel = page.locator(".part.panel").first
    if panel.count() and panel.is_visible():  # the Results view from the previous check
        run_command(page, "View: Toggle Panel Visibility")
        panel.wait_for(state="hidden", timeout=10_000)
    page.locator(".tabs-container .tab", has_text="long.txt").first.click()
    m = re.match(r"([\d,]+) tok\b.* · gpt2$", status_text(page))  # (a selection count may sit in between)
    assert m, status_text(page)
    long_tokens = int(m.group(1).replace(",", ""))
    run_command(page, "View: Show Explorer")
    header = page.locator(".pane-header", has_text="Token counts").first
    header.wait_for(state="visible", timeout=20_000)
    if header.get_attribute("aria-expanded") != "true":
        header.click()
    # widen the side bar so that the rows' descriptions are not cut short
    sidebar = page.locator(".part.sidebar").first.bounding_box()
    if sidebar and sidebar["width"] < 420:
        edge = sidebar["x"] + sidebar["width"]
        page.mouse.move(edge, sidebar["y"] + 300)
        page.mouse.down()
        page.mouse.move(edge + 140, sidebar["y"] + 300, steps=5)
        page.mouse.up()
    # the model changed since the view was filled (the server counted with bert-base-uncased)
    run_command(page, "tokls: Refresh Token Counts")

    def listed() -> str | None:
        """What is wrong with the rows (None: nothing); the rows are redrawn one by one."""
        files = {}
        for name in ("long.txt", "notes.md"):
            fm = re.fullmatch(r"([\d,]+) tokens · ([\d.]+)%", rows.get(name, ""))
            if not fm:
                return f"{name}: {rows.get(name)!r}"
            files[name] = (int(fm.group(1).replace(",", "")), float(fm.group(2)))
        if files["long.txt"] != (long_tokens, round(100 * long_tokens / 1024, 1)):  # gpt2's limit
            return f"long.txt is not listed with the status bar's {long_tokens:,} tokens"
        if not files["notes.md"][1] > 100:  # its own limit (front matter), which it passes
            return "notes.md is not listed over its own limit"
        total = files["long.txt"][0] + files["notes.md"][0]
        if rows.get("workspace") != f"{total:,} tokens · 2 files · 1 truncated":
            return "the workspace's total is not the sum of its files"
        if rows.get("docs") != f"{files['notes.md'][0]:,} tokens · 1 file · 1 truncated":
            return "the docs folder's total is not notes.md's"
        return None

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = tree_rows(page)
        if (wrong := listed()) is None:
            break
        page.wait_for_timeout(300)
    else:
        raise AssertionError(f"{wrong}: {rows}")
    pane = token_counts_pane(page)
    warning = pane.locator(".monaco-list-row", has_text="notes.md").first.locator(".codicon-warning")
    assert warning.count() == 1, "notes.md (truncated) has no warning icon"
    last = pane.locator(".monaco-list-row").last.bounding_box()
    head = header.bounding_box()
    assert last and head
    clip(page, artifacts / "token-counts-view.png", union(head, last), pad=4)
    # a row opens its file
    pane.locator(".monaco-list-row", has_text="notes.md").first.click()
    page.locator(f"{NOTES_EDITOR} .view-line").first.wait_for(state="visible", timeout=20_000)
    return "; ".join(f"{k}: {v}" for k, v in rows.items())


def notes_lines(page: Page) -> list[str]:
    """The text of notes.md's rendered lines, top to bottom, inlay hints included (read at once:
    the editor redraws its lines while an edit lands)."""
    lines = page.locator(NOTES_EDITOR).first.evaluate(
        """e => [...e.querySelectorAll('.view-line')].map(l => [parseFloat(l.style.top) || 0, l.innerText])""")
    return [text.replace("\u00a0", " ") for _top, text in sorted(lines, key=lambda line: line[0])]


def notes_text_box(page: Page) -> dict:
    """notes.md's editor from its top to a little below its last line (the rest is empty)."""
    editor = page.locator(f"{NOTES_EDITOR} .overflow-guard").first.bounding_box()
    last = page.locator(f"{NOTES_EDITOR} .view-line").last.bounding_box()
    assert editor and last
    return {"x": editor["x"], "y": editor["y"], "width": editor["width"],
            "height": min(editor["height"], last["y"] + last["height"] + 8 - editor["y"])}


def hints(page: Page) -> tuple[list[int], str]:
    text = "\n".join(notes_lines(page))
    return [int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) tokens\b", text)], text


def check_inline_counts(page: Page, artifacts: Path) -> str:
    """Inlay hints in notes.md (its front matter: gpt2, 120 tokens, a paragraph per input): the
    count at the end of every paragraph, ✂ 120 at the cut, the running total past the limit."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        counts, text = hints(page)
        if len(counts) == 4 and f"✂ {NOTES_LIMIT}" in text:
            break
        page.wait_for_timeout(300)
    else:
        raise AssertionError(f"no paragraph counts and cut in notes.md: {text!r}")
    assert [n > NOTES_LIMIT for n in counts] == [False, False, True, False], counts
    listed = tree_rows(page).get("notes.md", "")
    assert listed.startswith(f"{sum(counts):,} tokens"), f"{counts} do not add up to the view's {listed!r}"
    running = re.search(rf"Σ [\d,]+ > {NOTES_LIMIT}\b", text)
    assert running, text
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    clip(page, artifacts / "inline-counts.png", notes_text_box(page))
    return f"{counts} tokens, ✂ {NOTES_LIMIT}, {running.group()}"


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def contributed_colours(kind: str) -> tuple[set[str], str]:
    """The token colours package.json contributes for ``[*Dark*]`` or ``[*Light*]`` themes, and
    the truncated tokens' colour."""
    pkg = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    rules = pkg["contributes"]["configurationDefaults"]["editor.semanticTokenColorCustomizations"][f"[*{kind}*]"]["rules"]
    return {_rgb(rules[f"toklsToken{i}"]) for i in range(3)}, _rgb(rules["*.truncated"]["foreground"])


def rendered_colours(page: Page) -> dict[tuple[str, bool], int]:
    """(colour, struck through) → how many text spans of notes.md are drawn so."""
    got = page.locator(NOTES_EDITOR).first.evaluate(
        """e => { const m = {}; for (const s of e.querySelectorAll('.view-line span span')) {
             const cs = getComputedStyle(s); const k = cs.color + '|' + cs.textDecorationLine.includes('line-through');
             m[k] = (m[k] || 0) + 1 } return m }""")
    return {(k.split("|")[0], k.endswith("true")): n for k, n in got.items()}


def wait_colours(page: Page, kind: str, on: bool = True) -> str:
    tokens, truncated = contributed_colours(kind)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = rendered_colours(page)
        shown = {c for (c, _struck), n in got.items() if c in tokens and n >= 5}
        if on and shown == tokens and got.get((truncated, True), 0) >= 5:
            return f"{kind}: {sum(n for (c, _s), n in got.items() if c in tokens)} token spans in 3 colours"
        if not on and not shown and not any(struck for _c, struck in got):
            return f"{kind}: no token colours"
        page.wait_for_timeout(300)
    raise AssertionError(f"{kind} theme, show tokens {on}: expected {tokens} and struck-through {truncated}, got {got}")


def check_token_colours(page: Page, artifacts: Path) -> str:
    """tokls: Show Tokens colours notes.md token by token with the colours the extension contributes
    for dark and for light themes, the tokens past the cut struck through; run again, it is off."""
    run_command(page, "tokls: Show Tokens")
    done = [wait_colours(page, "Dark")]
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    clip(page, artifacts / "token-colours-dark.png", notes_text_box(page))
    run_command(page, "Preferences: Toggle between Light/Dark Themes")
    done.append(wait_colours(page, "Light"))
    page.mouse.move(5, 5)
    page.wait_for_timeout(500)
    clip(page, artifacts / "token-colours-light.png", notes_text_box(page))
    run_command(page, "Preferences: Toggle between Light/Dark Themes")
    wait_colours(page, "Dark")
    run_command(page, "tokls: Show Tokens")
    done.append(wait_colours(page, "Dark", on=False))
    return "; ".join(done)


def check_split_action(page: Page, artifacts: Path) -> str:
    """Ctrl+. on the cut: the Quick Fix menu offers the split; choosing it inserts the separator
    the settings chose (tokls.split.separator) so that every paragraph fits, and one undo takes it back."""
    editor = page.locator(NOTES_EDITOR).first
    squiggle = editor.locator(".squiggly-warning").first
    squiggle.wait_for(state="attached", timeout=30_000)
    box = squiggle.bounding_box()
    assert box, "no truncation squiggle in notes.md"
    page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    page.keyboard.press("Control+.")
    menu = page.locator(".action-widget").first
    menu.wait_for(state="visible", timeout=15_000)
    rows = menu.locator(".monaco-list-row.action")
    titles = [rows.nth(i).get_attribute("aria-label") for i in range(rows.count())]
    split = f"Split into parts of at most {NOTES_LIMIT} tokens"
    assert titles == [split, "Copy what the model sees", "Classify this segment"], titles
    page.wait_for_timeout(300)
    clip(page, artifacts / "split-action.png", union(notes_text_box(page), menu.bounding_box()))
    for _ in range(len(titles)):  # the menu takes no clicks through Playwright: the keyboard picks
        if menu.locator(".monaco-list-row.focused").first.get_attribute("aria-label") == split:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    mark = SEPARATOR.strip()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        counts, text = hints(page)
        if any(line.strip().startswith(mark) for line in text.splitlines()) and "✂" not in text:
            break
        page.wait_for_timeout(300)
    else:
        raise AssertionError(f"the split did not insert {mark!r} or left a cut: {text!r}")
    assert len(counts) >= 5 and all(n <= NOTES_LIMIT for n in counts), f"after the split: {counts}"
    after = counts
    page.keyboard.press("Control+z")  # the whole split is one edit: one undo
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        counts, text = hints(page)
        if mark not in text and f"✂ {NOTES_LIMIT}" in text and len(counts) == 4:
            return f"{titles}; after the split {after}; after one undo {counts}"
        page.wait_for_timeout(300)
    raise AssertionError(f"one undo did not restore notes.md: {text!r}")


def interpreter_setting(page: Page):
    """The Settings editor's input for tokls.interpreter, opened and visible."""
    run_command(page, "Preferences: Open User Settings")
    search = page.locator(".settings-editor .settings-header .monaco-editor textarea, .settings-editor .suggest-input-container textarea").first
    search.wait_for(state="visible", timeout=20_000)
    search.fill("tokls.interpreter")
    # tokls.interpreter is machine-overridable (a repository cannot swap the executable): in
    # code-server, machine settings live on the Remote tab, not the browser's User tab.
    remote = page.locator(".settings-editor .settings-tabs-widget .action-label", has_text="Remote")
    if remote.count():
        remote.first.click()
    field = page.locator(".settings-editor .setting-item-contents").filter(has_text="Interpreter").locator("input").first
    field.wait_for(state="visible", timeout=20_000)
    return field


def check_bad_interpreter(page: Page, artifacts: Path, python: str, logs: Path) -> str:
    """Set tokls.interpreter (Settings editor) to a Python without tokls: one restart, then a plain
    message with the ways to fix it."""
    run_command(page, "Notifications: Clear All Notifications")
    field = interpreter_setting(page)
    field.fill(python)
    field.press("Tab")
    toast = page.locator(".notifications-toasts .notification-toast", has_text="does not have the tokls server installed")
    toast.first.wait_for(state="visible", timeout=60_000)
    text = toast.first.inner_text().replace("\u00a0", " ")
    assert "pip install" in text and "select an interpreter" in text, text
    for button in ("Select Interpreter", "Copy Install Command", "Show Output"):
        assert toast.first.locator(".monaco-button", has_text=button).count() == 1, f"no {button!r} button"
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "interpreter-error.png"))
    restarts = sum(f.read_text(errors="replace").count("Restarting the server: settings changed") for f in logs.rglob("*.log"))
    assert restarts == 1, f"{restarts} restarts"
    return " ".join(text.split())[:200]


def check_details_page_images(page: Page, artifacts: Path) -> str:
    """The extension's Details page (its README) shows every image it links."""
    page.keyboard.press("Escape")
    page.locator(".tabs-container .tab", has_text="long.txt").first.click()
    focus_editor(page)
    run_command(page, "Notifications: Clear All Notifications")
    run_command(page, "Extensions: Show Enabled Extensions")
    item = page.locator(".extensions-viewlet .monaco-list-row", has_text="tokls").first
    item.wait_for(state="visible", timeout=30_000)
    item.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                images = frame.locator("img[alt]")
                n = images.count()
                if n < 3:
                    continue
                loaded = frame.evaluate("() => [...document.querySelectorAll('img[alt]')]"
                                        ".map(i => i.complete && i.naturalWidth > 0)")
                if all(loaded):
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(artifacts / "details-page.png"))
                    return f"{n} images loaded"
            except Exception:  # noqa: BLE001 - frames come and go while the page loads
                pass
        page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "details-page.png"))
    raise AssertionError("the Details page did not show its images")


def check_install_offer(page: Page, artifacts: Path) -> str:
    """No tokls.interpreter and a `python3` on PATH without tokls: "Install tokls" sets the server
    up in a virtual environment from the wheel in the .vsix, and it starts."""
    run_command(page, "Notifications: Clear All Notifications")
    page.locator(".tabs-container .tab", has_text="long.txt").first.click()
    field = interpreter_setting(page)
    field.fill("")
    field.press("Tab")
    toast = page.locator(".notifications-toasts .notification-toast", has_text="does not have the tokls server installed")
    toast.first.wait_for(state="visible", timeout=60_000)
    text = " ".join(toast.first.inner_text().replace("\u00a0", " ").split())
    assert '"python3" (on PATH)' in text, text
    install = toast.first.locator(".monaco-button", has_text="Install tokls")
    assert install.count() == 1, "no Install tokls button"
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "install-offer.png"))
    install.first.click()
    progress = page.locator(".notifications-toasts .notification-toast", has_text="tokls: installing the server")
    progress.first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "install-progress.png"))
    # pip fetches tokls' dependencies and the vocabularies from the index: minutes on a slow line
    page.locator(".tabs-container .tab", has_text="long.txt").first.click()
    deadline = time.monotonic() + 420
    while time.monotonic() < deadline:
        failed = page.locator(".notifications-toasts .notification-toast", has_text="could not")
        assert failed.count() == 0, failed.first.inner_text()
        if status_item(page).count() and re.search(r"[\d,]+ tok", status_text(page)):
            break
        page.wait_for_timeout(1_000)
    else:
        raise AssertionError("the server did not start after Install tokls")
    return f"{text[:120]}… → {status_text(page)!r}"


def status_bar_crop(page: Page, artifacts: Path) -> None:
    """The right half of the status bar, with the tokls item."""
    item = status_item(page).first.bounding_box()
    bar = page.locator(".part.statusbar").first.bounding_box()
    if not item or not bar:
        return
    x = max(bar["x"], item["x"] - 420)
    right = min(bar["x"] + bar["width"], item["x"] + item["width"] + 60)
    page.screenshot(path=str(artifacts / "status-bar.png"),
                    clip={"x": x, "y": bar["y"], "width": right - x, "height": bar["height"]})


# ------------------------------------------------------------------------------------------


def dump_logs(root: Path) -> None:
    for log in sorted(root.rglob("*.log")):
        if any(k in log.name.lower() for k in ("tokls", "exthost", "remoteexthost", "code-server")) or "tokls" in str(log).lower():
            text = log.read_text(errors="replace")
            print(f"----- {log.relative_to(root)} (last 60 lines) -----")
            print("\n".join(text.splitlines()[-60:]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code-server", required=True, help="path to the code-server launcher")
    ap.add_argument("--vsix", required=True)
    ap.add_argument("--python", required=True, help="interpreter with tokls installed (runs the server)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--artifacts", default=str(REPO / "test-results" / "vscode"))
    ap.add_argument("--update-docs", action="store_true", help="copy the screenshots into docs/screenshots")
    ap.add_argument("--expected-label", default="POSITIVE")
    ap.add_argument("--theme", default="Default Dark Modern", help="VS Code colour theme for the run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary user data and workspace")
    args = ap.parse_args()

    artifacts = Path(args.artifacts).resolve()
    if artifacts.exists():
        shutil.rmtree(artifacts)
    artifacts.mkdir(parents=True)
    root = Path(tempfile.mkdtemp(prefix="tokls-vscode-"))
    ud, ext, cfg = root / "user-data", root / "extensions", root / "config"
    (ud / "User").mkdir(parents=True)
    (ud / "User" / "settings.json").write_text(json.dumps(user_settings(args.python, args.theme), indent=2))
    # machine-overridable settings (tokls.interpreter) are read from the machine's settings in code-server
    (ud / "Machine").mkdir(parents=True, exist_ok=True)
    (ud / "Machine" / "settings.json").write_text(json.dumps({"tokls.interpreter": args.python}, indent=2))
    ws = make_workspace(root)

    env = dict(os.environ)
    env.update({
        "XDG_CONFIG_HOME": str(cfg),
        "XDG_DATA_HOME": str(root / "data"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    })
    env.pop("VSCODE_IPC_HOOK_CLI", None)
    # `python3` on PATH is an interpreter without tokls (this script's own): the extension falls
    # back to it once tokls.interpreter is cleared, and offers to install tokls.
    bare = root / "bin"
    bare.mkdir()
    (bare / "python3").write_text(f"#!/bin/sh\nunset PYTHONPATH\nexec {sys.executable} \"$@\"\n")
    (bare / "python3").chmod(0o755)
    env["PATH"] = f"{bare}{os.pathsep}{env.get('PATH', '')}"
    # The server side of VS Code takes its environment from a login shell: a HOME of our own whose
    # profile puts that `python3` first (caches stay where they were).
    home = root / "home"
    home.mkdir()
    for profile in (".bash_profile", ".profile"):
        (home / profile).write_text(f'export PATH="{bare}:$PATH"\n')
    env.setdefault("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    env["HOME"] = str(home)

    checks = Checks()
    t0 = time.monotonic()
    r = subprocess.run(
        [args.code_server, "--install-extension", args.vsix, "--user-data-dir", str(ud), "--extensions-dir", str(ext)],
        env=env, capture_output=True, text=True, timeout=180,
    )
    print(r.stdout.strip(), r.stderr.strip(), sep="\n", flush=True)
    if r.returncode != 0 or not list(ext.glob("tokls.tokls-*")):
        print("FAIL install the .vsix into code-server")
        print("vscode-e2e: 0 passed, 1 failed")
        return 1
    checks.passed.append("install the .vsix into code-server")
    print(f"ok   install the .vsix into code-server ({time.monotonic() - t0:.1f}s)")

    port = free_port()
    server_log = open(artifacts / "code-server.log", "w")
    proc = subprocess.Popen(
        [args.code_server, "--bind-addr", f"127.0.0.1:{port}", "--auth", "none", "--disable-telemetry",
         "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
         "--ignore-last-opened", "--user-data-dir", str(ud), "--extensions-dir", str(ext), str(ws)],
        env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=args.chromium, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                      "--disable-dev-shm-usage"],
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
            page.set_default_timeout(30_000)
            page.goto(f"http://127.0.0.1:{port}/?folder={ws}", wait_until="domcontentloaded")
            page.wait_for_selector(".monaco-workbench", timeout=60_000)
            checks.run("open the long document from the Explorer", open_document, page, "long.txt")
            checks.run("status bar: token count, tokenizer, warning colours", check_status_bar, page)
            checks.run("truncation squiggle and its hover", check_squiggle_and_hover, page, artifacts)
            if checks.run("status bar: selection count", select_first_line, page):
                status_bar_crop(page, artifacts)
            checks.run("Ctrl+Alt+K: progress while the model loads, cancellable", check_progress_and_cancel, page, artifacts)
            checks.run("Classify Selection: result panel with the right label", check_classify_selection,
                       page, artifacts, args.expected_label)
            checks.run("context menu Classify Each Line: table, click a row to select it", check_classify_lines, page, artifacts)
            checks.run("Classify Selection without a selection: long text in windows", check_classify_windows,
                       page, artifacts)
            checks.run("switch tokenizer from the status bar (no restart)", check_switch_tokenizer, page, artifacts)
            checks.run("Show Tokens of Selection", check_show_tokens, page, artifacts)
            checks.run("Token counts view: every file, its count and % of the limit, folder totals",
                       check_token_counts_view, page, artifacts)
            checks.run("inlay hints: a count per paragraph, the cut, the running total", check_inline_counts,
                       page, artifacts)
            checks.run("tokls: Show Tokens: token colours in the dark and the light theme", check_token_colours,
                       page, artifacts)
            checks.run("Quick Fix on the cut: Split inserts the chosen separator, one undo", check_split_action,
                       page, artifacts)
            if not checks.failed:
                page.locator(".tabs-container .tab", has_text="long.txt").first.click()
            checks.run("an interpreter without tokls: one restart, a plain message with fixes", check_bad_interpreter,
                       page, artifacts, sys.executable, ud / "logs")
            checks.run("Details page: the README's images load", check_details_page_images, page, artifacts)
            checks.run("python3 without tokls: Install tokls sets up the server, which starts", check_install_offer,
                       page, artifacts)
            if checks.failed:
                page.screenshot(path=str(artifacts / "failure.png"))
            browser.close()
    except Exception as exc:  # noqa: BLE001
        checks.failed.append(("run code-server and the browser", f"{type(exc).__name__}: {exc}"))
        traceback.print_exc()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        server_log.close()

    if checks.failed:
        dump_logs(root)
        print(f"code-server log: {artifacts / 'code-server.log'}")
    else:
        for name in README_SCREENSHOTS:
            if args.update_docs and (artifacts / name).exists():
                dest = REPO / "docs" / "screenshots"
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(artifacts / name, dest / name)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(f"screenshots: {artifacts}")
    print(f"vscode-e2e: {len(checks.passed)} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
