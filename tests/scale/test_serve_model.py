"""``tokls serve-model`` on a real local Ray Serve, on 127.0.0.1: ``/health``, ``/info`` and
``/predict`` answer as text-embeddings-inference does, with the local classifier's scores, and
``tokls classify --endpoint`` gives the local answer through it. The server runs in its own
process group and must leave no Ray process behind when it stops (SIGINT).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tokls.core.classify import Classifier, ClassifyOptions

from .groups import reap_group

pytestmark = [pytest.mark.slow, pytest.mark.torch, pytest.mark.ray]

POSITIVE = "A warm, funny and beautifully acted film. I loved every minute of it."
NEGATIVE = "A dull, lifeless mess. The plot is stupid and the acting is terrible."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(url: str, payload=None, timeout: float = 30):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body or b"null")
        except ValueError:  # Serve's proxy answers in plain text until the application is deployed
            return exc.code, body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def served():
    port = _free_port()
    # --max-seconds: it stops by itself even if this test dies. Started with SIGINT ignored, as a
    # background job of a non-interactive shell is: Ctrl-C (SIGINT) must stop it all the same.
    proc = subprocess.Popen([sys.executable, "-m", "tokls", "serve-model", "--port", str(port), "--device", "cpu",
                             "--max-seconds", "400"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if _http(url + "/health", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(1)
        else:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            pytest.fail(f"serve-model did not come up (exit {proc.wait(timeout=120)}):\n{proc.stdout.read()[-3000:]}")
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # the CLI only: it shuts Serve and Ray down itself
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        left = reap_group(proc.pid)
        output = proc.stdout.read() if proc.stdout else ""
        assert not left, f"Ray processes left after serve-model stopped: {left}\n{output[-2000:]}"
        assert proc.returncode == 0 and "tokls serve-model: stopped" in output, output[-3000:]


@pytest.fixture(scope="module")
def local() -> Classifier:
    return Classifier("sentiment", device="cpu")


def test_serve_model_answers_like_the_local_classifier(served, local: Classifier):
    url, _ = served
    status, info = _http(url + "/info")
    assert status == 200 and info["model_id"] == "sentiment"
    assert info["model_type"]["classifier"]["id2label"] == {str(i): label for i, label in enumerate(local.labels)}
    assert info["max_input_length"] == 512 and info["max_client_batch_size"] == 32
    # the served model computes as the local one does: the embedded model's int8 ONNX graph
    assert info["model_dtype"] == "int8" == local.load().backend.precision

    status, batch = _http(url + "/predict", {"inputs": [POSITIVE, NEGATIVE]})
    assert status == 200 and len(batch) == 2
    for answer, result in zip(batch, local.classify_many([POSITIVE, NEGATIVE])):
        assert [a["label"] for a in answer] == [s.label for s in result.scores]  # every label, best first
        for a, s in zip(answer, result.scores):
            assert a["score"] == pytest.approx(s.score, abs=1e-5)

    status, single = _http(url + "/predict", {"inputs": POSITIVE})
    assert status == 200 and single[0]["label"] == "POSITIVE" and isinstance(single[0], dict)
    status, raw = _http(url + "/predict", {"inputs": [[NEGATIVE]], "raw_scores": True})
    prepared = local.preprocess([NEGATIVE])
    info = local.load().info
    logits = local.forward(prepared)[0] / info.temperature  # raw scores carry the checkpoint's calibration
    assert status == 200 and {a["label"]: a["score"] for a in raw[0]} == pytest.approx(
        {label: float(v) for label, v in zip(info.labels, logits)}, abs=1e-4)

    long_text = " ".join([NEGATIVE] * 60)
    status, error = _http(url + "/predict", {"inputs": [long_text]})
    assert status == 413 and "must have less than 512 tokens" in error["error"]
    status, cut = _http(url + "/predict", {"inputs": [long_text], "truncate": True})
    expected = local.classify(long_text, ClassifyOptions(long_text="truncate"))
    assert status == 200 and cut[0][0]["score"] == pytest.approx(expected.score, abs=1e-5)
    assert _http(url + "/predict", {"inputs": []})[0] == 422
    assert _http(url + "/predict", {"inputs": [["a", "b"]]})[0] == 422


def test_classify_cli_through_the_endpoint(served, local: Classifier):
    url, _ = served
    text = " ".join([POSITIVE, NEGATIVE] * 25)  # windows, cut here, scored there
    done = subprocess.run([sys.executable, "-m", "tokls", "classify", text, "--endpoint", url, "--format", "json"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    expected = local.classify(text)
    assert row["label"] == expected.label and row["score"] == pytest.approx(expected.score, abs=1e-4)
    assert len(row["windows"]) == len(expected.windows) > 1
