"""Scoring a classifier on examples: the training model in memory, or a checkpoint as users run it."""

from __future__ import annotations

from typing import Sequence

from .data import Example, TrainError, load_examples, split_examples
from .metrics import metrics

__all__ = ["encode", "predict_logits", "predict_ids", "evaluate_model", "evaluate_checkpoint"]


def encode(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids (special tokens included, truncated to ``max_length``) of every text."""
    return tokenizer(list(texts), truncation=True, max_length=max_length, padding=False)["input_ids"]


def predict_logits(model, encoded: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64) -> list[list[float]]:
    """The logits of every encoded text (length-sorted batches, original order out)."""
    import torch

    from ..classify import pad

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    out: list[list[float]] = [[]] * len(encoded)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = pad([encoded[i] for i in idx], pad_id)
            rows = model(input_ids=torch.from_numpy(ids).to(device), attention_mask=torch.from_numpy(mask).to(device)).logits.float().tolist()
            for i, row in zip(idx, rows):
                out[i] = row
    model.train(was_training)
    return out


def predict_ids(model, encoded: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64) -> list[int]:
    """Arg-max class of every encoded text."""
    return [max(range(len(row)), key=row.__getitem__) for row in predict_logits(model, encoded, pad_id, batch_size)]


def evaluate_model(model, tokenizer, examples: Sequence[Example], labels: Sequence[str], max_length: int) -> dict:
    """Metrics of a transformers model (the one being trained) on ``examples``."""
    if not examples:
        return metrics([], [], labels)
    encoded = encode(tokenizer, [e.text for e in examples], max_length)
    pred = predict_ids(model, encoded, tokenizer.pad_token_id or 0)
    return metrics([e.label for e in examples], [labels[p] for p in pred], labels)


def evaluate_checkpoint(
    model: str,
    data: str,
    text_column: str = "text",
    label_column: str = "label",
    seed: int = 13,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    part: str = "test",
    batch_size: int = 64,
) -> dict:
    """Rebuild the seeded split and score ``model`` on one part through the run-time classifier.

    This is the path the server and ``tokls classify`` take (adapter merged, default window
    mode), so the figure is what a user gets.
    """
    from ..classify import Classifier, ClassifyOptions

    examples = load_examples(data, text_column, label_column)
    split = split_examples(examples, seed, val_fraction, test_fraction)
    chosen = {"train": split.train, "validation": split.validation, "test": split.test}[part]
    if not chosen:
        raise TrainError(f"The {part} split is empty.")
    classifier = Classifier(model)
    labels = classifier.labels
    unknown = sorted({e.label for e in chosen} - set(labels))
    if unknown:
        raise TrainError(f"The data has labels the model does not know: {', '.join(unknown)} (model: {', '.join(labels)}).")
    results = classifier.classify_many([e.text for e in chosen], ClassifyOptions(batch_size=batch_size))
    return metrics([e.label for e in chosen], [r.label for r in results], labels)
