"""Clip folders from a video backend: frames, ``clip.json`` with the hit frames, prompt and seed.

A clip is what the Blender side places on the beats (the clip format, ``addon.core.clip``,
its one reader and writer): ``frames/0000.png`` ... and ``clip.json``. A character clip
dances a cycle (``cycles``): the backend's ControlNet follows the cycle's skeletons, so
the hits are the cycle's by construction; its frames are cut out
(``art.backdrop_removal``). A shot or background plays from its first frame each cycle
of ``beats_per_cycle`` beats. A folder is replaced only when it is a clip folder
already whose files Toonbeat made (re-running a clip replaces the clip; ``overwrite``
allows a hand-made one); any other non-empty folder, and a clip's own input, is left alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from addon.core.clip import CLIP_FILE, FRAMES_PATTERN, Clip, ClipError, write_clip
from addon.core.files import atomic_folder
from addon.core.overwrite import OverwriteError, check_output, is_same_file

from ..art.backdrop_removal import remove_background
from ..errors import ToonbeatError
from ..images import toonbeat_png_info
from ..parameters import choices_of
from .backends import VideoBackend, VideoRequest
from .cycles import Cycle, cycle_skeletons
from .params import DEFAULT_SHOT_BEATS, ClipParams

KINDS = choices_of(ClipParams, "kind")


@dataclass(frozen=True)
class ClipRequest:
    """A clip to make: ``kind``, the video request, and for a character the ``cycle`` it dances."""

    name: str
    kind: str
    video: VideoRequest
    cycle: Cycle | None = None
    design: str | None = None
    fps: float = 24.0
    beats_per_cycle: int | None = None
    cutout: tuple[str, float] = ("key", 0.12)
    """How a character's backdrop goes: ``key`` or ``rembg``, and the key's colour tolerance."""


def make_clip(backend: VideoBackend, request: ClipRequest, folder: str | os.PathLike[str],
              on_step: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
              overwrite: bool = False) -> Clip:
    """Generate the clip and write it into ``folder``; the folder changes only once every frame is made."""
    if request.kind not in KINDS:
        raise ToonbeatError(f"unknown clip kind {request.kind!r} (choose from {', '.join(KINDS)})")
    target = Path(folder)
    check_replaceable(target, overwrite=overwrite)
    video = request.video
    hits: tuple[int, ...] = ()
    beats = request.beats_per_cycle or DEFAULT_SHOT_BEATS
    if request.cycle is not None:
        if not backend.supports_poses:
            raise ToonbeatError("a dance cycle needs an OpenPose ControlNet: give --controlnet")
        skeletons = cycle_skeletons(request.cycle, video.frame_count, video.width, video.height, request.design)
        video = replace(video, pose_frames=tuple(skeletons))
        hits, beats = request.cycle.hit_frames(video.frame_count), request.beats_per_cycle or (
            request.cycle.beats_per_cycle)
    frames = backend.generate(video, on_step=on_step, cancel=cancel)
    arrays = [np.asarray(frame.convert("RGB")) for frame in frames]
    if request.kind == "character":
        method, tolerance = request.cutout
        arrays = [remove_background(array, method, tolerance=tolerance) for array in arrays]
    clip = Clip(folder=target, kind=request.kind, name=request.name, fps=request.fps, frame_count=len(arrays),
                frames=FRAMES_PATTERN, movie=None, loops=request.cycle is not None, beats_per_cycle=beats,
                hit_frames=hits, size=(video.width, video.height), source=backend.name, prompt=video.prompt,
                seed=video.seed, model=backend.model_id)
    return write_clip_folder(clip, arrays, overwrite=overwrite)


def write_clip_folder(clip: Clip, frames: Sequence[np.ndarray], *, overwrite: bool = False) -> Clip:
    """Write ``frames`` (marked as Toonbeat's) and ``clip.json`` (checked by the clip format) into a staging
    folder beside ``clip.folder``, then swap them in; returns ``clip``."""
    from PIL import Image

    target = clip.folder
    check_replaceable(target, overwrite=overwrite)
    if clip.frames is None or len(frames) != clip.frame_count:
        raise ToonbeatError(f"{target}: {len(frames)} frames for a clip of {clip.frame_count} frame files")
    with atomic_folder(target) as staging:
        staged = replace(clip, folder=staging)
        for index, frame in enumerate(frames):
            path = staged.frame_path(index)
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(frame).save(path, pnginfo=toonbeat_png_info())
        try:
            write_clip(staged)
        except ClipError as error:
            raise ToonbeatError(str(error).replace(str(staging), str(target))) from error
    return clip


def check_replaceable(target: Path, *, overwrite: bool = False, source: Path | None = None) -> None:
    """Raise unless a clip may be written into ``target``: a new or empty folder, or a clip folder whose
    ``clip.json`` and frames (what the write replaces) Toonbeat made, or any clip folder with ``overwrite``;
    never the folder of the ``source`` clip the frames are read from."""
    if source is not None and is_same_file(target, source):
        raise OverwriteError(f"{target}: is the clip this command reads; name another folder to write")
    if target.exists() and not target.is_dir():
        raise ToonbeatError(f"{target}: is a file; a clip is written into a folder of that name")
    if not target.is_dir() or not any(target.iterdir()):
        return
    if not (target / CLIP_FILE).is_file():
        raise ToonbeatError(f"{target} holds files and is not a clip folder; choose an empty or new folder")
    frames = target / Path(FRAMES_PATTERN).parent
    for path in [target / CLIP_FILE, *sorted(path for path in frames.rglob("*") if path.is_file())]:
        check_output(path, overwrite=overwrite, what="clip file")
