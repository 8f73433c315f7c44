"""`tokls stats` on a .parquet file (the ``datasets`` extra: pyarrow) reads the same records as the
same rows written as JSONL."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pyarrow.parquet as pq

from tokls.cli import main

WORDS = "the movie was great terrible café naïve 😀 boring \"quoted\" a,b\nnext".split(" ")


def _stats(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["stats", *args, "--format", "json", "--no-progress"]) == 0
    return json.loads(capsys.readouterr().out)


def test_parquet_equals_jsonl(tmp_path, capsys):
    rng = random.Random(7)
    rows = []
    for i in range(300):
        n = rng.randint(400, 900) if i % 50 == 3 else rng.randint(0, 60)
        text = " ".join(rng.choice(WORDS) for _ in range(n))
        rows.append({"label": i % 3, "text": None if i % 41 == 7 else text, "question": f"q{i}?"})
    rows[12]["text"] = rows[30]["text"]  # a duplicate
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=64)  # several row groups and batches
    with (tmp_path / "d.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")

    texts = [r["text"] for r in rows if r["text"] is not None]
    for extra in ((), ("--field", "question", "--field", "text")):
        from_parquet = _stats(capsys, str(tmp_path / "d.parquet"), *extra)
        from_jsonl = _stats(capsys, str(tmp_path / "d.jsonl"), *extra)
        for r in (from_parquet, from_jsonl):
            r.pop("files")
            for where in r["longest"] + r["outliers"]:
                where.pop("path")
        # a row's number in the parquet file is the line of the same record in the JSONL file
        assert from_parquet == from_jsonl
        assert from_parquet["missing_field"] == 300 - len(texts) > 0
        assert from_parquet["records"] == len(texts)
        if not extra:
            assert from_parquet["duplicates"] == len(texts) - len(set(texts)) > 0
