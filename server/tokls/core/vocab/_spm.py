"""Read a SentencePiece ``*.model`` file without protobuf or sentencepiece.

A ``.model`` file is a serialized ``ModelProto`` (sentencepiece_model.proto). Only the fields a
conversion needs are read: the pieces (text, score, type), the trainer's model type and
byte-fallback flag, and the normalizer's name and whitespace options. The wire format is
protobuf's: a varint key (field number << 3 | wire type) followed by a varint, a fixed 32/64-bit
value or a length-delimited payload.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

# SentencePiece.Type
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, BYTE, UNUSED = 1, 2, 3, 4, 6, 5
# TrainerSpec.ModelType
UNIGRAM, BPE, WORD, CHAR = 1, 2, 3, 4


@dataclass
class Piece:
    text: str
    score: float = 0.0
    type: int = NORMAL


@dataclass
class SentencePieceModel:
    pieces: list[Piece] = field(default_factory=list)
    model_type: int = UNIGRAM
    byte_fallback: bool = False
    unk_id: int = 0
    normalizer: str = "nmt_nfkc"
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    escape_whitespaces: bool = True
    has_charsmap: bool = False


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes):
    """Yield (field number, wire type, value) for one message; payloads stay bytes."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos > end:
            raise ValueError("truncated protobuf message")
        yield number, wire, value


def parse_model(data: bytes) -> SentencePieceModel:
    model = SentencePieceModel()
    for number, wire, value in _fields(data):
        if number == 1 and wire == 2:  # repeated SentencePiece pieces
            piece = Piece("")
            for n, w, v in _fields(value):
                if n == 1 and w == 2:
                    piece.text = v.decode("utf-8")
                elif n == 2 and w == 5:
                    piece.score = struct.unpack("<f", v)[0]
                elif n == 3 and w == 0:
                    piece.type = v
            model.pieces.append(piece)
        elif number == 2 and wire == 2:  # TrainerSpec
            for n, w, v in _fields(value):
                if n == 3 and w == 0:
                    model.model_type = v
                elif n == 35 and w == 0:
                    model.byte_fallback = bool(v)
                elif n == 40 and w == 0:
                    model.unk_id = v
        elif number == 3 and wire == 2:  # NormalizerSpec
            for n, w, v in _fields(value):
                if n == 1 and w == 2:
                    model.normalizer = v.decode("utf-8")
                elif n == 2 and w == 2:
                    model.has_charsmap = len(v) > 0
                elif n == 3 and w == 0:
                    model.add_dummy_prefix = bool(v)
                elif n == 4 and w == 0:
                    model.remove_extra_whitespaces = bool(v)
                elif n == 5 and w == 0:
                    model.escape_whitespaces = bool(v)
    if not model.pieces:
        raise ValueError("no pieces: not a SentencePiece model")
    return model


