"""``tokls stats --engine ray`` on a real local Ray instance gives the numbers of the local engine.

The Ray run is a subprocess in its own process group; the test checks that none of Ray's processes
is left when the command ends.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.test_batch import _run_own_group

WORDS = ["token", "length", "dataset", "the", "a", "model", "日本語", "😀", "statistics", "ray", "local"]
TIMING = {"seconds", "records_per_second", "mb_per_second"}


def _dataset(path: Path) -> None:
    rng = random.Random(11)
    lines = []
    for i in range(300):
        k = 400 if i == 7 else rng.randint(1, 40)  # one record over gpt2's 1024 tokens
        lines.append(json.dumps({"id": i, "text": f"record {i}: " + " ".join(rng.choice(WORDS) for _ in range(k * (4 if i == 7 else 1)))},
                                ensure_ascii=False))
    lines[20] = lines[30] = lines[40] = json.dumps({"id": 20, "text": "the same text again"})  # duplicates
    lines[50] = json.dumps({"id": 50, "text": ""})  # empty
    lines[60] = json.dumps({"id": 60, "other": "no text field"})  # missing the field
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _strip(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in TIMING}


@pytest.mark.slow
@pytest.mark.ray
def test_ray_engine_gives_the_local_engines_numbers(tmp_path: Path):
    data = tmp_path / "data.jsonl"
    _dataset(data)
    args = ["stats", str(data), "--model", "gpt2", "--format", "json", "--no-progress"]
    local = subprocess.run([sys.executable, "-m", "tokls", *args], capture_output=True, text=True, timeout=120)
    assert local.returncode == 0, local.stderr[-3000:]
    done = _run_own_group([*args, "--engine", "ray"], timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    want, got = json.loads(local.stdout), json.loads(done.stdout)
    assert want["records"] == 299 and want["missing_field"] == 1 and want["empty"] == 1
    assert want["duplicates"] == 2 and want["truncated"]["records"] == 1
    assert _strip(got) == _strip(want)
    assert "records/s" in done.stderr


def test_without_ray_stats_engine_ray_says_how_to_install_it(tmp_path: Path):
    (tmp_path / "in.jsonl").write_text('{"text": "fine"}\n', "utf-8")
    code = ("import sys; sys.modules['ray'] = None; from tokls.cli import main; "
            f"sys.exit(main(['stats', {str(tmp_path / 'in.jsonl')!r}, '--model', 'gpt2', '--engine', 'ray']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and 'pip install "tokls[ray]"' in done.stderr
