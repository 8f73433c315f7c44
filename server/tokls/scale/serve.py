"""``tokls serve-model``: the classifier on Ray Serve behind the TEI-compatible API of :mod:`.tei`.

Each replica loads the model once (``num_gpus`` GPUs, else one CPU each) and answers
``/predict``, ``/info`` and ``/health`` (one deployment at route ``/``). Ray is imported only in
:func:`serve_model`; with no ``address`` a local Ray instance is started on 127.0.0.1 and stopped
when serving ends (Ctrl-C or SIGTERM). Serve's and Ray's shutdowns are bounded in time
(:func:`tokls.scale.bounded`): one that hangs no longer keeps the process alive, and Ray's
processes are then stopped by their ids.
"""

from __future__ import annotations

import logging
import signal
import sys
import time

__all__ = ["build_app", "serve_model"]

log = logging.getLogger(__name__)


def build_app(model: str, *, device: str = "auto", replicas: int = 1, num_gpus: float = 0,
              endpoint_batch: int = 32):
    """The Ray Serve application (a bound deployment)."""
    from ray import serve

    options = {"num_gpus": num_gpus} if num_gpus else {"num_cpus": 1}

    @serve.deployment(name="tokls-classifier", num_replicas=replicas, ray_actor_options=options,
                      health_check_period_s=5)
    class TeiDeployment:
        def __init__(self, model: str, device: str, max_client_batch: int) -> None:
            from tokls.core.classify import Classifier
            from tokls.scale.tei import TeiApi

            self.api = TeiApi(Classifier(model, device=device), max_client_batch=max_client_batch)
            self.api.classifier.load()  # once per replica, before it takes traffic

        async def __call__(self, request):
            import asyncio

            from starlette.responses import JSONResponse, Response

            body = await request.body()
            status, answer = await asyncio.to_thread(self.api.handle, request.method, request.url.path, body)
            if answer is None:
                return Response(status_code=status)
            return JSONResponse(answer, status_code=status)

    return TeiDeployment.bind(model, device, endpoint_batch)


def _stop_on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt


def serve_model(model: str, *, host: str, port: int, replicas: int, num_gpus: float, device: str,
                address: str | None, max_seconds: float | None = None) -> int:
    """Deploy and serve until interrupted (or ``max_seconds``); Ray and Serve are shut down after."""
    from . import SHUTDOWN_WAIT_S, bounded, start_ray, stop_ray

    ray = start_ray(address, num_cpus=None if address else max(replicas, 1) + 1)
    from ray import serve

    try:
        serve.start(http_options={"host": host, "port": port})
        serve.run(build_app(model, device=device, replicas=replicas, num_gpus=num_gpus), name="tokls",
                  route_prefix="/", blocking=False)
        print(f"tokls serve-model: {model} on http://{host}:{port} ({replicas} replica(s)); "
              "TEI-compatible /predict, /info, /health. Ctrl-C stops.", flush=True)
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        # Ctrl-C stops it even when started where SIGINT is ignored (a background job of a
        # non-interactive shell inherits SIG_IGN, and Python then never raises KeyboardInterrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        started = time.monotonic()
        while max_seconds is None or time.monotonic() - started < max_seconds:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        try:
            if not bounded(serve.shutdown, SHUTDOWN_WAIT_S):
                log.warning("serve.shutdown() did not return in %.0f s; stopping Ray", SHUTDOWN_WAIT_S)
        finally:
            stop_ray(ray)
        print("tokls serve-model: stopped", file=sys.stderr, flush=True)
    return 0
