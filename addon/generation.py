"""Music, art and analysis jobs on the Toonbeat service, followed without freezing Blender.

Every request runs on a job's worker thread (``core.service_client.ServiceWorker``);
a ``bpy.app.timers`` callback, ``JobBoard.tick``, polls the futures from Blender's
main thread, and only there are results put into the scene: a generated track
becomes the song and is analysed next, character folders go on stage, backgrounds
behind them. Whatever goes wrong with one job is reported on that job; the timer
keeps running. The jobs are kept in ``jobs.json`` in Toonbeat's user folder
(``core.job_records``): a restarted Blender picks them up (``JobBoard.resume``), and
a service that restarts is waited for.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import bpy

from . import assemble
from .core import beatfile
from .core.background_process import BackgroundProcess
from .core.backgrounds import read_backgrounds
from .core.character_sheet import SHEET_NAME, read_character
from .core.clip import CLIP_FILE, read_clip
from .core.job_records import JobRecord, load_records, save_records
from .core.progress import progress_text
from .core.service_client import ServiceClient, ServiceError, ServiceUnavailableError, ServiceWorker
from .library.folder import keep
from .preferences import preferences, user_data_folder
from .properties import settings_of

LOG = logging.getLogger("toonbeat")
POLL_SECONDS = 0.5
RECONNECT_POLL_SECONDS = 2.0
# How long a job waits for a service that stopped answering (a restart) before it is reported failed.
RECONNECT_SECONDS = 120.0
ACTIVE = ("uploading", "sending", "queued", "running", "downloading")
RETRYABLE = ("failed", "cancelled")


@dataclass
class Job(JobRecord):
    """One job as the panel shows it: its record (``purpose`` says what its files become in the scene) and
    what follows it in this session. ``message`` is the whole text of the last news or error."""

    worker: ServiceWorker = field(kw_only=True)
    pending: Future[Any] | None = field(default=None, kw_only=True)
    next_poll: float = field(default=0.0, kw_only=True)
    unreachable_since: float | None = field(default=None, kw_only=True)
    started: float = field(default_factory=time.monotonic, kw_only=True)

    @property
    def active(self) -> bool:
        """Whether the job still needs polling."""
        return self.status in ACTIVE

    @property
    def retryable(self) -> bool:
        """Whether Retry can queue it again (it failed or was cancelled)."""
        return self.status in RETRYABLE

    @property
    def result_folder(self) -> Path:
        """Where its files are downloaded."""
        return Path(self.folder)

    @property
    def result_files(self) -> list[Path]:
        """The downloaded files."""
        return [Path(name) for name in self.files]

    def record(self) -> JobRecord:
        """What is kept of the job across restarts."""
        return JobRecord(**{item.name: getattr(self, item.name) for item in fields(JobRecord)})


class JobBoard:
    """The jobs Toonbeat queued and, if Toonbeat started one, the local service process."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.local_service: BackgroundProcess | None = None

    def submit(self, context: bpy.types.Context, kind: str, params: dict[str, Any], purpose: str, label: str,
               upload: Path | None = None, scene: str | None = None, place: dict[str, Any] | None = None) -> Job:
        """Queue a job on the service from the preferences; ``upload`` is sent first as ``params['audio']``;
        ``place`` says where in the scene the result goes (a clip's section)."""
        client = service_client(context)
        job = Job(label=label, kind=kind, purpose=purpose, scene=scene or assemble.current_scene(context).name,
                  params=params, upload=str(upload) if upload else None, folder=str(_result_folder(kind)),
                  service_url=client.base_url, worker=ServiceWorker(client), place=dict(place or {}))
        self._send(job)
        self.jobs.append(job)
        self._follow()
        return job

    def cancel(self, job: Job) -> None:
        """Ask the service to stop ``job``; the next poll shows it cancelled."""
        if job.id and job.active:
            job.worker.call("cancel", job.id)
            job.message = "cancelling"

    def retry(self, context: bpy.types.Context, job: Job) -> Job:
        """Queue a failed or cancelled job again, with the same settings, in its place in the list."""
        if not job.retryable:
            raise ServiceError(f"{job.label} is {job.status}: only failed or cancelled jobs can be retried")
        client = service_client(context)
        again = Job(label=job.label, kind=job.kind, purpose=job.purpose, scene=job.scene, params=job.params,
                    upload=job.upload, folder=str(_result_folder(job.kind)), service_url=client.base_url,
                    worker=ServiceWorker(client), place=job.place)
        self._send(again)
        self.jobs[self.jobs.index(job)] = again
        job.worker.shutdown()
        self._follow()
        return again

    def clear_finished(self) -> int:
        """Forget every job that is over (done, failed, cancelled); returns how many went."""
        finished = [job for job in self.jobs if not job.active]
        for job in finished:
            job.worker.shutdown()
        self.jobs = [job for job in self.jobs if job.active]
        self.save()
        return len(finished)

    def resume(self, context: bpy.types.Context) -> int:
        """Take up the jobs of an earlier session from the user folder; returns how many are followed again."""
        known = {(job.worker.client.base_url, job.id) for job in self.jobs if job.id}
        followed = 0
        for record in load_records(records_path()):
            if record.id and (record.service_url, record.id) in known:
                continue
            job = _job_from_record(context, record)
            if job.status in ("queued", "running", "downloading"):
                job.status, job.message = "queued", f"picked up again: {job.message}"
                followed += 1
            elif job.active:  # Blender closed before the service had the job
                job.status, job.message = "failed", "Blender closed before the job reached the service; Retry it"
            self.jobs.append(job)
        self._follow()
        return followed

    def save(self) -> None:
        """Write the job list to the user folder."""
        try:
            save_records(records_path(), [job.record() for job in self.jobs])
        except OSError as error:
            LOG.warning("Toonbeat: cannot keep the job list (%s)", error)

    def tick(self) -> float | None:
        """Advance every job one step; the next interval, or ``None`` once nothing is left to follow."""
        now = time.monotonic()
        changed = False
        for job in self.jobs:
            before = (job.status, job.id)
            try:
                self._step(job, now)
            except ServiceError as error:  # the service said no or is not there: the message says what to do
                LOG.warning("Toonbeat job %s: %s", job.label, error)
                job.status, job.pending = "failed", None
                job.message = str(error)
            except Exception as error:  # one job's surprise must not stop the timer that follows the others
                LOG.exception("Toonbeat job %s", job.label)
                job.status, job.pending = "failed", None
                job.message = f"{type(error).__name__}: {error}"
            changed |= (job.status, job.id) != before
        if changed:
            self.save()
        try:
            _redraw_panels()
            _show_in_status_bar([job for job in self.jobs if job.active])
        except Exception:  # a window closing mid-redraw is no reason to stop following jobs
            LOG.exception("Toonbeat: redrawing the panels")
        if any(job.active for job in self.jobs):
            return POLL_SECONDS
        for job in self.jobs:
            job.worker.shutdown()
        return None

    def _step(self, job: Job, now: float) -> None:
        if job.pending is not None and job.pending.done():
            future, job.pending = job.pending, None
            try:
                result = future.result()
            except ServiceUnavailableError as error:
                if not (job.id and self._wait_for_service(job, now, error)):
                    raise
                return
            job.unreachable_since = None
            self._advance(job, result)
        if job.pending is None and job.status in ("queued", "running") and now >= job.next_poll:
            job.pending = job.worker.call("job", job.id)
            job.next_poll = now + POLL_SECONDS

    @staticmethod
    def _wait_for_service(job: Job, now: float, error: ServiceError) -> bool:
        """Keep polling a job whose service stopped answering, for a while; ``False`` once that is over."""
        job.unreachable_since = job.unreachable_since or now
        if now - job.unreachable_since > RECONNECT_SECONDS:
            return False
        job.message = f"waiting for the service to answer again: {error}"
        job.next_poll = now + RECONNECT_POLL_SECONDS
        if job.status == "downloading":
            job.status = "running"  # poll again, then download
        return True

    def _advance(self, job: Job, result: Any) -> None:
        if job.status == "uploading":
            job.status = "sending"
            job.pending = job.worker.call("submit", job.kind, {**job.params, "audio": result})
        elif job.status == "downloading":
            job.files = [str(path) for path in result]
            job.status = "done"
            job.message = apply_result(job)
        else:
            if not isinstance(result, dict) or not isinstance(result.get("id"), str):
                raise ServiceError(f"the service answered something that is not a job: {str(result)[:200]}")
            job.id = result["id"]
            job.status, job.progress = str(result.get("status")), float(result.get("progress") or 0.0)
            job.message = result.get("error") or result.get("message") or ""
            if job.status == "done":
                job.status = "downloading"
                job.pending = job.worker.call("download_all", result, job.result_folder)
            elif job.status not in ACTIVE and job.status not in ("failed", "cancelled"):
                raise ServiceError(f"the service reported an unknown job status {job.status!r}")

    @staticmethod
    def _send(job: Job) -> None:
        if job.upload is not None:
            job.status = "uploading"
            job.pending = job.worker.call("upload", job.upload)
        else:
            job.status = "sending"
            job.pending = job.worker.call("submit", job.kind, job.params)

    def _follow(self) -> None:
        self.save()
        if not bpy.app.timers.is_registered(tick):
            bpy.app.timers.register(tick, first_interval=0.1)

    def stop_local_service(self) -> None:
        """End the service process Toonbeat started, if any."""
        if self.local_service is not None:
            self.local_service.cancel()
            self.local_service = None


