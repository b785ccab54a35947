"""The job queue: GPU jobs one at a time, analysis beside them, status, progress and cancel.

A job moves ``queued`` -> ``running`` -> ``done`` | ``failed`` | ``cancelled``. Its
files go to ``<work_dir>/jobs/<id>/``; a job that fails or is cancelled keeps no
files (the generators write nothing until they finish).
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CancelledError, ToonbeatError
from .cache import ModelCache
from .params import BadRequestError, validate
from .runners import KINDS, JobContext

LOG = logging.getLogger("toonbeat.service")
FINISHED = ("done", "failed", "cancelled")


@dataclass
class Job:
    """One job and everything a client may ask about it."""

    id: str
    kind: str
    params: dict[str, Any]
    folder: Path
    status: str = "queued"
    progress: float = 0.0
    message: str = "waiting for its turn"
    error: str | None = None
    files: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> dict[str, Any]:
        """The JSON a client sees."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 4),
                "message": self.message, "error": self.error, "files": list(self.files), "params": self.params,
                "created": self.created, "started": self.started, "finished": self.finished}


class JobQueue:
    """Runs submitted jobs on two workers: one for GPU kinds, one for the others."""

    def __init__(self, work_dir: Path, models: ModelCache) -> None:
        self.work_dir = work_dir
        self.models = models
        self.uploads = work_dir / "uploads"
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queues = {"gpu": queue.Queue[Job | None](), "cpu": queue.Queue[Job | None]()}
        self._workers = [threading.Thread(target=self._work, args=(lane,), name=f"toonbeat-{lane}", daemon=True)
                         for lane in self._queues]
        for worker in self._workers:
            worker.start()

    def submit(self, kind: Any, params: Any) -> Job:
        """Check and queue a job; ``BadRequestError`` names the bad field."""
        if kind not in KINDS:
            raise BadRequestError("kind", f"must be one of {', '.join(KINDS)}")
        checked = validate(KINDS[kind].fields, params if params is not None else {})
        for field_spec in KINDS[kind].fields:
            if field_spec.type == "upload" and checked[field_spec.name] is not None:
                self.upload_path(checked[field_spec.name], f"params.{field_spec.name}")
        if kind == "music" and not (checked["prompt"] or checked["preset"]):
            raise BadRequestError("params.prompt", "give a prompt or a preset")
        job_id = uuid.uuid4().hex[:12]
        job = Job(id=job_id, kind=kind, params=checked, folder=self.work_dir / "jobs" / job_id)
        with self._lock:
            self._jobs[job_id] = job
        self._queues["gpu" if KINDS[kind].gpu else "cpu"].put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with ``job_id``, if there is one."""
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Every job, oldest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.created)

    def cancel(self, job: Job) -> None:
        """Stop a job: a queued one never starts, a running one stops at its next step."""
        job.cancel.set()
        with self._lock:
            if job.status == "queued":
                self._finish(job, "cancelled", "cancelled before it started")

    def upload_path(self, upload_id: str, where: str) -> Path:
        """The file stored for ``upload_id``; ``BadRequestError`` naming ``where`` when there is none."""
        folder = self.uploads / upload_id
        files = sorted(folder.iterdir()) if upload_id.isalnum() and folder.is_dir() else []
        if not files:
            raise BadRequestError(where, f"no upload with id {upload_id!r}")
        return files[0]

    def stop(self) -> None:
        """Ask running jobs to stop and the workers to end."""
        for job in self.all():
            job.cancel.set()
        for lane in self._queues.values():
            lane.put(None)
        for worker in self._workers:
            worker.join(timeout=10)

    def _work(self, lane: str) -> None:
        while (job := self._queues[lane].get()) is not None:
            with self._lock:
                if job.status != "queued":
                    continue
                job.status, job.started, job.message = "running", time.time(), "starting"
            self._run(job)

    def _run(self, job: Job) -> None:
        def report(fraction: float, message: str) -> None:
            with self._lock:
                job.progress, job.message = max(job.progress, min(fraction, 1.0)), message

        context = JobContext(report=report, cancel=job.cancel, models=self.models, upload_path=self.upload_path)
        job.folder.mkdir(parents=True, exist_ok=True)
        try:
            files = KINDS[job.kind].run(job.params, job.folder, context)
        except CancelledError:
            self._end(job, "cancelled", "cancelled")
        except (ToonbeatError, BadRequestError) as error:
            self._end(job, "failed", "failed", str(error))
        except Exception as error:  # a job must never take the service down with it
            LOG.error("job %s failed:\n%s", job.id, traceback.format_exc())
            self._end(job, "failed", "failed", f"internal error: {type(error).__name__}: {error}")
        else:
            with self._lock:
                job.files, job.progress = files, 1.0
                self._finish(job, "done", "done")

    def _end(self, job: Job, status: str, message: str, error: str | None = None) -> None:
        shutil.rmtree(job.folder, ignore_errors=True)
        with self._lock:
            self._finish(job, status, message, error)

    @staticmethod
    def _finish(job: Job, status: str, message: str, error: str | None = None) -> None:
        job.status, job.message, job.error, job.finished = status, message, error, time.time()
