"""Dataset records as model inputs: which text of a record is the input, and reading files of them.

A record is a JSON object (one per line of ``.jsonl``/``.ndjson``), a CSV/TSV row (named by its
header), a parquet row, or a line of plain text. Its input is chosen by ``dataset.fields``
(:class:`FieldSpec`): by default the first of :data:`DEFAULT_FIELDS` the record has; ``a+b``
joins fields with a line break; two entries (``["question", "context"]``) are a text pair,
encoded with the tokenizer's pair template; a record with ``messages: [{role, content}, …]`` is a
conversation rendered by :mod:`.chat`.

Each :class:`Input` also says where its text came from (:attr:`Input.parts`: which string value,
which characters), so :mod:`.record_tokens` can map a token back to the document through
:mod:`.textmap`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from .chat import ChatRenderer, plain_chat
from .tokenizers import LoadedTokenizer

__all__ = ["DEFAULT_FIELDS", "JOIN", "FieldSpec", "Input", "RawRecord", "RecordError", "dataset_kind",
           "extract", "read_records", "text_records", "encode_inputs", "KINDS"]

DEFAULT_FIELDS = ("text", "prompt", "content", "sentence", "review", "input")
JOIN = "\n"  #: between joined fields
#: file suffix → kind of records (anything else is plain text, a record per line)
KINDS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet"}


class RecordError(Exception):
    """A dataset file cannot be read (the message is for the user)."""


def dataset_kind(path: str) -> str:
    """``jsonl``, ``csv``, ``tsv``, ``parquet`` or ``text`` from a file name or URI."""
    name = path.rsplit("/", 1)[-1].lower()
    for suffix, kind in KINDS.items():
        if name.endswith(suffix):
            return kind
    return "text"


@dataclass(frozen=True)
class FieldSpec:
    """``dataset.fields``: ``[]`` (automatic), ``["a"]``, ``["a+b"]`` (joined), ``["q", "c"]`` (a pair)."""

    first: tuple[str, ...] = ()
    second: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, fields: Sequence[str]) -> "FieldSpec":
        entries = [f.strip() for f in fields if f and f.strip()]
        if len(entries) > 2:
            raise ValueError(f"dataset.fields has {len(entries)} entries: give one input (join fields with '+') "
                             "or two (a text pair)")
        split = [tuple(p.strip() for p in e.split("+") if p.strip()) for e in entries]
        if not split:
            return cls()
        return cls(split[0], split[1] if len(split) > 1 else None)

    @property
    def automatic(self) -> bool:
        return not self.first

    def describe(self) -> str:
        if self.automatic:
            return f"first of {', '.join(DEFAULT_FIELDS)} (or messages)"
        text = "+".join(self.first)
        return f"{text} / {'+'.join(self.second)} (pair)" if self.second else text


#: where a stretch of an input's text comes from: (value path, text start, value start, length)
Part = tuple[tuple, int, int, int]


@dataclass(frozen=True)
class Input:
    """The model input of one record; ``text`` None when the record lacks the field."""

    text: str | None
    pair: str | None = None
    chat: bool = False  #: a conversation
    templated: bool = False  #: rendered by a chat template, which writes the special tokens itself
    parts: tuple[Part, ...] = ()  #: for ``text``
    pair_parts: tuple[Part, ...] = ()  #: for ``pair``


def _value(record: Mapping, name: str) -> Any:
    value = record.get(name)
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, (int, float, bool)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return None


def _joined(record: Mapping, names: Sequence[str], keys: Mapping[str, Any]) -> tuple[str | None, tuple[Part, ...]]:
    texts, parts, pos = [], [], 0
    for name in names:
        value = _value(record, name)
        if value is None:
            return None, ()
        if texts:
            pos += len(JOIN)
        parts.append(((keys.get(name, name),), pos, 0, len(value)))
        texts.append(value)
        pos += len(value)
    return JOIN.join(texts), tuple(parts)


def extract(record: Mapping, spec: FieldSpec, render: ChatRenderer = plain_chat,
            keys: Mapping[str, Any] | None = None) -> Input:
    """The input of a record (a JSON object, or a CSV row as ``{column: value}``).

    ``keys`` renames fields in :attr:`Input.parts` (CSV: column name → column index)."""
    keys = keys or {}
    if spec.automatic:
        for name in DEFAULT_FIELDS:
            if _value(record, name) is not None:
                return _from_fields(record, (name,), None, keys)
        messages = record.get("messages")
        if isinstance(messages, list) and messages:
            return _chat(messages, render)
        return Input(None)
    if spec.first == ("messages",) and spec.second is None:
        messages = record.get("messages")
        return _chat(messages, render) if isinstance(messages, list) else Input(None)
    return _from_fields(record, spec.first, spec.second, keys)


def _from_fields(record: Mapping, first: Sequence[str], second: Sequence[str] | None, keys) -> Input:
    text, parts = _joined(record, first, keys)
    if text is None:
        return Input(None)
    if second is None:
        return Input(text, parts=parts)
    pair, pair_parts = _joined(record, second, keys)
    if pair is None:
        return Input(None)
    return Input(text, pair, parts=parts, pair_parts=pair_parts)


def _chat(messages: list, render: ChatRenderer) -> Input:
    text, spans = render(messages)
    parts = tuple((("messages", i, "content"), *span) for i, span in enumerate(spans) if span is not None)
    return Input(text, chat=True, templated=render is not plain_chat, parts=parts)


@dataclass(frozen=True)
class RawRecord:
    path: str
    line: int  #: 1-based line where the record starts (parquet: row number)
    input: Input | None  #: None when the record does not parse
    error: str | None = None


def read_records(path: Path, spec: FieldSpec, render: ChatRenderer = plain_chat) -> Iterator[RawRecord]:
    """The records of one file, streamed (memory does not grow with the file)."""
    kind = dataset_kind(path.name)
    try:
        if kind == "parquet":
            yield from _parquet(path, str(path), spec, render)
        else:
            with path.open(encoding="utf-8", errors="replace", newline="") as f:
                yield from _from_file(f, kind, str(path), spec, render)
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def text_records(text: str, name: str, spec: FieldSpec, render: ChatRenderer = plain_chat) -> Iterator[RawRecord]:
    """The records of a document's text, read as the file ``name`` (a path or URI) would be."""
    kind = dataset_kind(name)
    if kind == "parquet":
        raise RecordError(f"{name}: a parquet file is not text")
    return _from_file(io.StringIO(text, newline=""), kind, name, spec, render)


