"""``tokls serve-model``: the classifier on Ray Serve behind a TEI-compatible HTTP API.

``/predict``, ``/info`` and ``/health`` as Hugging Face text-embeddings-inference answers them, so
``tokls classify --endpoint`` and the editor's ``tokls.classifier.endpoint`` can use either this
deployment or a TEI server. Needs the ray extra (``pip install "tokls[ray]"``).
"""

from __future__ import annotations

import argparse

from ..core.settings import DEVICES, ClassifierSettings
from ._io import CliError, positive

__all__ = ["register", "run"]


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 0, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 0, got {value!r}")
    return number


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = ClassifierSettings()
    p = subparsers.add_parser(
        "serve-model",
        help="serve the classifier on Ray Serve with a TEI-compatible /predict (needs tokls[ray])",
        description="Deploy the classifier on Ray Serve behind Hugging Face text-embeddings-inference's "
        "/predict, /info and /health. With no --address, a local Ray instance runs for as long as it serves.",
    )
    p.add_argument("--model", "-m", default=defaults.model,
                   help="`sentiment` (embedded, default), `sentiment-large` (opt-in: install.sh large), a checkpoint or adapter folder, or a hub id")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=positive, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--replicas", type=positive, default=1, help="model replicas (default 1)")
    p.add_argument("--num-gpus", type=_non_negative, default=0, help="GPUs per replica (default 0: one CPU each)")
    p.add_argument("--device", choices=DEVICES, default=defaults.device, help=f"default {defaults.device}")
    p.add_argument("--address", default=None, help="a Ray cluster to deploy on (default: a local Ray instance)")
    p.add_argument("--max-seconds", type=_non_negative, default=None, help=argparse.SUPPRESS)  # tests: stop by itself
    p.set_defaults(run=run)


def run(args) -> int:
    from ..scale import RayMissing

    try:
        from ..scale.serve import serve_model

        return serve_model(args.model, host=args.host, port=args.port, replicas=args.replicas,
                           num_gpus=args.num_gpus, device=args.device, address=args.address,
                           max_seconds=args.max_seconds)
    except RayMissing as exc:
        raise CliError(str(exc)) from exc
