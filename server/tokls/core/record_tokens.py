"""Dataset documents (JSONL, CSV, TSV) in the editor: each record one model input.

:class:`RecordTokens` has the interface of :class:`~tokls.core.analysis.DocumentTokens` (``text``,
``edit``, ``analysis``, ``tokens_at``, ``tokens_in``, ``count_text``) with ``segment ==
"record"``. Records are the non-blank lines of a JSONL document and the rows of a CSV/TSV one
(after its header). Each record is parsed and encoded once per distinct text (with its CSV header):
an edit re-encodes only the records it changed. Offsets of tokens and of truncation points are
mapped through JSON escapes and CSV quoting to the exact document characters (:mod:`.textmap`),
built only for the records that need them (truncated, hovered).
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

from .analysis import Analysis, DocumentTokens, Segment, TokenInfo, Truncation, segment_spans
from .chat import ChatRenderer, plain_chat
from .pieces import decode_piece, is_byte_level
from .records import FieldSpec, Input, dataset_kind, encode_inputs, extract
from .textmap import MapBuilder, OffsetMap, decode_csv_field, decode_json_string, json_string_spans, scan_csv
from .tokenizers import LoadedTokenizer

__all__ = ["RecordTokens", "RecordAnalysis", "RecordProblem", "effective_segment", "document_tokens",
           "RECORD_KINDS", "longest_first"]

RECORD_KINDS = ("jsonl", "csv", "tsv")


def effective_segment(segment: str, name: str) -> str:
    """``record`` for a dataset file (``.jsonl``, ``.ndjson``, ``.csv``, ``.tsv``) left at the default
    ``document``; otherwise ``segment`` as set."""
    if segment == "document" and dataset_kind(name) in RECORD_KINDS:
        return "record"
    return segment


def document_tokens(tok: LoadedTokenizer, text: str, segment: str, max_length: int | None, name: str,
                    fields: Sequence[str] = (), render: ChatRenderer = plain_chat, max_tokens: int | None = None):
    """The token state of a document named ``name`` (a path or URI): records or segments."""
    segment = effective_segment(segment, name)
    if segment == "record":
        kind = dataset_kind(name)
        try:
            spec = FieldSpec.parse(fields)
        except ValueError:  # more than two entries: the first two, as a pair
            spec = FieldSpec.parse(list(fields)[:2])
        rt = RecordTokens(tok, text, kind if kind in RECORD_KINDS else "jsonl", max_length, spec, render)
        rt.fields = tuple(fields)
        return rt
    return DocumentTokens(tok, text, segment, max_length, max_tokens)


@dataclass(frozen=True)
class RecordProblem:
    start: int
    end: int
    message: str
    kind: str  #: ``invalid-record`` or ``missing-field``


@dataclass(frozen=True)
class RecordAnalysis(Analysis):
    problems: tuple[RecordProblem, ...] = ()
    lines: tuple[int, ...] = ()  #: per segment, the record's last character (for per-record hints)


def longest_first(la: int, lb: int, keep: int) -> tuple[int, int]:
    """Tokens kept of a pair by ``truncation="longest_first"``: the longer loses one at a time,
    the second on ties."""
    excess = la + lb - max(keep, 0)
    if excess <= 0:
        return la, lb
    if la != lb:
        d = min(excess, abs(la - lb))
        la, lb = (la - d, lb) if la > lb else (la, lb - d)
        excess -= d
    return max(la - excess // 2, 0), max(lb - (excess + 1) // 2, 0)


@dataclass(eq=False)
class _Result:
    """One record's parse and encoding (offsets relative to the record's start)."""

    raw: str
    header: str | None
    input: Input | None = None
    error: str | None = None
    encoding: Any = None
    maps: list[OffsetMap] | None = None
    starts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # sequence → [(start, index)]


class RecordTokens:
    segment = "record"

    def __init__(self, tok: LoadedTokenizer, text: str, kind: str = "jsonl", max_length: int | None = None,
                 spec: FieldSpec = FieldSpec(), render: ChatRenderer = plain_chat) -> None:
        self.tok, self.kind, self.spec, self.render = tok, kind, spec, render
        self.max_length = max_length if max_length is not None else tok.max_length
        self._text = text
        self._cache: dict[tuple[str, str | None], _Result] = {}
        self._records: list[tuple[int, int, _Result]] | None = None
        self._starts: list[int] = []
        self._analysis: RecordAnalysis | None = None
        self.encoded = 0  #: records encoded so far (an edit adds only those it changed)
        self.fields: tuple[str, ...] = ()  #: the ``dataset.fields`` setting it was made for
        self._byte_level = is_byte_level(tok.tokenizer)

    @property
    def text(self) -> str:
        return self._text

    def edit(self, start: int, end: int, new_text: str) -> None:
        if not (0 <= start <= end <= len(self._text)):
            raise ValueError(f"edit range {start}..{end} outside text of length {len(self._text)}")
        self._text = self._text[:start] + new_text + self._text[end:]
        self._records = None
        self._analysis = None

    # -- records -------------------------------------------------------------------------

    def _spans(self) -> tuple[list[tuple[int, int]], str | None]:
        if self.kind == "jsonl":
            return segment_spans(self._text, "line"), None
        spans = [(r.start, r.end) for r in scan_csv(self._text, "\t" if self.kind == "tsv" else ",")]
        if not spans:
            return [], None
        header = self._text[spans[0][0]:spans[0][1]]
        return spans[1:], header

    def _record_list(self) -> list[tuple[int, int, _Result]]:
        if self._records is None:
            spans, header = self._spans()
            keys = [(self._text[a:b], header) for a, b in spans]
            cache = {k: self._cache[k] for k in keys if k in self._cache}
            fresh = [_Result(raw, head) for raw, head in dict.fromkeys(k for k in keys if k not in cache)]
            self._parse(fresh)
            cache.update(((r.raw, r.header), r) for r in fresh)
            self._cache = cache
            self._records = [(a, b, cache[k]) for (a, b), k in zip(spans, keys)]
            self._starts = [a for a, _, _ in self._records]
        return self._records

    def _parse(self, results: list[_Result]) -> None:
        for r in results:
            if self.kind == "jsonl":
                try:
                    obj = json.loads(r.raw)
                except ValueError as exc:
                    r.error = f"Record does not parse: invalid JSON ({exc})"
                    continue
                if not isinstance(obj, dict):
                    r.error = f"Record does not parse: a JSON {type(obj).__name__}, not an object"
                    continue
                r.input = extract(obj, self.spec, self.render)
            else:
                delim = "\t" if self.kind == "tsv" else ","
                names = [decode_csv_field(r.header or "", f)[0] for f in next(scan_csv(r.header or "", delim)).fields]
                rec = next(scan_csv(r.raw, delim))
                if rec.error:
                    r.error = f"Record does not parse: {rec.error}"
                    continue
                values = [decode_csv_field(r.raw, f)[0] for f in rec.fields]
                row = {n: v for n, v in zip(names, values)}
                r.input = extract(row, self.spec, self.render, keys={n: i for i, n in enumerate(names)})
        todo = [r for r in results if r.input is not None and r.input.text is not None]
        for r, enc in zip(todo, encode_inputs(self.tok, [r.input for r in todo])):
            r.encoding = enc
        self.encoded += len(todo)

    def _maps(self, r: _Result) -> list[OffsetMap]:
        """Maps text (and pair) offsets → offsets in the record's raw text."""
        if r.maps is None:
            assert r.input is not None
            if self.kind == "jsonl":
                spans = json_string_spans(r.raw)
                values = {path: decode_json_string(r.raw, a, b) for path, (a, b) in spans.items()}
            else:
                rec = next(scan_csv(r.raw, "\t" if self.kind == "tsv" else ","))
                values = {(i,): decode_csv_field(r.raw, f) for i, f in enumerate(rec.fields)}
            inp = r.input
            r.maps = [_compose(inp.text or "", inp.parts, values, len(r.raw))]
            if inp.pair is not None:
                r.maps.append(_compose(inp.pair, inp.pair_parts, values, len(r.raw)))
        return r.maps

    # -- analysis ------------------------------------------------------------------------

    def _kept(self, r: _Result) -> tuple[list[int], list[int]]:
        """Content tokens per sequence, and how many of them the model reads."""
        seq = r.encoding.sequence_ids
        counts = [sum(1 for s in seq if s == k) for k in (0, 1)]
        if self.max_length is None:
            return counts, counts
        budget = self.max_length - (len(seq) - counts[0] - counts[1])
        if r.input is not None and r.input.pair is not None:
            return counts, list(longest_first(counts[0], counts[1], budget))
        return counts, [min(counts[0], max(budget, 0)), 0]

    def _first(self, r: _Result, k: int) -> int:
        return next((i for i, s in enumerate(r.encoding.sequence_ids) if s == k), 0)

    def analysis(self) -> RecordAnalysis:
        if self._analysis is None:
            segments, problems, ends = [], [], []
            for number, (a, b, r) in enumerate(self._record_list()):
                if r.error is not None:
                    problems.append(RecordProblem(a, b, r.error, "invalid-record"))
                    continue
                if r.encoding is None:
                    problems.append(RecordProblem(a, b, f"No input field: {self.spec.describe()}", "missing-field"))
                    continue
                total = len(r.encoding)
                trunc = None
                counts, kept = self._kept(r)
                cuts = [self._first(r, k) + kept[k] for k in (0, 1) if kept[k] < counts[k]]
                if cuts:
                    maps = self._maps(r)
                    k = 0 if kept[0] < counts[0] else 1
                    s, e = r.encoding.offsets[cuts[0]]
                    trunc = Truncation(offset=a + maps[k].to_doc(s), dropped_tokens=total - self.max_length,
                                       token_end=a + maps[k].to_doc(e))
                # index: the record's place among all records (invalid ones and those without the
                # field count too), so that "record N" is the Nth record of the file
                segments.append(Segment(number, a, b, total, trunc))
                ends.append(b)
            self._analysis = RecordAnalysis(self.tok.name, self.max_length, "record", tuple(segments),
                                            context_window=self.tok.context_window,
                                            input_cost_per_token=self.tok.input_cost_per_token,
                                            problems=tuple(problems), lines=tuple(ends))
        return self._analysis

    # -- tokens --------------------------------------------------------------------------

    def _index_of_segment(self, rec: int) -> int:
        records = self._record_list()
        return sum(1 for _, _, r in records[:rec] if r.encoding is not None)

    def _info(self, seg: int, a: int, r: _Result, i: int) -> TokenInfo:
        enc = r.encoding
        k = enc.sequence_ids[i]
        s, t = enc.offsets[i]
        if k is None:
            start = end = a
        else:
            ds, de = self._maps(r)[k].span(s, t)
            start, end = a + ds, a + de
        counts, kept = self._kept(r)
        truncated = k is not None and i - self._first(r, k) >= kept[k]
        words, seqs = enc.word_ids, enc.sequence_ids
        w = words[i]
        word = (enc.tokens[i],) if w is None else tuple(
            p for p, ww, ss in zip(enc.tokens, words, seqs) if ww == w and ss == k)
        special = bool(enc.special_tokens_mask[i])
        decoded, partial = (enc.tokens[i], False) if special else decode_piece(enc.tokens[i], self._byte_level)
        return TokenInfo(index=i, id=enc.ids[i], piece=enc.tokens[i], text=self._text[start:end], start=start,
                         end=end, segment=seg, special=special, unknown=enc.ids[i] == self.tok.unk_id,
                         truncated=truncated, word=word, decoded=decoded, partial=partial)

    def over_budget(self, warn_at: float | None) -> list[tuple[Segment, int]]:
        """Records past ``warn_at`` of the limit but not truncated, each with the document offset of
        the first token past that fraction (as :meth:`DocumentTokens.over_budget`)."""
        analysis = self.analysis()
        limit = analysis.max_length
        if not warn_at or not limit:
            return []
        threshold = math.ceil(warn_at * limit)  # tokens, special tokens included
        by_start = {seg.start: seg for seg in analysis.segments}
        out = []
        for a, _b, r in self._record_list():
            seg = by_start.get(a)
            if seg is None or r.encoding is None or seg.truncation is not None or seg.tokens <= threshold:
                continue
            sequence = r.encoding.sequence_ids
            i = threshold
            while i < len(sequence) and sequence[i] is None:  # a special token: the text resumes after it
                i += 1
            if i < len(sequence):
                out.append((seg, a + self._maps(r)[sequence[i]].to_doc(r.encoding.offsets[i][0])))
        return out

    def tokens_at(self, offset: int) -> list[TokenInfo]:
        records = self._record_list()
        n = bisect.bisect_right(self._starts, offset) - 1
        if n < 0:
            return []
        a, b, r = records[n]
        if offset >= b or r.encoding is None:
            return []
        rel = offset - a
        for k, m in enumerate(self._maps(r)):
            t = m.from_doc(rel)
            if t is None:
                continue
            starts = r.starts.get(k)
            if starts is None:
                starts = r.starts[k] = [(s, i) for i, ((s, e), sq) in enumerate(zip(r.encoding.offsets,
                                                                                    r.encoding.sequence_ids))
                                        if sq == k and e > s]
            j = bisect.bisect_right(starts, (t, len(r.encoding))) - 1
            hits = []
            while j >= 0 and len(hits) < 8:
                s, i = starts[j]
                if r.encoding.offsets[i][1] > t:
                    hits.append(i)
                elif hits or t - s > 64:
                    break
                j -= 1
            seg = self._index_of_segment(n)
            return [self._info(seg, a, r, i) for i in sorted(hits)]
        return []

    def tokens_in(self, start: int, end: int, limit: int | None = None) -> list[TokenInfo]:
        out: list[TokenInfo] = []
        seg = 0
        for a, b, r in self._record_list():
            if r.encoding is None:
                continue
            if b >= start and a <= end:
                for i in range(len(r.encoding)):
                    info = self._info(seg, a, r, i)
                    if info.end > start and info.start < end or (start == end == info.start):
                        out.append(info)
                        if limit is not None and len(out) >= limit:
                            return out
            seg += 1
        return out

    def count_text(self, text: str) -> int:
        return len(self.tok.tokenizer.encode(text).ids)


def _compose(text: str, parts: Sequence, values: dict, raw_end: int) -> OffsetMap:
    """The map of an input's text, from where its parts came from (unmapped characters — joins,
    template text — map to where the document is at that point)."""
    b = MapBuilder()
    pos = 0
    for path, t0, v0, n in sorted(parts, key=lambda p: p[1]):
        found = values.get(path)
        if found is None:
            continue
        b.inserted(text[pos:t0])
        value, vmap = found
        b.mapped(value, vmap, v0, v0 + n)
        pos = t0 + n
    b.inserted(text[pos:])
    return b.build()[1] if b.pieces else OffsetMap([], len(text), raw_end)