BOARD = JobBoard()


def records_path() -> Path:
    """Where the job list is kept: ``jobs.json`` in Toonbeat's user folder."""
    return user_data_folder("jobs") / "jobs.json"


def start() -> None:
    """Take up the jobs of the last session once Blender is running (a timer: the context is ready then)."""
    if not bpy.app.timers.is_registered(_resume_jobs):
        bpy.app.timers.register(_resume_jobs, first_interval=1.0)


def _resume_jobs() -> None:
    try:
        BOARD.resume(bpy.context)
    except Exception:  # a job list that cannot be taken up must not break start-up
        LOG.exception("Toonbeat: taking up the jobs of the last session")


def shutdown() -> None:
    """Stop following jobs (their list stays on disk) and end the local service: Toonbeat is being disabled."""
    for timer in (tick, _resume_jobs):
        if bpy.app.timers.is_registered(timer):
            bpy.app.timers.unregister(timer)
    for job in BOARD.jobs:
        job.worker.shutdown()
    BOARD.jobs.clear()
    BOARD.stop_local_service()


def tick() -> float | None:
    """The ``bpy.app.timers`` callback; it never raises (Blender would unregister it)."""
    try:
        return BOARD.tick()
    except Exception:  # keep following the jobs whatever happened
        LOG.exception("Toonbeat: following the jobs")
        return POLL_SECONDS