def _from_file(f, kind: str, shown: str, spec: FieldSpec, render: ChatRenderer) -> Iterator[RawRecord]:
    if kind == "jsonl":
        yield from _jsonl(f, shown, spec, render)
    elif kind in ("csv", "tsv"):
        yield from _csv(f, shown, spec, "\t" if kind == "tsv" else ",")
    else:
        for number, line in enumerate(f, 1):
            text = line.rstrip("\r\n")
            if text.strip():
                yield RawRecord(shown, number, Input(text, parts=(((), 0, 0, len(text)),)))


def _jsonl(f, shown: str, spec: FieldSpec, render: ChatRenderer) -> Iterator[RawRecord]:
    loads = json.loads
    for number, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            obj = loads(line)
        except ValueError as exc:
            yield RawRecord(shown, number, None, f"invalid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield RawRecord(shown, number, None, f"a JSON {type(obj).__name__}, not an object")
            continue
        yield RawRecord(shown, number, extract(obj, spec, render))


def _csv(f, shown: str, spec: FieldSpec, delimiter: str) -> Iterator[RawRecord]:
    reader = csv.reader(f, delimiter=delimiter)
    header: list[str] | None = None
    keys: dict[str, int] = {}
    last = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if not row:
                continue
            if header is None:
                header = row
                keys = {name: i for i, name in enumerate(header)}
                continue
            record = {name: row[i] for i, name in enumerate(header) if i < len(row)}
            yield RawRecord(shown, line, extract(record, spec, keys=keys))
    except csv.Error as exc:
        yield RawRecord(shown, last + 1, None, f"invalid CSV: {exc}")


def _parquet(path: Path, shown: str, spec: FieldSpec, render: ChatRenderer) -> Iterator[RawRecord]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RecordError(f"{path}: reading parquet needs pyarrow (pip install pyarrow)") from exc
    row = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for obj in batch.to_pylist():
            row += 1
            yield RawRecord(shown, row, extract(obj, spec, render))


def encode_inputs(tok: LoadedTokenizer, inputs: Sequence[Input], *, offsets: bool = True) -> list:
    """Encodings of many inputs (one parallel batch per kind), special tokens included — chat
    text rendered by a template gets none added: the template writes them. ``offsets=False`` is faster (counts only)."""
    out: list = [None] * len(inputs)
    groups: dict[tuple[bool, bool], list[int]] = {}
    for i, inp in enumerate(inputs):
        groups.setdefault((inp.templated, inp.pair is not None), []).append(i)
    t = tok.tokenizer
    batch = t.encode_batch if offsets or not hasattr(t, "encode_batch_fast") else t.encode_batch_fast
    for (templated, pair), idx in groups.items():
        items = [(inputs[i].text, inputs[i].pair) if pair else inputs[i].text for i in idx]
        for i, enc in zip(idx, batch(items, add_special_tokens=not templated)):
            out[i] = enc
    return out