def tokenizer_from_sentencepiece(data: bytes, bos: str | None = "<s>", *, allow_special: bool = False):
    """A ``tokenizers.Tokenizer`` that encodes like SentencePiece does with this BPE model.

    - every piece keeps its id; the byte pieces ``<0xNN>`` serve ``byte_fallback``;
    - merges: every way of cutting a normal piece into two pieces, the best-scored piece first
      (SentencePiece merges the pair whose result scores highest). Pieces of equal score (the
      runs of ``▁`` are all given one very low score) are merged left to right by SentencePiece;
      putting the longer result first makes the BPE model grow the leftmost run the same way;
    - whitespace becomes ``▁`` and one ``▁`` is put in front of the text (``add_dummy_prefix``);
      there is no pre-tokenizer: SentencePiece runs BPE over the whole text;
    - user-defined pieces match in the text as they do in SentencePiece, a text that begins with
      one included (see :func:`_lead_rules`; one difference remains: a text that *is* one such
      piece and nothing else lacks the lone "▁" SentencePiece puts before it); control pieces
      (``<s>``, ``[INST]``…) keep their ids but are never produced from text, unless
      ``allow_special`` adds them as special tokens that match.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    model = parse_model(data)
    if model.model_type != BPE:
        raise ValueError("only SentencePiece BPE models are converted")
    if model.normalizer not in ("identity", "") or model.remove_extra_whitespaces or model.has_charsmap:
        raise ValueError(f"unsupported SentencePiece normalizer {model.normalizer!r}")
    vocab = {piece.text: i for i, piece in enumerate(model.pieces)}
    mergeable = {p.text: (p.score, i) for i, p in enumerate(model.pieces) if p.type in (NORMAL, USER_DEFINED)}
    ranked = []
    for text, (score, i) in mergeable.items():
        if model.pieces[i].type != NORMAL:
            continue
        for cut in range(1, len(text)):
            left, right = text[:cut], text[cut:]
            if left in mergeable and right in mergeable:
                ranked.append((-score, -len(text), i, cut, left, right))
    ranked.sort()
    merges = [(left, right) for *_, left, right in ranked]
    unk = model.pieces[model.unk_id].text
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=unk, fuse_unk=True,
                               byte_fallback=model.byte_fallback))
    # SentencePiece escapes whitespace and always puts one "▁" in front of the text. Metaspace
    # does both but skips the "▁" when the text already starts with one (a leading space): the
    # normalizer doubles a leading space for that case, and writes the "▁" itself before a
    # user-defined piece that begins the text (:func:`_lead_rules`). User-defined pieces hold no
    # whitespace, so the normalizer leaves them alone and they match in the normalized text.
    user_defined = [p.text for p in model.pieces if p.type == USER_DEFINED]
    controls = [p.text for p in model.pieces if p.type == CONTROL] if allow_special else []
    if model.add_dummy_prefix:
        rules = [normalizers.Replace(Regex(r"\A "), "▁▁")]
        leads = [normalizers.Replace(Regex(pattern), content) for pattern, content in _lead_rules(user_defined)]
        with_leads = normalizers.Sequence(rules + leads)
        if leads and all(with_leads.normalize_str(text) == text for text in user_defined + controls):
            rules += leads
        tok.normalizer = rules[0] if len(rules) == 1 else normalizers.Sequence(rules)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="first" if model.add_dummy_prefix else "never", split=False
    )
    tok.decoder = decoders.Sequence([
        decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
        *([decoders.Strip(" ", 1, 0)] if model.add_dummy_prefix else []),
    ])
    if user_defined:
        tok.add_tokens([AddedToken(text, normalized=True, special=False) for text in user_defined])
    if controls:
        tok.add_special_tokens([AddedToken(text, normalized=True, special=True) for text in controls])
    if bos is not None and bos in vocab:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B:1", special_tokens=[(bos, vocab[bos])]
        )
    return tok


def _lead_rules(pieces: list[str]) -> list[tuple[str, str]]:
    """Normalizer rules (regex, replacement) that write SentencePiece's leading "▁" in front of a
    text that begins with a user-defined piece.

    Metaspace puts that "▁" before the first stretch of text it is given, and the added token that
    begins the text is never given to it: SentencePiece's ``▁`` + ``[REFERENCE_DOC_1]`` would lose
    its ``▁``. These rules put it there in the normalizer instead, before the piece's first
    character, when the piece is followed by anything (a piece's own text, which ``tokenizers``
    normalizes alone to match it, is followed by nothing, so the rules leave it unchanged; the
    caller checks that). One rule per first character: ``\\A[`` followed by the rest of a piece
    and one more character becomes ``▁[``.
    """
    rests: dict[str, list[str]] = {}
    for piece in pieces:
        if piece and piece[0] != "▁":
            rests.setdefault(piece[0], []).append(piece[1:])
    return [(rf"\A{re.escape(first)}(?=(?:{'|'.join(re.escape(r) for r in sorted(ends, key=len, reverse=True))})[\s\S])",
             "▁" + first) for first, ends in rests.items()]
