"""Rewrite a tiktoken (Rust ``fancy-regex``) split pattern for the ``tokenizers`` engine (Oniguruma).

Two constructs read differently there:

- a possessive interval ``X{1,3}+`` is, for Oniguruma's Ruby syntax, ``(?:X{1,3})+`` (greedy
  repetition of the interval), so ``\\p{N}{1,3}+`` swallows a whole run of digits. Every possessive
  quantifier (``X*+``, ``X++``, ``X?+``, ``X{n,m}+``) becomes an atomic group ``(?>X*)``, which
  both engines read the same way;
- ``$`` is "end of text" for fancy-regex but "end of line" for Oniguruma: it becomes ``\\z``.

The pattern is walked atom by atom (escapes, character classes, groups, single characters), so a
quantifier is always attached to the whole atom it follows.
"""

from __future__ import annotations

__all__ = ["rewrite_pattern"]

_SIMPLE_QUANTIFIERS = "*+?"


def _escape_end(pattern: str, i: int) -> int:
    """``pattern[i]`` is a backslash: the index just past the escape."""
    j = i + 2
    if pattern[i + 1:i + 2] in ("p", "P", "x", "u") and pattern[j:j + 1] == "{":
        close = pattern.index("}", j)
        return close + 1
    return j


def _class_end(pattern: str, i: int) -> int:
    """``pattern[i]`` is ``[``: the index just past the matching ``]`` (nested classes allowed)."""
    j = i + 1
    if pattern[j:j + 1] == "^":
        j += 1
    if pattern[j:j + 1] == "]":  # a leading ] is literal
        j += 1
    depth = 1
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j = _escape_end(pattern, j)
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ValueError(f"unbalanced character class in {pattern!r}")


def _group_end(pattern: str, i: int) -> int:
    """``pattern[i]`` is ``(``: the index just past the matching ``)``."""
    j, depth = i + 1, 1
    while j < len(pattern):
        c = pattern[j]
        if c == "\\":
            j = _escape_end(pattern, j)
            continue
        if c == "[":
            j = _class_end(pattern, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


def _quantifier_end(pattern: str, i: int) -> int:
    """The index just past a quantifier starting at ``i`` (``i`` itself if there is none)."""
    if i >= len(pattern):
        return i
    if pattern[i] in _SIMPLE_QUANTIFIERS:
        return i + 1
    if pattern[i] == "{":
        close = pattern.find("}", i)
        body = pattern[i + 1:close] if close > 0 else ""
        if body and all(part.strip().isdigit() or part == "" for part in body.split(",")) and body[0].isdigit():
            return close + 1
    return i


def _group_prefix_end(pattern: str, start: int) -> int:
    """Inside a group starting at ``start`` (the ``(``): the index where its body begins."""
    j = start + 1
    if pattern[j:j + 1] != "?":
        return j
    # (?:  (?>  (?=  (?!  (?<=  (?<!  (?i:  (?i-m:  (?<name>
    j += 1
    if pattern[j:j + 2] in ("<=", "<!"):
        return j + 2
    if pattern[j:j + 1] == "<" or pattern[j:j + 1] == "P":
        return pattern.index(">", j) + 1
    if pattern[j:j + 1] in (":", ">", "=", "!"):
        return j + 1
    while j < len(pattern) and pattern[j] not in ":)":
        j += 1
    return j + 1 if pattern[j:j + 1] == ":" else j


def rewrite_pattern(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            end = _escape_end(pattern, i)
            atom = pattern[i:end]
        elif c == "[":
            end = _class_end(pattern, i)
            atom = pattern[i:end]
        elif c == "(":
            end = _group_end(pattern, i)
            body_start = _group_prefix_end(pattern, i)
            atom = pattern[i:body_start] + rewrite_pattern(pattern[body_start:end - 1]) + ")"
        elif c == "$":
            end, atom = i + 1, r"\z"
        else:
            end, atom = i + 1, c
        q_end = _quantifier_end(pattern, end)
        if q_end == end or atom in ("|", "^", r"\z"):
            out.append(atom)
            i = end
            continue
        quantifier = pattern[end:q_end]
        if pattern[q_end:q_end + 1] == "+":  # possessive
            out.append(f"(?>{atom}{quantifier})")
            i = q_end + 1
        elif pattern[q_end:q_end + 1] == "?":  # lazy
            out.append(f"{atom}{quantifier}?")
            i = q_end + 1
        else:
            out.append(f"{atom}{quantifier}")
            i = q_end
    return "".join(out)
