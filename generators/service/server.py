"""The HTTP side of the job service, on the standard library's ``ThreadingHTTPServer``.

Bound to 127.0.0.1 by default. Any other address needs a token, and then every
request without ``Authorization: Bearer <token>`` gets 401. Errors are JSON
objects ``{"error": ..., "field": ...}``; the routes are described at ``/openapi.json``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import ToonbeatError
from ..version import toonbeat_version
from .cache import ModelCache
from .jobs import FINISHED, JobQueue
from .openapi import openapi
from .params import BadRequestError

LOG = logging.getLogger("toonbeat.service")
MAX_JSON_BYTES = 1 << 20
MAX_UPLOAD_BYTES = 4 << 30
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ToonbeatService:
    """The job service: a queue, a model cache and an HTTP server; ``start`` serves on a background thread."""

    def __init__(self, work_dir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8765,
                 token: str | None = None, max_models: int = 2) -> None:
        if not is_loopback(host) and not token:
            raise ToonbeatError(f"refusing to listen on {host} without a token: anyone who can reach it could run "
                                "jobs; give --token (or TOONBEAT_TOKEN), or bind to 127.0.0.1")
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.token = token or None
        self.models = ModelCache(max_models)
        self.jobs = JobQueue(self.work_dir, self.models)
        self.http = ThreadingHTTPServer((host, port), _handler_for(self))
        self.http.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL clients use."""
        host, port = self.http.server_address[:2]
        host = str(host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"

    def start(self) -> ToonbeatService:
        """Serve on a background thread; returns ``self``."""
        self._thread = threading.Thread(target=self.http.serve_forever, name="toonbeat-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on this thread until interrupted."""
        self.http.serve_forever()

    def stop(self) -> None:
        """Stop serving, cancel running jobs and end the workers."""
        self.http.shutdown()
        self.http.server_close()
        self.jobs.stop()

    def health(self) -> dict[str, Any]:
        """Version, job counts and loaded models."""
        jobs = self.jobs.all()
        return {"status": "ok", "version": toonbeat_version(),
                "queued": sum(job.status == "queued" for job in jobs),
                "running": sum(job.status == "running" for job in jobs),
                "models": [str(key) for key in self.models.loaded()]}

    def store_upload(self, name: str, stream: Any, length: int) -> dict[str, Any]:
        """Copy ``length`` bytes from ``stream`` into a new upload; returns ``{id, name, bytes}``."""
        safe = _SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
        upload_id = uuid.uuid4().hex[:16]
        folder = self.jobs.uploads / upload_id
        folder.mkdir(parents=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload.")
        try:
            with os.fdopen(handle, "wb") as target:
                remaining = length
                while remaining:
                    chunk = stream.read(min(remaining, 1 << 20))
                    if not chunk:
                        raise BadRequestError("body", f"ended after {length - remaining} of {length} bytes")
                    target.write(chunk)
                    remaining -= len(chunk)
            os.replace(temporary, folder / safe)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return {"id": upload_id, "name": safe, "bytes": length}


def _handler_for(service: ToonbeatService) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.service = service
    return Handler


class _Handler(BaseHTTPRequestHandler):
    service: ToonbeatService
    server_version = "toonbeat"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        LOG.info("%s %s", self.address_string(), format % args)

    def _dispatch(self, method: str) -> None:
        try:
            if not self._authorised():
                self._discard_body()
                self._send_json(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong token (Authorization: Bearer)"},
                                headers={"WWW-Authenticate": "Bearer"})
                return
            self._route(method)
        except BadRequestError as error:
            self.close_connection = True  # the body may be unread
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": error.message, "field": error.field})
        except _HTTPError as error:
            self.close_connection = True
            self._send_json(error.status, {"error": error.message})
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as error:  # the service answers even when a handler fails
            LOG.exception("request failed")
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(error).__name__}: {error}"})

    def _authorised(self) -> bool:
        token = self.service.token
        if token is None:
            return True
        given = self.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [unquote(part) for part in url.path.strip("/").split("/") if part]
        match method, parts:
            case "GET", ["health"]:
                self._send_json(HTTPStatus.OK, self.service.health())
            case "GET", ["openapi.json"]:
                self._send_json(HTTPStatus.OK, openapi())
            case "GET", ["jobs"]:
                self._send_json(HTTPStatus.OK, {"jobs": [job.describe() for job in self.service.jobs.all()]})
            case "POST", ["jobs"]:
                body = self._read_json()
                job = self.service.jobs.submit(body.get("kind"), body.get("params"))
                self._send_json(HTTPStatus.ACCEPTED, job.describe(), headers={"Location": f"/jobs/{job.id}"})
            case "GET", ["jobs", job_id]:
                self._send_json(HTTPStatus.OK, self._job(job_id).describe())
            case ("POST", ["jobs", job_id, "cancel"]) | ("DELETE", ["jobs", job_id]):
                job = self._job(job_id)
                self.service.jobs.cancel(job)
                self._send_json(HTTPStatus.OK, job.describe())
            case "GET", ["jobs", job_id, "files", *path] if path:
                self._send_file(job_id, "/".join(path))
            case "POST", ["uploads"]:
                name = parse_qs(url.query).get("name", [""])[0]
                if not name:
                    raise BadRequestError("name", "give the file name as ?name=")
                length = self._content_length(MAX_UPLOAD_BYTES)
                self._send_json(HTTPStatus.CREATED, self.service.store_upload(name, self.rfile, length))
            case _:
                raise _HTTPError(HTTPStatus.NOT_FOUND, f"no route {method} {url.path} (see /openapi.json)")

    def _job(self, job_id: str) -> Any:
        job = self.service.jobs.get(job_id)
        if job is None:
            raise _HTTPError(HTTPStatus.NOT_FOUND, f"no job {job_id!r}")
        return job

    def _send_file(self, job_id: str, relative: str) -> None:
        job = self._job(job_id)
        if job.status not in FINISHED or relative not in job.files:
            raise _HTTPError(HTTPStatus.NOT_FOUND, f"job {job_id} has no file {relative!r} (status {job.status})")
        path = job.folder / relative
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with open(path, "rb") as source:
            shutil.copyfileobj(source, self.wfile)

    def _read_json(self) -> dict[str, Any]:
        length = self._content_length(MAX_JSON_BYTES)
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise BadRequestError("body", f"not valid JSON ({error})") from error
        if not isinstance(body, dict):
            raise BadRequestError("body", "must be a JSON object such as {\"kind\": \"music\", \"params\": {...}}")
        return body

    def _content_length(self, limit: int) -> int:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError as error:
            raise BadRequestError("Content-Length", "must be a number") from error
        if length < 0 or length > limit:
            self.close_connection = True
            raise BadRequestError("Content-Length", f"must be between 0 and {limit} bytes")
        return length

    def _discard_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) <= MAX_JSON_BYTES:
            self.rfile.read(int(length))
        elif length:
            self.close_connection = True

    def _send_json(self, status: HTTPStatus, document: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class _HTTPError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message
