"""The job queue: GPU jobs one at a time, analysis beside them, status, progress, cancel, and a record on disk.

A job moves ``queued`` -> ``running`` -> ``done`` | ``failed`` | ``cancelled``. Its
files go to ``<work_dir>/jobs/<id>/``; a job that fails or is cancelled keeps no
files (the generators write nothing until they finish). Every change is written to
``<work_dir>/jobs.sqlite3``: a restarted service knows every job, runs the queued
ones, and reports the ones it was running as failed (interrupted), ready to retry.
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

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import CancelledError, ToonbeatError
from ..parameters import Upload
from .cache import ModelCache
from .params import BadRequestError, JobRequest, ReadableFolders, check_reads, marked_values
from .runners import KINDS, JobContext
from .store import JobStore

LOG = logging.getLogger("toonbeat.service")
FINISHED = ("done", "failed", "cancelled")
INTERRUPTED = "interrupted: the service stopped while this job ran; queue it again (Retry) to run it"
PROGRESS_SAVE_SECONDS = 1.0
_REQUESTS: TypeAdapter[Any] = TypeAdapter(JobRequest)


@dataclass
class Job:
    """One job and everything a client may ask about it."""

    id: str
    kind: str
    params: BaseModel
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
    saved: float = 0.0

    def describe(self) -> dict[str, Any]:
        """The JSON a client sees (and the record kept on disk)."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 4),
                "message": self.message, "error": self.error, "files": list(self.files),
                "params": self.params.model_dump(mode="json"), "created": self.created, "started": self.started,
                "finished": self.finished}


class JobQueue:
    """Runs submitted jobs on two workers, one for GPU kinds and one for the others, and keeps their records."""

    def __init__(self, work_dir: Path, models: ModelCache, readable: ReadableFolders) -> None:
        self.work_dir = work_dir
        self.models = models
        self.readable = readable
        self.uploads = work_dir / "uploads"
        self._store = JobStore(work_dir / "jobs.sqlite3")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stopping = False
        self._queues = {"gpu": queue.Queue[Job | None](), "cpu": queue.Queue[Job | None]()}
        self._restore()
        self._workers = [threading.Thread(target=self._work, args=(lane,), name=f"toonbeat-{lane}", daemon=True)
                         for lane in self._queues]
        for worker in self._workers:
            worker.start()

    def submit(self, request: Any) -> Job:
        """Queue a checked ``JobRequest``; ``BadRequestError`` names a file or upload it may not use."""
        check_reads(request.params, self.readable)
        for where, upload_id in marked_values(request.params, Upload):
            self.upload_path(upload_id, where)
        job_id = uuid.uuid4().hex[:12]
        job = Job(id=job_id, kind=request.kind, params=request.params, folder=self.work_dir / "jobs" / job_id)
        with self._lock:
            self._jobs[job_id] = job
            self._save(job)
        self._queues[self._lane(job)].put(job)
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
        """Interrupt running jobs (they are recorded as failed), keep queued ones for the next start, end workers."""
        with self._lock:
            self._stopping = True
        for job in self.all():
            if job.status == "running":
                job.cancel.set()
        for lane in self._queues.values():
            lane.put(None)
        for worker in self._workers:
            worker.join(timeout=30)
        self._store.close()

    def _restore(self) -> None:
        for record in self._store.load():
            try:
                request = _REQUESTS.validate_python({"kind": record["kind"], "params": record["params"]})
            except ValidationError as error:
                LOG.warning("job %s cannot be restored: %s", record["id"], error)
                continue
            job = Job(id=record["id"], kind=record["kind"], params=request.params,
                      folder=self.work_dir / "jobs" / record["id"], status=record["status"],
                      progress=record["progress"], message=record["message"], error=record["error"],
                      files=record["files"], created=record["created"], started=record["started"],
                      finished=record["finished"])
            self._jobs[job.id] = job
            if job.status == "running":
                shutil.rmtree(job.folder, ignore_errors=True)
                self._finish(job, "failed", "interrupted", INTERRUPTED)
            elif job.status == "queued":
                self._queues[self._lane(job)].put(job)

    @staticmethod
    def _lane(job: Job) -> str:
        return "gpu" if KINDS[job.kind].gpu else "cpu"

    def _work(self, lane: str) -> None:
        while (job := self._queues[lane].get()) is not None:
            with self._lock:
                if self._stopping:
                    return
                if job.status != "queued":
                    continue
                job.status, job.started, job.message = "running", time.time(), "starting"
                self._save(job)
            self._run(job)

    def _run(self, job: Job) -> None:
        def report(fraction: float, message: str) -> None:
            with self._lock:
                job.progress, job.message = max(job.progress, min(fraction, 1.0)), message
                if time.monotonic() - job.saved >= PROGRESS_SAVE_SECONDS:
                    self._save(job)

        context = JobContext(report=report, cancel=job.cancel, models=self.models, upload_path=self.upload_path)
        job.folder.mkdir(parents=True, exist_ok=True)
        try:
            files = KINDS[job.kind].run(job.params, job.folder, context)
        except CancelledError:
            if self._stopping:
                self._end(job, "failed", "interrupted", INTERRUPTED)
            else:
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

    def _finish(self, job: Job, status: str, message: str, error: str | None = None) -> None:
        job.status, job.message, job.error, job.finished = status, message, error, time.time()
        self._save(job)

    def _save(self, job: Job) -> None:
        job.saved = time.monotonic()
        self._store.save(job.describe())
