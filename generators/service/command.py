"""``toonbeat serve``: the local (or token-protected remote) generation job service."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Declare ``toonbeat serve``."""
    parser = subparsers.add_parser(
        "serve", help="run the generation job service Blender talks to",
        description="Serve music, art and analysis jobs over HTTP (OpenAPI at /openapi.json). Listens on "
                    "127.0.0.1 unless told otherwise; any other address needs a token, which every request "
                    "must then carry as 'Authorization: Bearer <token>'. Jobs are kept in WORK_DIR/jobs.sqlite3 "
                    "across restarts; SIGTERM or Ctrl+C stops it gracefully.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: %(default)s)")
    parser.add_argument("--token", default=os.environ.get("TOONBEAT_TOKEN"),
                        help="shared secret clients must send (default: $TOONBEAT_TOKEN)")
    parser.add_argument("--host-name", action="append", default=[], metavar="NAME",
                        help="another name clients reach this service by, accepted in the Host header (repeat)")
    parser.add_argument("--work-dir", default="out/service", help="uploads and job results (default: %(default)s)")
    parser.add_argument("--read-from", action="append", default=[], metavar="FOLDER",
                        help="a folder whose files (presets, models, LoRAs) jobs may read, beside the built-in "
                             "presets and the work folder (repeat)")
    parser.add_argument("--max-models", type=int, default=2,
                        help="models kept loaded between jobs (default: %(default)s)")
    parser.add_argument("--max-gpu-models", type=int, default=1,
                        help="of those, how many may stay on the GPU; 1 fits a 10 GB card (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or Ctrl+C; running jobs are recorded as interrupted, queued ones kept."""
    from .server import ToonbeatService

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    service = ToonbeatService(args.work_dir, host=args.host, port=args.port, token=args.token,
                              max_models=args.max_models, max_gpu_models=args.max_gpu_models,
                              read_from=tuple(args.read_from), host_names=tuple(args.host_name))
    print(f"toonbeat service on {service.url} (work folder {service.work_dir}, "
          f"{'token required' if service.token else 'no token'}); Ctrl+C stops it", file=sys.stderr, flush=True)
    # uvicorn shuts down gracefully on SIGTERM, then raises it again with the handler it found: this one,
    # so the jobs are put away below instead of the process dying on the spot.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: None)
    try:
        service.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping: running jobs are recorded as interrupted, queued ones kept", file=sys.stderr, flush=True)
        service.close()
    return 0
