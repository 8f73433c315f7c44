"""`tokls stats` on a generated JSONL dataset vs a plain loop over the raw `tokenizers` encode_batch.

    python benchmarks/bench_stats.py [--mb 20 200] [--model bert-base-uncased]

For each size: writes a JSONL file of review-like records (a few long outliers), then runs, each
in its own process, (1) `tokls stats FILE --format json` and (2) the raw library: the texts read
from the same file beforehand (not timed), then `Tokenizer.encode_batch` over batches of 4,096 —
the least any tool must spend. Prints wall times, the ratio (target ≤ 1.3×) and the peak RSS of
each process (flat memory: the stats process should not grow with the file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the movie was great terrible fine acting plot café naïve boring brilliant score cast "
         "director ending scene \"quoted\" 😀 slow fast funny sad").split()

RAW = r"""
import json, resource, sys, time
from tokls.core.tokenizers import load_tokenizer
tok = load_tokenizer(sys.argv[2]).tokenizer
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8")]
t0 = time.perf_counter()
n = 0
for i in range(0, len(texts), 4096):
    n += sum(len(e) for e in tok.encode_batch(texts[i:i + 4096]))
print(json.dumps({"seconds": time.perf_counter() - t0, "tokens": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

STATS = r"""
import io, json, resource, sys, time, contextlib
from tokls.cli import main
out = io.StringIO()
t0 = time.perf_counter()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    main(["stats", sys.argv[1], "--model", sys.argv[2], "--format", "json", "--no-progress"])
r = json.loads(out.getvalue())
print(json.dumps({"seconds": time.perf_counter() - t0, "records": r["records"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(path: Path, mb: int, seed: int = 0) -> int:
    rng = random.Random(seed)
    target, size, n = mb * 1_000_000, 0, 0
    with path.open("w", encoding="utf-8") as f:
        while size < target:
            k = rng.randint(2000, 6000) if n % 1000 == 7 else rng.randint(10, 250)
            line = json.dumps({"id": n, "text": " ".join(rng.choice(WORDS) for _ in range(k)), "label": n % 2},
                              ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())
            n += 1
    return n


def run(code: str, path: Path, model: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "server"))
    out = subprocess.run([sys.executable, "-c", code, str(path), model], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mb", type=int, nargs="+", default=[20, 200])
    p.add_argument("--model", default="bert-base-uncased")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.mb:
            path = Path(tmp) / f"data{mb}.jsonl"
            t0 = time.perf_counter()
            records = generate(path, mb)
            print(f"{mb} MB: {records:,} records (generated in {time.perf_counter() - t0:.1f} s)", flush=True)
            raw = run(RAW, path, args.model)
            stats = run(STATS, path, args.model)
            print(f"  raw encode_batch loop   {raw['seconds']:7.2f} s   peak RSS {raw['rss_mb']:7.0f} MB "
                  f"(texts held in memory)")
            print(f"  tokls stats             {stats['seconds']:7.2f} s   peak RSS {stats['rss_mb']:7.0f} MB   "
                  f"ratio {stats['seconds'] / raw['seconds']:.2f}×", flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