def _job_from_record(context: bpy.types.Context, record: JobRecord) -> Job:
    prefs = preferences(context)
    token = prefs.service_token or None if record.service_url == prefs.service_url else None
    try:
        client = ServiceClient(record.service_url, token=token,
                               allow_online=bool(getattr(bpy.app, "online_access", True)))
    except ServiceError as error:
        client = service_client(context)
        record.status, record.message = "failed", str(error)
    return Job(**{item.name: getattr(record, item.name) for item in fields(JobRecord)}, worker=ServiceWorker(client))


def service_client(context: bpy.types.Context) -> ServiceClient:
    """A client for the service in the preferences; other machines only with online access allowed."""
    prefs = preferences(context)
    return ServiceClient(prefs.service_url, token=prefs.service_token or None,
                         allow_online=bool(getattr(bpy.app, "online_access", True)))


def apply_result(job: Job) -> str:
    """Put a finished job's files into its scene; returns what happened, for the panel."""
    scene = bpy.data.scenes.get(job.scene)
    if scene is None:
        return f"files in {job.result_folder} (the scene {job.scene!r} is gone)"
    settings = settings_of(scene)
    stage = assemble.stage_module(settings.stage)
    frames = int(scene.frame_end - scene.frame_start + 1)
    if job.purpose == "track":
        track = job.result_folder / "track.wav"
        settings.audio_path = str(track)
        BOARD.submit(bpy.context, "analysis", {}, "beats", f"Analysis of {track.name}", upload=track,
                     scene=scene.name)
        return f"{track} is the song; analyzing it"
    if job.purpose == "beats":
        beats_path = job.result_folder / "beats.json"
        settings.beats_path = str(beats_path)
        frames, markers = assemble.load_song(scene, Path(settings.audio_path), beatfile.load(beats_path),
                                             with_beat_markers=settings.with_beat_markers,
                                             with_onset_markers=settings.with_onset_markers)
        keep(bpy.context, "song", Path(settings.audio_path), beats=beats_path)
        return f"song loaded: {frames} frames, {markers} markers"
    if job.purpose == "clip":
        return _place_clip(job, scene, stage, frames)
    if job.purpose == "characters":
        folders = sorted({path.parent for path in job.result_files if path.suffix == ".png"})
        for folder in folders:
            stage.add_character(scene, read_character(folder), frames)
            keep(bpy.context, "character", folder)
        return f"{len(folders)} character(s) on stage; bake to animate"
    folder = min((path.parent for path in job.result_files if path.suffix == ".png"), default=job.result_folder)
    images = read_backgrounds(folder)
    sections = settings.song_sections()
    stage.layout_backgrounds(scene, images, sections, frames)
    settings.backgrounds_path = str(folder)
    keep(bpy.context, "backgrounds", folder)
    return f"{len(images)} backgrounds laid out"


