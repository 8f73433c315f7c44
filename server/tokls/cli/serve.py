"""``tokls serve``: run the language server on stdio (default) or TCP."""

from __future__ import annotations

import argparse
import logging
import sys

from ._io import CliError, long_lived


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the language server (stdio by default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    p.add_argument("--stdio", action="store_true",
                   help="use stdio (the default; accepted because some clients always pass it)")
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"],
                   help="stderr log level (default: warning)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(getattr(logging, args.log_level.upper()))
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[stderr])
    with long_lived():
        from ..lsp.server import create_server, serve_stdio

        server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise CliError(f"--tcp expects HOST:PORT, got {args.tcp!r}")
        server.start_tcp(host, int(port))
        return 0
    return serve_stdio(server)
