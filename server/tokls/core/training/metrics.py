"""Classification metrics (accuracy, per-class precision/recall/F1, macro F1) and their report."""

from __future__ import annotations

from typing import Sequence

__all__ = ["metrics", "format_metrics"]


def metrics(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    """Accuracy, per-class precision/recall/F1/support and macro F1."""
    n = len(gold)
    correct = sum(g == p for g, p in zip(gold, predicted))
    per_class = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
    macro = sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0
    return {"n": n, "accuracy": round(correct / n, 4) if n else None, "macro_f1": round(macro, 4), "per_class": per_class}


def format_metrics(name: str, m: dict) -> str:
    if not m.get("n"):
        return f"{name}: no examples"
    lines = [f"{name}: accuracy {m['accuracy'] * 100:.2f}% on {m['n']} examples, macro F1 {m['macro_f1']:.4f}"]
    width = max(len(label) for label in m["per_class"])
    lines.append(f"  {'label':<{width}}  precision  recall  f1      support")
    for label, c in m["per_class"].items():
        lines.append(
            f"  {label:<{width}}  {c['precision']:.4f}     {c['recall']:.4f}  {c['f1']:.4f}  {c['support']}"
        )
    return "\n".join(lines)
