"""Does int8 keep the embedded classifier's accuracy? The figures behind ``EMBEDDED_INT8``.

Rebuilds the test split the checkpoint's ``tokls_checkpoint.json`` records (the movie-grouped
split of the three-way model, or the split ``tokls train`` made), classifies it with
torch, the ONNX fp32 graph and the ONNX int8 graph through the run-time pipeline, and prints each
one's accuracy (and macro-F1), the points int8 loses against fp32, how often the labels of fp32 and
int8 differ from torch's, and the largest probability gaps. The rule (issue 12): int8 only when it
loses at most 0.5 accuracy points, else fp32.

    python benchmarks/onnx_precision.py [--model sentiment] [--part test] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys


def run(model: str = "sentiment", part: str = "test") -> dict:
    import numpy as np

    from tokls.core.backends import onnx_backend, torch_backend
    from tokls.core.checkpoints import read_metadata, resolve_model
    from tokls.core.classify import Classifier, ClassifyOptions
    from tokls.core.training.data import load_examples, split_examples
    from tokls.core.training.metrics import metrics

    meta = read_metadata(resolve_model(model).path)
    training = meta.get("training") or {}
    split_cfg = training.get("split") or {}
    seed, val, test = split_cfg.get("seed", 13), split_cfg.get("val_fraction", 0.1), split_cfg.get("test_fraction", 0.1)
    if training.get("data") == "rotten-tomatoes-3way":  # the three-way model's movie-grouped split
        from tokls.data import rotten_tomatoes
        from tokls.data.split import grouped_split

        items = rotten_tomatoes.load_three_way()
        chosen = grouped_split(items, lambda x: x.movie, lambda x: x.label, seed, val, test)[part]
    else:
        examples = load_examples(training.get("data", "rotten-tomatoes"), training.get("text_column", "text"),
                                 training.get("label_column", "label"))
        chosen = getattr(split_examples(examples, seed, val, test), part)
    texts, gold = [e.text for e in chosen], [e.label for e in chosen]
    options = ClassifyOptions(batch_size=64)
    out: dict = {"model": model, "part": part, "n": len(texts)}
    probs = {}
    for name, loader in (
        ("torch", lambda: torch_backend.load(model, device="cpu")),
        ("onnx-fp32", lambda: onnx_backend.load(model, precision="fp32")),
        ("onnx-int8", lambda: onnx_backend.load(model, precision="int8")),
    ):
        classifier = Classifier(model)
        classifier._loaded = loader()  # this very backend and precision, through the ordinary pipeline
        labels = classifier.labels
        results = classifier.classify_many(texts, options)
        m = metrics(gold, [r.label for r in results], labels)
        probs[name] = np.array([[{s.label: s.score for s in r.scores}[lab] for lab in labels] for r in results])
        out[name] = {"accuracy": m["accuracy"], "macro_f1": m.get("macro_f1"),
                     "binary_reviews": _binary(probs[name], gold, labels), "ece_15_bins": _ece(probs[name], gold, labels)}
    ref = probs["torch"]
    for name in ("onnx-fp32", "onnx-int8"):
        p = probs[name]
        out[name]["label_disagreements_vs_torch"] = int((p.argmax(1) != ref.argmax(1)).sum())
        out[name]["max_probability_gap_vs_torch"] = float(np.abs(p - ref).max())
    lost = (out["onnx-fp32"]["accuracy"] - out["onnx-int8"]["accuracy"]) * 100
    out["int8_points_lost"] = round(lost, 2)
    out["decision"] = "int8" if lost <= 0.5 else "fp32"
    return out


def _binary(probs, gold: list[str], labels: list[str]) -> float | None:
    """Accuracy on the NEGATIVE/POSITIVE examples, arg-max of those two (the model card's binary figure)."""
    if "NEGATIVE" not in labels or "POSITIVE" not in labels:
        return None
    neg, pos = labels.index("NEGATIVE"), labels.index("POSITIVE")
    rows = [(p, g) for p, g in zip(probs, gold) if g in ("NEGATIVE", "POSITIVE")]
    return sum(("POSITIVE" if p[pos] > p[neg] else "NEGATIVE") == g for p, g in rows) / len(rows) if rows else None


def _ece(probs, gold: list[str], labels: list[str], bins: int = 15) -> float:
    """Expected calibration error of the top probability over equal-width bins."""
    import numpy as np

    conf = probs.max(1)
    right = np.array([labels[i] == g for i, g in zip(probs.argmax(1), gold)], dtype=float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    return float(sum(abs(right[which == b].mean() - conf[which == b].mean()) * (which == b).sum()
                     for b in range(bins) if (which == b).any()) / len(gold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="sentiment")
    parser.add_argument("--part", choices=("train", "validation", "test"), default="test")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    out = run(args.model, args.part)
    print(f"{args.model}, {out['part']} split ({out['n']} examples)")
    print("| run | accuracy | macro-F1 | binary (reviews) | ECE (15 bins) | labels ≠ torch | max |Δp| vs torch |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for name in ("torch", "onnx-fp32", "onnx-int8"):
        r = out[name]
        f1 = f"{r['macro_f1']:.4f}" if r.get("macro_f1") is not None else "-"
        binary = f"{r['binary_reviews']:.4f}" if r.get("binary_reviews") is not None else "-"
        print(f"| {name} | {r['accuracy']:.4f} | {f1} | {binary} | {r['ece_15_bins']:.4f} | "
              f"{r.get('label_disagreements_vs_torch', '-')} | "
              f"{r.get('max_probability_gap_vs_torch', 0):.2e} |")
    print(f"int8 loses {out['int8_points_lost']:.2f} accuracy points against fp32 → {out['decision']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
