"""What each kind of job takes and does: music, art and analysis.

A runner gets checked parameters, the job's own output folder and a ``JobContext``
(progress, cancel, loaded models, uploaded files) and returns the files it wrote,
relative to that folder. Music and art run on the GPU queue, one at a time;
analysis runs on its own worker beside them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addon.core.backgrounds import SECTION_LABELS

from .cache import ModelCache
from .params import Field

MUSIC_SIZES = ("small", "medium", "large", "melody")


@dataclass
class JobContext:
    """What a running job may use: report progress (0..1 and a message), see cancel, load models, find uploads."""

    report: Callable[[float, str], None]
    cancel: threading.Event
    models: ModelCache
    upload_path: Callable[[str, str], Path]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its parameters, its runner, and whether it needs the GPU queue."""

    fields: tuple[Field, ...]
    run: Callable[[dict[str, Any], Path, JobContext], list[str]]
    gpu: bool
    summary: str


MUSIC_FIELDS = (
    Field("preset", "string", "prompt preset name (industrial, house, techno, edm)"),
    Field("prompt", "string", "text prompt, after the preset's; a preset or a prompt is required"),
    Field("bpm", "number", "tempo written into the prompt", minimum=20, maximum=400),
    Field("seconds", "number", "track length in seconds", default=180.0, minimum=1, maximum=1800),
    Field("model", "string", "small, medium, large, melody, a hub id or a checkpoint folder on the service",
          default="small"),
    Field("backend", "string", "MusicGen implementation", default="auto",
          choices=("auto", "audiocraft", "transformers")),
    Field("device", "string", "torch device", default="auto"),
    Field("seed", "integer", "random seed", default=0),
    Field("temperature", "number", "sampling temperature", default=1.0, minimum=0.01, maximum=5),
    Field("top_k", "integer", "top-k sampling", default=250, minimum=0),
    Field("top_p", "number", "top-p sampling, 0 for off", default=0.0, minimum=0, maximum=1),
    Field("cfg", "number", "classifier-free guidance", default=3.0, minimum=0, maximum=20),
    Field("window", "number", "seconds per model call", default=30.0, minimum=2, maximum=30),
    Field("context", "number", "seconds each window continues from", default=10.0, minimum=0.5, maximum=20),
    Field("crossfade", "number", "seconds of each join", default=2.0, minimum=0.05, maximum=10),
    Field("sample_rate", "integer", "output sample rate in Hz", default=48_000, choices=(44_100, 48_000)),
    Field("lufs", "number", "integrated loudness target", default=-14.0, minimum=-40, maximum=-5),
    Field("true_peak", "number", "true-peak ceiling in dBTP", default=-1.0, minimum=-12, maximum=0),
    Field("melody", "upload", "audio whose melody conditions the melody model"),
)

ART_FIELDS = (
    Field("what", "string", "what to draw", required=True, choices=("character", "backgrounds")),
    Field("backend", "string", "drawing backend", default="diffusers", choices=("diffusers", "procedural")),
    Field("preset", "string", "character or background preset name"),
    Field("prompt", "string", "character description or scene prompt instead of the preset's"),
    Field("name", "string", "character name (folder name)"),
    Field("poses", "array", "poses to draw (default: idle, dance, headbang, walk)", items="string"),
    Field("secondary", "array", "secondary character presets (default: the preset's)", items="string"),
    Field("labels", "array", "section labels for backgrounds", items="string",
          default=list(SECTION_LABELS)),
    Field("size", "array", "final background size [width, height]", items="integer"),
    Field("tileable", "boolean", "make backgrounds tile seamlessly", default=False),
    Field("model", "string", "hub id, pipeline folder or checkpoint file on the service"),
    Field("kind", "string", "model family", default="auto", choices=("auto", "sd15", "sdxl")),
    Field("loras", "array", "LoRA files, folders or hub ids on the service (weight 1)", items="string", default=[]),
    Field("memory", "string", "GPU memory profile", default="auto", choices=("auto", "full", "10gb", "low")),
    Field("device", "string", "torch device", default="auto"),
    Field("seed", "integer", "random seed", default=0),
    Field("steps", "integer", "denoising steps", default=25, minimum=1, maximum=150),
    Field("guidance", "number", "classifier-free guidance", default=7.0, minimum=0, maximum=30),
    Field("width", "integer", "generation width, a multiple of 8", minimum=64, maximum=2048),
    Field("height", "integer", "generation height, a multiple of 8", minimum=64, maximum=2048),
    Field("strength", "number", "how far later poses may move from the first", default=0.65, minimum=0.05,
          maximum=1),
)

ANALYSIS_FIELDS = (
    Field("audio", "upload", "the audio file to analyse", required=True),
)


def run_music(params: dict[str, Any], folder: Path, context: JobContext) -> list[str]:
    """Generate ``track.wav`` and ``track.music.json``."""
    from ..music.backends import MusicModelSpec, Sampling, load_backend
    from ..music.musicgen import MusicProgress, MusicRequest, generate_track
    from ..music.presets import build_prompt, load_preset

    preset = load_preset(params["preset"]) if params["preset"] else None
    melody = str(context.upload_path(params["melody"], "params.melody")) if params["melody"] else None
    request = MusicRequest(
        prompt=build_prompt(params["prompt"], preset, params["bpm"]), seconds=params["seconds"], seed=params["seed"],
        sampling=Sampling(temperature=params["temperature"], top_k=params["top_k"], top_p=params["top_p"],
                          cfg_coef=params["cfg"]),
        window_seconds=params["window"], context_seconds=params["context"], crossfade_seconds=params["crossfade"],
        sample_rate=params["sample_rate"], target_lufs=params["lufs"], true_peak_db=params["true_peak"],
        melody=melody, extra={"preset": preset.name if preset else None, "bpm": params["bpm"]})
    request.check()
    spec = MusicModelSpec(model=params["model"], backend=params["backend"], device=params["device"])
    context.report(0.0, f"loading MusicGen {spec.model}")
    backend = context.models.get(("music", spec), lambda: load_backend(spec))

    def progress(report: MusicProgress) -> None:
        left = "" if report.seconds_left is None else f", about {report.seconds_left:.0f} s left"
        context.report(report.fraction, f"{report.seconds_done:.1f} / {report.seconds_total:.1f} s of audio{left}")

    generate_track(request, folder / "track.wav", backend=backend, progress=progress, cancel=context.cancel)
    return ["track.wav", "track.music.json"]


