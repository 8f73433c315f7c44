"""Defects 2 and 11 of the hardening campaign: what the CLI reads, and user errors without tracebacks.

Every child runs under an address-space limit (RLIMIT_AS) so that a regression that reads
``/dev/zero`` fails with a MemoryError instead of taking the machine's memory, and under a
wall-clock timeout so that one that blocks on a FIFO fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys

import pytest

from .rpc import child_env

pytestmark = pytest.mark.robustness

MEMORY_LIMIT = 3 << 30  # bytes of address space for a child that must not read without bound
NO_TRACEBACK = "Traceback (most recent call last)"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def tokls(*args: str, timeout: float = 60, cwd=None) -> subprocess.CompletedProcess:
    """``python -m tokls ARGS`` with a memory cap; a hang is reported as a test failure, not a hang."""
    try:
        proc = subprocess.run([sys.executable, "-m", "tokls", *args], capture_output=True, timeout=timeout,
                              env=child_env(), preexec_fn=_limited, stdin=subprocess.DEVNULL, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"tokls {' '.join(args)} did not finish within {timeout} s (blocked on its input?)")
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


def _user_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    """Exit status 2, no traceback, and a message naming the cause."""
    assert NO_TRACEBACK not in proc.stderr, proc.stderr[-1500:]
    assert "MemoryError" not in proc.stderr, proc.stderr[-500:]
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-1500:])
    assert any(re.search(w, proc.stderr, re.I) for w in words), (words, proc.stderr[-1500:])


# ------------------------------------------------------------------------------------------
# defect 2: only regular files, bounded reads


@pytest.fixture
def hostile_dir(tmp_path):
    """A folder a CI job could check out from an untrusted repository."""
    d = tmp_path / "repo"
    d.mkdir()
    (d / "good.txt").write_text("An ordinary file that must still be checked.\n")
    os.symlink("/dev/zero", d / "zero.txt")
    os.mkfifo(d / "pipe.txt")
    os.symlink("loop.txt", d / "loop.txt")
    return d


def test_defect2_check_dir_skips_devices_fifos_and_loops(hostile_dir):
    """``tokls check DIR`` with a symlink to /dev/zero, a FIFO and a symlink loop named *.txt:
    finishes, checks good.txt, and says for each bad entry why it was skipped (not a regular
    file / symlink loop), never "no such file"."""
    proc = tokls("check", str(hostile_dir), timeout=30)
    assert NO_TRACEBACK not in proc.stderr, proc.stderr[-1500:]
    assert "good.txt" in proc.stdout or "1 file" in proc.stdout, proc.stdout
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr[-1500:])
    for name in ("zero.txt", "pipe.txt"):
        lines = [ln for ln in proc.stderr.splitlines() if name in ln]
        assert lines, (name, proc.stderr)
        assert any(re.search(r"not a regular file|symlink|device|fifo", ln, re.I) for ln in lines), lines
    loop = [ln for ln in proc.stderr.splitlines() if "loop.txt" in ln]
    assert loop and not any("no such file" in ln.lower() for ln in loop), loop


@pytest.mark.parametrize("entry", ["zero.txt", "pipe.txt", "loop.txt"])
def test_defect2_check_file_names_the_real_cause(hostile_dir, entry):
    """``tokls check PATH`` given the bad entry itself: exit 2 and the real cause, not
    "no such file or directory" (FIFO, loop) nor an unbounded read (/dev/zero)."""
    proc = tokls("check", str(hostile_dir / entry), timeout=30)
    _user_error(proc, r"not a regular file", r"symlink", r"symbolic link", r"loop", r"fifo", r"device")
    assert "no such file" not in proc.stderr.lower(), proc.stderr


def test_defect2_tokenize_dev_zero_is_refused():
    """``tokls tokenize /dev/zero`` is a MemoryError today: exit 2, "not a regular file"."""
    proc = tokls("tokenize", "/dev/zero", timeout=60)
    _user_error(proc, r"not a regular file", r"device")


def test_defect2_classify_file_dev_zero_is_refused():
    """``tokls classify --file /dev/zero`` is refused before anything is read (or loaded)."""
    proc = tokls("classify", "--file", "/dev/zero", timeout=120)
    _user_error(proc, r"not a regular file", r"device")


def test_defect2_read_size_is_capped(tmp_path):
    """A (sparse) 8 GiB regular file is refused by its size, not read into memory."""
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.truncate(8 << 30)
    proc = tokls("tokenize", str(big), timeout=60)
    _user_error(proc, r"too (large|big)", r"size", r"limit", r"exceeds")


# ------------------------------------------------------------------------------------------
# defect 11: user errors, not tracebacks


@pytest.mark.parametrize("flag, value, word", [
    ("--stride", "-1", "stride"),
    ("--batch-size", "0", "batch"),
    ("--max-length", "0", "length"),
])
def test_defect11_classify_bad_numbers(flag, value, word):
    """``tokls classify --stride -1`` etc.: exit 2 and a message naming the option."""
    proc = tokls("classify", flag, value, "some text", timeout=120)
    _user_error(proc, word)


def test_defect11_train_csv_field_over_128k(tmp_path):
    """A CSV field over 128 KiB (csv's default field limit): exit 2, a message naming the file."""
    data = tmp_path / "big.csv"
    rows = ["text,label"] + [f"fine row {i},{i % 2}" for i in range(20)] + ["\"" + "x" * (200 * 1024) + "\",1"]
    data.write_text("\n".join(rows) + "\n")
    proc = tokls("train", "--data", str(data), "--out", str(tmp_path / "out"), "--max-steps", "1", timeout=300)
    _user_error(proc, r"big\.csv", r"field", r"too (large|long)")


def test_defect11_train_non_utf8_csv(tmp_path):
    """A Latin-1 CSV: exit 2 and a message that says UTF-8."""
    data = tmp_path / "latin.csv"
    rows = ["text,label"] + [f"caf\xe9 cr\xe8me {i},{i % 2}" for i in range(20)]
    data.write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    proc = tokls("train", "--data", str(data), "--out", str(tmp_path / "out"), "--max-steps", "1", timeout=300)
    _user_error(proc, r"utf-?8")