def _place_clip(job: Job, scene: bpy.types.Scene, stage: Any, frames: int) -> str:
    """A character's clip goes on stage as that character dancing its move; a shot over its section."""
    from .core.beatfile import Section
    from .stage.shot_clips import place_shot

    sheets = [path for path in job.result_files if path.name == SHEET_NAME]
    if sheets:
        character = read_character(job.result_folder / sheets[0].parent)
        stage.add_character(scene, character, frames)
        keep(bpy.context, "character", character.folder)
        return f"{character.name} on stage; bake to dance it on the beats"
    clip = read_clip(job.result_folder / next(path for path in job.result_files if path.name == CLIP_FILE).parent)
    beats = settings_of(scene).beat_data().beats
    place = job.place
    place_shot(scene, clip, Section(float(place["start"]), float(place["end"]), str(place["label"])), beats)
    return f"{clip.name} over the {place['label']} section, on the beats"


def _result_folder(kind: str) -> Path:
    """Beside the .blend when it is saved (``//toonbeat_generated``), else in Toonbeat's user folder."""
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{uuid.uuid4().hex[:6]}"
    if bpy.data.filepath:
        return Path(bpy.path.abspath("//toonbeat_generated")) / name
    return user_data_folder("generated") / name


def _show_in_status_bar(active: list[Job]) -> None:
    """The first running job's progress and time left in every window's status bar; cleared when none runs."""
    text = None
    if active:
        job = active[0]
        text = f"Toonbeat: {job.label}: " + progress_text(job.status.title(), job.progress or None,
                                                          time.monotonic() - job.started)
        if len(active) > 1:
            text += f" (+{len(active) - 1} more)"
    window_manager = bpy.context.window_manager
    for window in window_manager.windows if window_manager else ():
        window.workspace.status_text_set(text)


def _redraw_panels() -> None:
    window_manager = bpy.context.window_manager
    for window in window_manager.windows if window_manager else ():
        for area in window.screen.areas:
            if area.type in ("VIEW_3D", "SEQUENCE_EDITOR"):
                area.tag_redraw()
