"""``tokls classify --input ... --output ...``: the local engine, and Ray Data on a real local Ray
instance giving the same records (labels equal, scores within 1e-4).

The Ray run is a subprocess in its own process group: Ray's processes (raylet, GCS, workers) are
started there, and the test checks that none of them is left when the command ends.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tokls.cli import main
from tokls.core.classify import Classifier, ClassifyOptions
from tokls.scale.batch import read_output

from .groups import reap_group

POSITIVE = ["A warm, funny and beautifully acted film.", "I loved every minute of it.", "Smart and moving."]
NEGATIVE = ["A dull, lifeless mess.", "The plot is stupid.", "The acting is terrible.", "Boring."]


def _records(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = 180 if i % 37 == 5 else rng.randint(1, 6)  # a few texts past 512 tokens: windows
        text = " ".join(rng.choice(POSITIVE + NEGATIVE) for _ in range(k))
        if i % 50 == 9:
            text = "日本語 😀 " + text
        if i == 3:
            text = "   "  # blank: nulls
        rows.append({"id": i, "text": text, "label": i % 2, "source": f"s{i % 3}"})
    return rows


def _check_same(left: list[dict], right: list[dict]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right):
        assert set(a) == set(b)
        for key in a:
            if "score" in key and a[key] is not None:
                assert b[key] == pytest.approx(a[key], abs=1e-4), (a["id"], key)
            else:
                assert a[key] == b[key], (a["id"], key)


def _run_own_group(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    """``python -m tokls ARGS`` in a new process group; on timeout the whole group is killed."""
    proc = subprocess.Popen([sys.executable, "-m", "tokls", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"tokls {' '.join(args)} did not finish in {timeout} s:\n{err[-3000:]}")
    finally:
        left = reap_group(proc.pid)
    assert not left, f"processes of the run still alive: {left}"
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


@pytest.mark.slow
@pytest.mark.torch
def test_local_engine_reads_jsonl_and_csv_and_matches_the_classifier(tmp_path: Path, capsys):
    rows = _records(12, seed=1)
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    # the gold `label` column clashes with the added one: a clear error, nothing written
    assert main(["classify", "--input", str(tmp_path / "*.jsonl"), "--output", str(tmp_path / "clash"),
                 "--device", "cpu"]) == 2
    assert "already has label" in capsys.readouterr().err and not any((tmp_path / "clash").iterdir())

    assert main(["classify", "-i", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out"), "--prefix", "pred_",
                 "--output-format", "jsonl", "--long-text", "truncate", "--device", "cpu"]) == 0
    assert "12 records from 1 file(s)" in capsys.readouterr().err
    got = read_output(str(tmp_path / "out"), "jsonl")
    assert [r["id"] for r in got] == list(range(12)) and got[0]["text"] == rows[0]["text"]
    classifier = Classifier("sentiment", device="cpu")
    kept = [r for r in rows if r["text"].strip()]
    expected = classifier.classify_many([r["text"] for r in kept], ClassifyOptions(long_text="truncate"))
    by_id = {r["id"]: r for r in got}
    assert by_id[3]["pred_label"] is None and by_id[3]["pred_score_POSITIVE"] is None
    for row, result in zip(kept, expected):
        out = by_id[row["id"]]
        assert out["pred_label"] == result.label and out["pred_score"] == pytest.approx(result.score, abs=1e-6)
        labels = classifier.labels
        assert sum(out[f"pred_score_{label}"] for label in labels) == pytest.approx(1, abs=1e-6)

    csv_lines = ["id,review"] + [f'{r["id"]},"{r["text"]}"' for r in rows[:5]]
    (tmp_path / "in.csv").write_text("\n".join(csv_lines) + "\n", "utf-8")
    assert main(["classify", "-i", str(tmp_path / "in.csv"), "-o", str(tmp_path / "csv-out"), "--field", "review",
                 "--long-text", "truncate", "--device", "cpu"]) == 0
    table = pq.read_table(tmp_path / "csv-out" / "part-00000.parquet")
    assert table.column_names == ["id", "review", "label", "score", *(f"score_{label}" for label in sorted(classifier.labels))]
    assert table.column("label").to_pylist()[0] == expected[0].label
    assert main(["classify", "-i", str(tmp_path / "in.csv"), "-o", str(tmp_path / "x"), "--field", "text"]) == 2
    assert "no field 'text' in the input (fields: id, review)" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.torch
@pytest.mark.ray
def test_ray_engine_equals_local_engine_record_for_record(tmp_path: Path):
    rows = _records(160, seed=7)
    inputs = tmp_path / "data"
    inputs.mkdir()
    for part, chunk in enumerate((rows[:90], rows[90:])):  # two files
        pq.write_table(pa.Table.from_pylist(chunk), inputs / f"part-{part}.parquet")
    common = ["classify", "--input", str(inputs / "*.parquet"), "--prefix", "pred_", "--device", "cpu"]

    local = _run_own_group([*common, "--output", str(tmp_path / "local")], timeout=240)
    assert local.returncode == 0, local.stderr[-3000:]
    ray = _run_own_group([*common, "--output", str(tmp_path / "ray"), "--engine", "ray", "--output-format", "jsonl",
                          "--concurrency", "2"], timeout=300)
    assert ray.returncode == 0, ray.stderr[-3000:]
    assert "160 records from 2 file(s)" in ray.stderr and "(ray," in ray.stderr

    left = read_output(str(tmp_path / "local"), "parquet")
    right = read_output(str(tmp_path / "ray"), "jsonl")
    assert [r["id"] for r in left] == list(range(160)) == [r["id"] for r in right]  # order kept
    assert sum(r["pred_label"] is None for r in left) == 1
    seen = {r["pred_label"] for r in left}
    assert None in seen and {"POSITIVE", "NEGATIVE"} <= seen  # the empty record has none
    _check_same(left, right)


def test_without_ray_the_engine_says_how_to_install_it(tmp_path: Path):
    (tmp_path / "in.jsonl").write_text('{"text": "fine"}\n', "utf-8")
    code = ("import sys; sys.modules['ray'] = None; from tokls.cli import main; "
            f"sys.exit(main(['classify', '-i', {str(tmp_path / 'in.jsonl')!r}, '-o', {str(tmp_path / 'o')!r}, "
            "'--engine', 'ray']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'pip install "tokls[ray]"' in done.stderr
    code = "import sys; sys.modules['ray'] = None; from tokls.cli import main; sys.exit(main(['serve-model']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'pip install "tokls[ray]"' in done.stderr
