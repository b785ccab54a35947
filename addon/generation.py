"""Music, art and analysis jobs on the Toonbeat service, followed without freezing Blender.

Every request runs on a job's worker thread (``core.service_client.ServiceWorker``);
a ``bpy.app.timers`` callback, ``JobBoard.tick``, polls the futures from Blender's
main thread, and only there are results put into the scene: a generated track
becomes the song and is analysed next, character folders go on stage, backgrounds
behind them. Jobs live as long as this Blender session.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bpy

from . import assemble
from .core import beatfile
from .core.background_process import BackgroundProcess
from .core.backgrounds import read_backgrounds
from .core.character_sheet import read_character
from .core.service_client import ServiceClient, ServiceError, ServiceWorker
from .preferences import preferences, user_data_folder
from .properties import settings_of

POLL_SECONDS = 0.5
ACTIVE = ("uploading", "sending", "queued", "running", "downloading")


@dataclass
class Job:
    """One job as the panel shows it; ``purpose`` says what its files become in the scene."""

    label: str
    kind: str
    purpose: str
    scene: str
    folder: Path
    params: dict[str, Any]
    worker: ServiceWorker
    id: str = ""
    status: str = "sending"
    progress: float = 0.0
    message: str = ""
    upload: Path | None = None
    pending: Future[Any] | None = None
    next_poll: float = 0.0
    files: list[Path] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def active(self) -> bool:
        """Whether the job still needs polling."""
        return self.status in ACTIVE


class JobBoard:
    """The session's jobs and, if Toonbeat started one, the local service process."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.local_service: BackgroundProcess | None = None

    def submit(self, context: bpy.types.Context, kind: str, params: dict[str, Any], purpose: str, label: str,
               upload: Path | None = None) -> Job:
        """Queue a job on the service from the preferences; ``upload`` is sent first as ``params['audio']``."""
        client = service_client(context)
        scene = assemble.current_scene(context)
        job = Job(label=label, kind=kind, purpose=purpose, scene=scene.name, params=params, upload=upload,
                  folder=_result_folder(kind, len(self.jobs)), worker=ServiceWorker(client))
        if upload is not None:
            job.status = "uploading"
            job.pending = job.worker.call("upload", upload)
        else:
            job.pending = job.worker.call("submit", kind, params)
        self.jobs.append(job)
        if not bpy.app.timers.is_registered(tick):
            bpy.app.timers.register(tick, first_interval=0.1)
        return job

    def cancel(self, job: Job) -> None:
        """Ask the service to stop ``job``; the next poll shows it cancelled."""
        if job.id and job.active:
            job.worker.call("cancel", job.id)
            job.message = "cancelling"

    def tick(self) -> float | None:
        """Advance every job one step; the next interval, or ``None`` once nothing is left to follow."""
        now = time.monotonic()
        for job in self.jobs:
            if job.pending is not None and job.pending.done():
                future, job.pending = job.pending, None
                try:
                    self._advance(job, future.result())
                except (ServiceError, OSError, ValueError) as error:
                    job.status, job.message = "failed", str(error)
            if job.pending is None and job.status in ("queued", "running") and now >= job.next_poll:
                job.pending = job.worker.call("job", job.id)
                job.next_poll = now + POLL_SECONDS
        _redraw_panels()
        if any(job.active for job in self.jobs):
            return POLL_SECONDS
        for job in self.jobs:
            job.worker.shutdown()
        return None

    def _advance(self, job: Job, result: Any) -> None:
        if job.status == "uploading":
            job.status = "sending"
            job.pending = job.worker.call("submit", job.kind, {**job.params, "audio": result})
        elif job.status == "downloading":
            job.files = list(result)
            job.message = apply_result(job)
            job.status = "done"
        else:
            job.id = result["id"]
            job.status, job.progress = result["status"], float(result.get("progress") or 0.0)
            job.message = result.get("error") or result.get("message") or ""
            if job.status == "done":
                job.status = "downloading"
                job.pending = job.worker.call("download_all", result, job.folder)

    def stop_local_service(self) -> None:
        """End the service process Toonbeat started, if any."""
        if self.local_service is not None:
            self.local_service.cancel()
            self.local_service = None


BOARD = JobBoard()


def shutdown() -> None:
    """Stop following jobs and end the local service: Toonbeat is being disabled."""
    if bpy.app.timers.is_registered(tick):
        bpy.app.timers.unregister(tick)
    for job in BOARD.jobs:
        job.worker.shutdown()
    BOARD.jobs.clear()
    BOARD.stop_local_service()


def tick() -> float | None:
    """The ``bpy.app.timers`` callback."""
    return BOARD.tick()


def service_client(context: bpy.types.Context) -> ServiceClient:
    """A client for the service in the preferences; other machines only with online access allowed."""
    prefs = preferences(context)
    return ServiceClient(prefs.service_url, token=prefs.service_token or None,
                         allow_online=bool(getattr(bpy.app, "online_access", True)))


def apply_result(job: Job) -> str:
    """Put a finished job's files into its scene; returns what happened, for the panel."""
    scene = bpy.data.scenes.get(job.scene)
    if scene is None:
        return f"files in {job.folder} (the scene {job.scene!r} is gone)"
    settings = settings_of(scene)
    stage = assemble.stage_module(settings.stage)
    frames = int(scene.frame_end - scene.frame_start + 1)
    if job.purpose == "track":
        track = job.folder / "track.wav"
        settings.audio_path = str(track)
        analysis = BOARD.submit(bpy.context, "analysis", {}, "beats", f"Analysis of {track.name}", upload=track)
        analysis.scene = scene.name
        return f"{track} is the song; analyzing it"
    if job.purpose == "beats":
        beats_path = job.folder / "beats.json"
        settings.beats_path = str(beats_path)
        frames, markers = assemble.load_song(scene, Path(settings.audio_path), beatfile.load(beats_path),
                                             with_beat_markers=settings.with_beat_markers,
                                             with_onset_markers=settings.with_onset_markers)
        return f"song loaded: {frames} frames, {markers} markers"
    if job.purpose == "characters":
        folders = sorted({path.parent for path in job.files if path.suffix == ".png"})
        for folder in folders:
            stage.add_character(scene, read_character(folder), frames)
        return f"{len(folders)} character(s) on stage; bake to animate"
    folder = min((path.parent for path in job.files if path.suffix == ".png"), default=job.folder)
    images = read_backgrounds(folder)
    sections = beatfile.load(settings.resolved("beats_path")).sections if settings.beats_path else ()
    stage.layout_backgrounds(scene, images, sections, frames)
    settings.backgrounds_path = str(folder)
    return f"{len(images)} backgrounds laid out"


def _result_folder(kind: str, number: int) -> Path:
    """Beside the .blend when it is saved (``//toonbeat_generated``), else in Toonbeat's user folder."""
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{number + 1}"
    if bpy.data.filepath:
        return Path(bpy.path.abspath("//toonbeat_generated")) / name
    return user_data_folder("generated") / name


def _redraw_panels() -> None:
    window_manager = bpy.context.window_manager
    for window in window_manager.windows if window_manager else ():
        for area in window.screen.areas:
            if area.type in ("VIEW_3D", "SEQUENCE_EDITOR"):
                area.tag_redraw()
