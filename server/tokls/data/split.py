"""A seeded train/validation/test split that keeps groups (movies) whole and classes balanced.

Every group goes to exactly one part. Groups are shuffled with ``random.Random(seed)``, then
placed largest first (ties in shuffled order); each goes to the part that is furthest below its
target label counts (``fraction × total`` per label), measured as the sum over the group's labels
of the part's remaining need per label, relative to the part's size. So the parts approach both
the requested fractions and the overall label mix ("stratified as far as grouping allows").
The same items, seed and fractions give the same split on any machine.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Callable, Sequence, TypeVar

__all__ = ["PARTS", "grouped_split"]

T = TypeVar("T")
PARTS = ("train", "validation", "test")


def grouped_split(
    items: Sequence[T],
    group: Callable[[T], str],
    label: Callable[[T], str],
    seed: int,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
) -> dict[str, list[T]]:
    """``{"train": [...], "validation": [...], "test": [...]}``, each part in input order."""
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError("Validation and test fractions must be in [0, 1) and sum to less than 1.")
    fractions = {"train": 1 - val_fraction - test_fraction, "validation": val_fraction, "test": test_fraction}
    members: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        members.setdefault(group(item), []).append(i)
    totals = Counter(label(x) for x in items)
    target = {p: {lab: fractions[p] * n for lab, n in totals.items()} for p in PARTS}
    have = {p: Counter() for p in PARTS}

    names = sorted(members)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda g: -len(members[g]))  # stable: shuffled order among equal sizes
    assign: dict[str, str] = {}
    for name in names:
        counts = Counter(label(items[i]) for i in members[name])
        best, best_score = None, None
        for p in PARTS:
            if fractions[p] == 0:
                continue
            size = sum(target[p].values())
            # The part's remaining need for this group's labels, relative to the part's size.
            need = sum(c * (target[p][lab] - have[p][lab]) for lab, c in counts.items()) / (size * sum(counts.values()))
            if best_score is None or need > best_score:
                best, best_score = p, need
        assign[name] = best
        have[best].update(counts)
    parts: dict[str, list[T]] = {p: [] for p in PARTS}
    for item in items:
        parts[assign[group(item)]].append(item)
    return parts
