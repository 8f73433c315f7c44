"""Past one machine, on Ray: batch classification on Ray Data and the classifier on Ray Serve.

Ray is an optional extra (``pip install "tokls[ray]"``) and is imported only inside the functions
that use it, so this package imports without it. :mod:`.tei` is the TEI-compatible HTTP API
(``/predict``, ``/info``, ``/health``) with no framework in it; :mod:`.serve` puts it on Ray
Serve (``tokls serve-model``); :mod:`.batch` reads, classifies and writes datasets, in-process or
on Ray Data (``tokls classify --input``).
"""

from __future__ import annotations

__all__ = ["RAY_HINT", "RayMissing", "import_ray", "start_ray"]

RAY_HINT = 'Ray is not installed: pip install "tokls[ray]"'
_LOCAL_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class RayMissing(RuntimeError):
    """Ray (or one of its parts) is not installed; the message says how to install it."""


def import_ray():
    """The ``ray`` module with Serve and Data importable, or :class:`RayMissing`."""
    try:
        import ray
        import ray.data  # noqa: F401
        from ray import serve  # noqa: F401
    except ImportError as exc:
        raise RayMissing(f"{RAY_HINT} ({exc})") from exc
    return ray


def start_ray(address: str | None, num_cpus: int | None = None):
    """Attach to the cluster at ``address``, or start a local instance on 127.0.0.1 only (no
    dashboard). Returns the ``ray`` module; the caller calls ``ray.shutdown()`` when done."""
    import os

    if not address:
        # Ray resolves 127.0.0.1 to the machine's address and binds its gRPC servers on every
        # interface unless it runs as a single-machine instance; ask for that mode (read when ray
        # is imported, and by the processes it starts), so that every port it opens is loopback.
        os.environ[_LOCAL_ONLY_ENV] = "0"
    ray = import_ray()
    if not address:
        from ray._private import ray_constants

        ray_constants.ENABLE_RAY_CLUSTER = False  # ray may have been imported before the variable was set
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False,
                 _node_ip_address="127.0.0.1", log_to_driver=False)
    return ray