def run_art(params: dict[str, Any], folder: Path, context: JobContext) -> list[str]:
    """Draw a character folder (and its secondaries) or one background per label."""
    from ..art.diffusion_characters import ArtProgress

    def progress(report: ArtProgress) -> None:
        context.report(report.fraction, f"{report.label} (step {report.step}/{report.steps})")

    if params["backend"] == "procedural":
        _run_procedural(params, folder)
    elif params["what"] == "character":
        _draw_characters(params, folder, context, progress)
    else:
        _draw_backgrounds(params, folder, context, progress)
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def run_analysis(params: dict[str, Any], folder: Path, context: JobContext) -> list[str]:
    """Analyse the uploaded audio into ``beats.json``."""
    from addon.core.beatfile import save

    from ..analysis import analyze_file

    audio = context.upload_path(params["audio"], "params.audio")
    context.report(0.0, f"analysing {audio.name}")
    save(analyze_file(audio, progress=context.report), folder / "beats.json")
    return ["beats.json"]


KINDS = {
    "music": JobKind(MUSIC_FIELDS, run_music, gpu=True, summary="a MusicGen track: track.wav and track.music.json"),
    "art": JobKind(ART_FIELDS, run_art, gpu=True,
                   summary="character folders (<name>/idle.png ... character.json) or backgrounds (<label>.png)"),
    "analysis": JobKind(ANALYSIS_FIELDS, run_analysis, gpu=False, summary="beat analysis of an upload: beats.json"),
}


def _art_pipes(params: dict[str, Any], context: JobContext) -> Any:
    from ..art.diffusion import DEFAULT_MODEL, ArtModelSpec, load_art_model

    spec = ArtModelSpec(model=params["model"] or DEFAULT_MODEL, kind=params["kind"],
                        loras=tuple((lora, 1.0) for lora in params["loras"]), device=params["device"],
                        memory=params["memory"])
    context.report(0.0, f"loading {spec.model}")
    return context.models.get(("art", spec), lambda: load_art_model(spec))


def _draw_characters(params: dict[str, Any], folder: Path, context: JobContext, progress: Any) -> None:
    from ..art.diffusion_characters import CharacterRequest, make_character, pose_list
    from ..art.presets import load_character, load_style

    preset = load_character(params["preset"] or "cyborg_dj")
    style = load_style()
    secondaries = params["secondary"] if params["secondary"] is not None else list(preset.secondary)
    cast = [(params["name"] or preset.name, params["prompt"] or preset.prompt)]
    cast += [(load_character(name).name, load_character(name).prompt) for name in secondaries]
    pipes = _art_pipes(params, context)
    for index, (name, prompt) in enumerate(cast):
        request = CharacterRequest(name=name, prompt=prompt, poses=pose_list(style, params["poses"]), style=style,
                                   seed=params["seed"] + 1000 * index, width=params["width"],
                                   height=params["height"], steps=params["steps"], guidance=params["guidance"],
                                   strength=params["strength"])
        make_character(pipes, request, folder / name, progress=progress, cancel=context.cancel)


def _draw_backgrounds(params: dict[str, Any], folder: Path, context: JobContext, progress: Any) -> None:
    from ..art.diffusion_backgrounds import BackgroundRequest, make_backgrounds
    from ..art.presets import BackgroundPreset, load_background, load_style

    scene = load_background(params["preset"] or "industrial_club")
    if params["prompt"]:
        scene = BackgroundPreset(name="custom", prompt=params["prompt"], sections=scene.sections)
    size = _size(params["size"])
    request = BackgroundRequest(scene=scene, style=load_style(), labels=tuple(params["labels"]), seed=params["seed"],
                                width=params["width"], height=params["height"], size=size, steps=params["steps"],
                                guidance=params["guidance"], tileable=params["tileable"])
    make_backgrounds(_art_pipes(params, context), request, folder / "backgrounds", progress=progress,
                     cancel=context.cancel)


def _run_procedural(params: dict[str, Any], folder: Path) -> None:
    from ..art.procedural import draw_backgrounds, draw_character

    if params["what"] == "character":
        design = params["preset"] or "cyborg_dj"
        draw_character(folder / (params["name"] or design), design=design, name=params["name"], seed=params["seed"])
    else:
        draw_backgrounds(folder / "backgrounds", labels=tuple(params["labels"]),
                         size=_size(params["size"]) or (1920, 1080), seed=params["seed"],
                         theme=params["preset"] or "industrial_club")


def _size(value: list[int] | None) -> tuple[int, int] | None:
    from .params import BadRequestError

    if value is None:
        return None
    if len(value) != 2 or min(value) <= 0:
        raise BadRequestError("params.size", "must be [width, height] with positive numbers")
    return value[0], value[1]
