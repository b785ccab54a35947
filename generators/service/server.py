"""The HTTP side of the job service: FastAPI routes under uvicorn, behind ``guard.RequestGuard``.

Bound to 127.0.0.1 by default; any other address needs a token. Errors are JSON
objects ``{"error": ..., "field": ...}``; the OpenAPI description at ``/openapi.json``
is generated from the same pydantic models that check the requests. ``start`` serves
on a background thread (tests, Blender's own process), ``serve_forever`` on the
calling one with uvicorn's graceful SIGTERM / Ctrl+C handling.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from addon.core.files import atomic_path

from ..errors import ToonbeatError
from ..version import toonbeat_version
from .cache import ModelCache
from .guard import BodyRule, RequestGuard, is_loopback
from .jobs import FINISHED, Job, JobQueue
from .params import BadRequestError, JobRequest, ReadableFolders, bad_request
from .timeouts import ServiceConfig

LOG = logging.getLogger("toonbeat.service")
MAX_JSON_BYTES = 1 << 20
MAX_UPLOAD_BYTES = 1 << 30
MAX_CONNECTIONS = 512
BUILT_IN_PRESETS = (Path(__file__).parents[1] / "music" / "presets", Path(__file__).parents[1] / "art" / "presets")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ToonbeatService:
    """The job service: a queue, a model cache and an HTTP server on an already bound socket."""

    def __init__(self, work_dir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8765,
                 token: str | None = None, max_models: int = 2, max_gpu_models: int = 1,
                 read_from: tuple[str | os.PathLike[str], ...] = (), host_names: tuple[str, ...] = (),
                 max_upload_bytes: int = MAX_UPLOAD_BYTES, max_connections: int = MAX_CONNECTIONS,
                 header_timeout: float = 10.0, body_timeout: float = 30.0) -> None:
        if not is_loopback(host) and not token:
            raise ToonbeatError(f"refusing to listen on {host} without a token: anyone who can reach it could run "
                                "jobs; give --token (or TOONBEAT_TOKEN), or bind to 127.0.0.1")
        self.work_dir = Path(work_dir).resolve()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.token = token or None
        self.max_upload_bytes = max_upload_bytes
        self.models = ModelCache(max_models, max_gpu_models)
        readable = ReadableFolders([*BUILT_IN_PRESETS, self.work_dir, *read_from])
        self.jobs = JobQueue(self.work_dir, self.models, readable)
        self.socket = _bind(host, port)
        self.address: tuple[str, int] = self.socket.getsockname()[:2]
        app = RequestGuard(_app(self), host=host, port=self.address[1], token=self.token, host_names=host_names,
                           bodies={"/jobs": BodyRule("application/json", MAX_JSON_BYTES),
                                   "/uploads": BodyRule("application/octet-stream", max_upload_bytes)})
        config = ServiceConfig(app, header_timeout=header_timeout, body_timeout=body_timeout,
                               limit_concurrency=max_connections, timeout_keep_alive=5,
                               timeout_graceful_shutdown=10, log_level="warning", access_log=False,
                               server_header=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL clients use."""
        host, port = self.address
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"

    def start(self) -> ToonbeatService:
        """Serve on a background thread; returns ``self`` once it answers."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.socket])),
                                        name="toonbeat-http", daemon=True)
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Serve on this thread until SIGTERM or Ctrl+C, finishing the requests in flight."""
        self.server.run(sockets=[self.socket])

    def stop(self) -> None:
        """Stop serving, interrupt running jobs (recorded as such), keep queued ones for the next start."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.close()

    def close(self) -> None:
        """Release the socket and end the workers (after ``serve_forever`` returned)."""
        self.socket.close()
        self.jobs.stop()

    def health(self) -> dict[str, Any]:
        """Version, job counts and loaded models."""
        jobs = self.jobs.all()
        return {"status": "ok", "version": toonbeat_version(),
                "queued": sum(job.status == "queued" for job in jobs),
                "running": sum(job.status == "running" for job in jobs),
                "models": [str(key) for key in self.models.loaded()],
                "models_on_gpu": [str(key) for key in self.models.on_gpu()]}

    async def store_upload(self, name: str, request: Request) -> dict[str, Any]:
        """Stream the body into a new upload; returns ``{id, name, bytes}``."""
        safe = _SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
        upload_id = uuid.uuid4().hex[:16]
        folder = self.jobs.uploads / upload_id
        folder.mkdir(parents=True)
        size = 0
        try:
            with atomic_path(folder / safe) as temporary, open(temporary, "wb") as target:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > self.max_upload_bytes:
                        raise BadRequestError("body", f"more than {self.max_upload_bytes} bytes")
                    target.write(chunk)
        except BaseException:
            for leftover in folder.iterdir():
                leftover.unlink()
            folder.rmdir()
            raise
        return {"id": upload_id, "name": safe, "bytes": size}


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise ToonbeatError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error
    sock.listen(128)
    return sock


def _error(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status, headers=headers)


def _app(service: ToonbeatService) -> FastAPI:
    app = FastAPI(title="Toonbeat generation service", version=toonbeat_version(), docs_url=None, redoc_url=None,
                  description="MusicGen tracks, Stable Diffusion characters and backgrounds, video clips "
                              "(AnimateDiff, Wan, CogVideoX, SVD) and beat analysis as "
                              "jobs. GPU jobs run one at a time; analysis runs beside them. Bound to this machine "
                              "unless started with a token, which every request must then carry as "
                              "'Authorization: Bearer <token>'. Requests from other web pages are refused.")

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problem = error.errors()[0]
        if problem["type"] == "json_invalid":
            return _error(400, f"not valid JSON ({problem.get('ctx', {}).get('error', problem['msg'])})", "body")
        refusal = bad_request(problem)
        return _error(400, refusal.message, refusal.field)

    @app.exception_handler(BadRequestError)
    async def bad(_request: Request, error: BadRequestError) -> JSONResponse:
        return _error(400, error.message, error.field)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail), "body" if error.status_code == 400 else None)

    def find(job_id: str) -> Job:
        job = service.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return job

    @app.get("/health", summary="service version, queue and loaded models")
    def health() -> dict[str, Any]:
        return service.health()

    @app.get("/jobs", summary="every job, oldest first")
    def jobs() -> dict[str, Any]:
        return {"jobs": [job.describe() for job in service.jobs.all()]}

    @app.post("/jobs", status_code=202, summary="queue a job")
    def submit(request: Annotated[JobRequest, Body()]) -> JSONResponse:
        job = service.jobs.submit(request)
        return JSONResponse(job.describe(), 202, headers={"Location": f"/jobs/{job.id}"})

    @app.get("/jobs/{job_id}", summary="a job's status and progress")
    def status(job_id: str) -> dict[str, Any]:
        return find(job_id).describe()

    @app.post("/jobs/{job_id}/cancel", summary="cancel a queued or running job")
    def cancel(job_id: str) -> dict[str, Any]:
        job = find(job_id)
        service.jobs.cancel(job)
        return job.describe()

    @app.get("/jobs/{job_id}/files/{path:path}", summary="one result file of a finished job")
    def download(job_id: str, path: str) -> FileResponse:
        job = find(job_id)
        if job.status not in FINISHED or path not in job.files:
            raise HTTPException(404, f"job {job_id} has no file {path!r} (status {job.status})")
        return FileResponse(job.folder / path, media_type="application/octet-stream")

    @app.post("/uploads", status_code=201, summary="store an input file (audio for analysis, a melody); the body is "
                                                   "the file's bytes, application/octet-stream")
    async def upload(request: Request, name: Annotated[str, Query(min_length=1, max_length=255)]) -> Any:
        try:
            return await service.store_upload(name, request)
        except ClientDisconnect:  # cut off (body timeout) or gone: nothing was kept, nobody to answer
            return Response(status_code=400)

    return app

