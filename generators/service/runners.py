"""What each kind of job does: music, art, video clips and analysis.

A runner gets its checked parameters (the generators' own models), the job's own
output folder and a ``JobContext`` (progress, cancel, loaded models, uploaded files)
and returns the files it wrote, relative to that folder. Music and art run on the
GPU queue, one at a time; analysis runs on its own worker beside them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..art.params import ArtParams, BackgroundParams, CharacterParams
from ..music.params import MusicParams, music_request
from ..video.params import ClipParams
from .cache import ModelCache
from .params import AnalysisParams


@dataclass
class JobContext:
    """What a running job may use: report progress (0..1 and a message), see cancel, load models, find uploads."""

    report: Callable[[float, str], None]
    cancel: threading.Event
    models: ModelCache
    upload_path: Callable[[str, str], Path]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its runner, and whether it needs the GPU queue."""

    run: Callable[[Any, Path, JobContext], list[str]]
    gpu: bool


def uses_gpu(device: str) -> bool:
    """Whether a model loaded for ``device`` lands on the GPU."""
    if device == "auto":
        torch = sys.modules.get("torch")
        return torch is not None and torch.cuda.is_available()
    return device.startswith("cuda")


def run_music(params: MusicParams, folder: Path, context: JobContext) -> list[str]:
    """Generate ``track.wav`` and ``track.music.json``."""
    from ..music.backends import load_backend
    from ..music.musicgen import MusicProgress, generate_track

    melody = str(context.upload_path(params.melody, "params.melody")) if params.melody else None
    request = music_request(params, melody=melody)
    request.check()
    spec = params.model_spec()
    context.report(0.0, f"loading MusicGen {spec.model}")
    backend = context.models.get(("music", spec), lambda: load_backend(spec), on_gpu=uses_gpu(spec.device))

    def progress(report: MusicProgress) -> None:
        left = "" if report.seconds_left is None else f", about {report.seconds_left:.0f} s left"
        context.report(report.fraction, f"{report.seconds_done:.1f} / {report.seconds_total:.1f} s of audio{left}")

    generate_track(request, folder / "track.wav", backend=backend, progress=progress, cancel=context.cancel)
    return ["track.wav", "track.music.json"]


def run_art(params: ArtParams, folder: Path, context: JobContext) -> list[str]:
    """Draw a character folder (and its secondaries) or one background per label into ``backgrounds/``."""
    from ..art.command import draw_backgrounds, draw_characters
    from ..art.diffusion import load_art_model
    from ..art.diffusion_characters import ArtProgress

    def progress(report: ArtProgress) -> None:
        context.report(report.fraction, f"{report.label} (step {report.step}/{report.steps})")

    def load_pipes(wanted: ArtParams) -> Any:
        spec = wanted.model_spec()
        context.report(0.0, f"loading {spec.model}")
        return context.models.get(("art", spec), lambda: load_art_model(spec), on_gpu=uses_gpu(spec.device))

    if isinstance(params, CharacterParams):
        draw_characters(params, folder, load_pipes=load_pipes, progress=progress, cancel=context.cancel)
    elif isinstance(params, BackgroundParams):
        draw_backgrounds(params, folder / "backgrounds", load_pipes=load_pipes, progress=progress,
                         cancel=context.cancel)
    return files_in(folder)


def run_video(params: ClipParams, folder: Path, context: JobContext) -> list[str]:
    """Make one clip: ``<name>/`` for a shot or background; for a character, a character folder
    ``<preset> <name>/`` holding the clip as its move ``<name>/`` and a ``character.json`` naming it."""
    from addon.core.character_sheet import write_sheet

    from ..art.presets import load_character
    from ..video.backends import load_video_backend
    from ..video.command import generate_clip

    reference = context.upload_path(params.reference, "params.reference") if params.reference else None

    def load(spec: Any) -> Any:
        context.report(0.0, f"loading {spec.backend} {spec.model}")
        return context.models.get(("video", spec), lambda: load_video_backend(spec), on_gpu=uses_gpu(spec.device))

    def step(done: int, steps: int) -> None:
        context.report(done / steps, f"{params.clip_name} (step {done}/{steps})")

    target = folder / params.clip_name
    if params.clip_kind == "character":
        character = f"{load_character(params.preset).name} {params.clip_name}"
        target = folder / character / params.clip_name
    clip = generate_clip(params, target, load_backend=load, reference=reference, on_step=step, cancel=context.cancel)
    if params.clip_kind == "character":
        write_sheet(clip.folder.parent, clip.folder.parent.name, source=clip.source, prompt=clip.prompt)
    return files_in(folder)


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder``, relative to it, in order: what a job returns."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def run_analysis(params: AnalysisParams, folder: Path, context: JobContext) -> list[str]:
    """Analyse the uploaded audio into ``beats.json``."""
    from addon.core.beatfile import save

    from ..analysis import analyze_file

    audio = context.upload_path(params.audio, "params.audio")
    context.report(0.0, f"analysing {audio.name}")
    save(analyze_file(audio, progress=context.report), folder / "beats.json")
    return ["beats.json"]


KINDS = {
    "music": JobKind(run_music, gpu=True),
    "art": JobKind(run_art, gpu=True),
    "video": JobKind(run_video, gpu=True),
    "analysis": JobKind(run_analysis, gpu=False),
}
