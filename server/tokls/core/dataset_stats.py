"""Length statistics of a dataset in a model's tokens: what ``tokls stats`` reports.

Records stream through in batches (encoded in parallel, counts only); per record only its length,
location and a hash of its text are kept (about 30 bytes), so memory stays flat however large the
files are. :meth:`DatasetStats.result` turns them into the report (the JSON of ``tokls stats``).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .chat import ChatRenderer, plain_chat
from .records import FieldSpec, RawRecord, encode_inputs, read_records, text_records
from .tokenizers import LoadedTokenizer

__all__ = ["DatasetStats", "StatsOptions", "padding_fraction"]

BATCH_RECORDS = 4096
BATCH_CHARS = 8_000_000


@dataclass(frozen=True)
class StatsOptions:
    batch_size: int = 32  #: training batch size, for the padding figures
    max_length: int | None = None  #: None: the model's
    outlier: int | None = None  #: tokens above which a record is an outlier (None: p95 × 4)
    bins: int = 20
    longest: int = 10
    truncation_target: float = 0.01  #: the recommended max_length truncates at most this share


def padding_fraction(lengths: np.ndarray, batch_size: int) -> float:
    """Share of padded positions when consecutive batches of ``lengths`` pad to their longest."""
    n = len(lengths)
    if n == 0:
        return 0.0
    full = n - n % batch_size
    padded = 0
    if full:
        padded += int(lengths[:full].reshape(-1, batch_size).max(axis=1).sum()) * batch_size
    if full < n:
        padded += int(lengths[full:].max()) * (n - full)
    return 1 - int(lengths.sum()) / padded if padded else 0.0


class DatasetStats:
    def __init__(self, tok: LoadedTokenizer, spec: FieldSpec, options: StatsOptions = StatsOptions(),
                 render: ChatRenderer = plain_chat) -> None:
        self.tok, self.spec, self.options, self.render = tok, spec, options, render
        self.max_length = options.max_length or tok.max_length
        self.files: list[str] = []
        self.bytes = 0
        self._lengths = array("q")
        self._lines = array("q")
        self._file = array("i")
        self._hashes = array("q")
        self.empty = self.missing = self.chat = 0
        self.invalid: list[tuple[str, int, str]] = []
        #: a list: batches are kept here, uncounted, for :meth:`add_counted` later (another engine counts)
        self.deferred: list | None = None

    # -- collecting ----------------------------------------------------------------------

    def add_file(self, path: Path, progress: Callable[[int], None] | None = None) -> None:
        self.files.append(str(path))
        size = path.stat().st_size
        self.bytes += size
        self.add_records(read_records(path, self.spec, self.render), len(self.files) - 1, progress)

    def add_text(self, name: str, text: str) -> None:
        """A document's text (an editor's buffer), read as the file ``name`` would be."""
        self.files.append(name)
        self.bytes += len(text.encode("utf-8", errors="replace"))
        self.add_records(text_records(text, name, self.spec, self.render), len(self.files) - 1)

    def add_records(self, records: Iterable[RawRecord], file_index: int,
                    progress: Callable[[int], None] | None = None) -> None:
        """Count ``records``; ``progress(characters)`` after each batch."""
        batch: list = []
        chars = 0
        for rec in records:
            inp = rec.input
            if inp is None:
                self.invalid.append((rec.path, rec.line, rec.error or "invalid record"))
                continue
            if inp.text is None:
                self.missing += 1
                continue
            batch.append((rec.line, inp))
            chars += len(inp.text) + len(inp.pair or "")
            if len(batch) >= BATCH_RECORDS or chars >= BATCH_CHARS:
                self._encode(batch, file_index)
                if progress:
                    progress(chars)
                batch, chars = [], 0
        if batch:
            self._encode(batch, file_index)
            if progress:
                progress(chars)

    def _encode(self, batch: list, file_index: int) -> None:
        if self.deferred is not None:
            self.deferred.append((batch, file_index))
            return
        encodings = encode_inputs(self.tok, [inp for _, inp in batch], offsets=False)
        self.add_counted(batch, [len(e) for e in encodings], file_index)

    def add_counted(self, batch: list, lengths: Iterable[int], file_index: int) -> None:
        """A batch of ``(line, Input)`` whose token counts are ``lengths`` (counted elsewhere)."""
        inputs = [inp for _, inp in batch]
        self._lengths.extend(lengths)
        self._lines.extend(line for line, _ in batch)
        self._file.extend([file_index] * len(batch))
        for inp in inputs:
            text = inp.text if inp.pair is None else inp.text + "\x00" + inp.pair
            self._hashes.append(hash(text))
            if not text.strip() or (inp.pair is not None and not (inp.text.strip() and inp.pair.strip())):
                self.empty += 1
            self.chat += inp.chat

    # -- the report ----------------------------------------------------------------------

    @property
    def records(self) -> int:
        return len(self._lengths)

    def lengths(self) -> np.ndarray:
        return np.frombuffer(self._lengths, dtype=np.int64) if self._lengths else np.zeros(0, np.int64)

    def _where(self, i: int, tokens: int) -> dict:
        return {"path": self.files[self._file[i]], "line": int(self._lines[i]), "tokens": int(tokens)}

    def result(self) -> dict:
        o = self.options
        L = self.lengths()
        n = len(L)
        M = self.max_length
        out: dict = {"model": self.tok.name, "max_length": M, "files": list(self.files), "records": n}
        if n == 0:
            out.update(tokens=None, histogram=[], truncated={"records": 0, "tokens_lost": 0},
                       padding=None, max_length_candidates=[], longest=[], outliers=[])
        else:
            p50, p90, p95, p99 = (float(v) for v in np.percentile(L, [50, 90, 95, 99]))
            out["tokens"] = {"min": int(L.min()), "mean": float(L.mean()), "p50": p50, "p90": p90, "p95": p95,
                             "p99": p99, "max": int(L.max())}
            out["histogram"] = histogram(L, o.bins)
            over = L > M if M else np.zeros(n, bool)
            out["truncated"] = {"records": int(over.sum()), "tokens_lost": int((L[over] - M).sum()) if M else 0}
            eff = np.minimum(L, M) if M else L
            candidates = self._candidates(L, p95, p99)
            recommended = next((c["max_length"] for c in candidates
                                if c["truncated_fraction"] <= o.truncation_target), None)
            out["padding"] = {
                "batch_size": o.batch_size,
                "longest": padding_fraction(eff, o.batch_size),
                "sorted_buckets": padding_fraction(np.sort(eff), o.batch_size),
                "max_length": 1 - float(eff.sum()) / (n * M) if M else None,
                "recommended_max_length": recommended,
            }
            out["max_length_candidates"] = candidates
            order = np.argsort(-L, kind="stable")
            out["longest"] = [self._where(int(i), L[i]) for i in order[:o.longest]]
            threshold = o.outlier if o.outlier is not None else p95 * 4
            out["outliers"] = [self._where(int(i), L[i]) for i in order if L[i] > threshold]
            out["outlier_threshold"] = threshold
        hashes = np.frombuffer(self._hashes, dtype=np.int64) if self._hashes else np.zeros(0, np.int64)
        out["empty"] = self.empty
        out["missing_field"] = self.missing
        out["duplicates"] = int(len(hashes) - len(np.unique(hashes)))
        out["invalid"] = [{"path": p, "line": line, "error": e} for p, line, e in self.invalid]
        return out

    def _candidates(self, L: np.ndarray, p95: float, p99: float) -> list[dict]:
        n, M = len(L), self.max_length
        top = M if M else 1 << max(int(L.max()) - 1, 1).bit_length()
        low = 1 << max(3, int(np.median(L)).bit_length() - 1)
        values = {1 << k for k in range(low.bit_length() - 1, top.bit_length()) if (1 << k) <= top}
        values |= {math.ceil(p) for p in (p95, p99) if math.ceil(p) <= top}
        if M:
            values.add(M)
        out = []
        for c in sorted(v for v in values if v > 0):
            out.append({"max_length": c, "truncated_fraction": float((L > c).sum()) / n,
                        "padding_fraction": 1 - float(np.minimum(L, c).sum()) / (n * c)})
        return out


def histogram(L: np.ndarray, bins: int) -> list[dict]:
    """Equal-width integer bins ``[from, to)`` from the shortest to the longest record."""
    lo, hi = int(L.min()), int(L.max())
    width = max(1, math.ceil((hi - lo + 1) / bins))
    counts = np.bincount((L - lo) // width, minlength=math.ceil((hi - lo + 1) / width))
    return [{"from": lo + k * width, "to": lo + (k + 1) * width, "count": int(c)} for k, c in enumerate(counts)]
