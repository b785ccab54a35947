"""Clip folders from a video backend: frames, ``clip.json`` with the hit frames, prompt and seed.

A clip is what the Blender side places on the beats (the clip format, version 1):
``frames/0000.png`` ... and ``clip.json``. A character clip dances a cycle
(``cycles``): the backend's ControlNet follows the cycle's skeletons, so the hits
are the cycle's by construction; its frames are cut out (``art.backdrop_removal``).
A folder is replaced only when it is a clip folder already (re-running a clip
replaces the clip); any other non-empty folder is left alone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from addon.core.files import write_json_atomically

from ..art.backdrop_removal import remove_background
from ..errors import ToonbeatError
from .backends import VideoBackend, VideoRequest
from .cycles import Cycle, cycle_skeletons

CLIP_FILE = "clip.json"
CLIP_VERSION = 1
FRAMES_PATTERN = "frames/{index:04d}.png"
KINDS = ("character", "background", "shot")


@dataclass(frozen=True)
class ClipRequest:
    """A clip to make: ``kind``, the video request, and for a character the ``cycle`` it dances."""

    name: str
    kind: str
    video: VideoRequest
    cycle: Cycle | None = None
    design: str | None = None
    fps: float = 24.0
    key_tolerance: float = 0.12
    background_removal: str = "key"


def make_clip(backend: VideoBackend, request: ClipRequest, folder: str | os.PathLike[str],
              on_step: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None) -> Path:
    """Generate the clip and write it into ``folder``; the folder changes only once every frame is made."""
    if request.kind not in KINDS:
        raise ToonbeatError(f"unknown clip kind {request.kind!r} (choose from {', '.join(KINDS)})")
    target = Path(folder)
    _check_replaceable(target)
    video = request.video
    hits: tuple[int, ...] = ()
    beats_per_cycle = 1
    if request.cycle is not None:
        if not backend.supports_poses:
            raise ToonbeatError("a dance cycle needs an OpenPose ControlNet: give --controlnet")
        skeletons = cycle_skeletons(request.cycle, video.frame_count, video.width, video.height, request.design)
        video = replace(video, pose_frames=tuple(skeletons))
        hits, beats_per_cycle = request.cycle.hit_frames(video.frame_count), request.cycle.beats_per_cycle
    frames = backend.generate(video, on_step=on_step, cancel=cancel)
    arrays = [np.asarray(frame.convert("RGB")) for frame in frames]
    if request.kind == "character":
        arrays = [remove_background(array, request.background_removal, tolerance=request.key_tolerance)
                  for array in arrays]
    document = {"version": CLIP_VERSION, "kind": request.kind, "name": request.name, "fps": request.fps,
                "frame_count": len(arrays), "frames": FRAMES_PATTERN, "movie": None,
                "loops": request.cycle is not None, "beats_per_cycle": beats_per_cycle, "hit_frames": list(hits),
                "size": [video.width, video.height], "source": backend.name, "prompt": video.prompt,
                "seed": video.seed, "model": backend.model_id}
    write_clip_folder(target, arrays, document)
    return target


def write_clip_folder(target: Path, frames: list[np.ndarray], document: dict[str, Any]) -> None:
    """Write ``frames`` and ``clip.json`` into a staging folder beside ``target``, then swap them in."""
    from PIL import Image

    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        (staging / "frames").mkdir()
        for index, frame in enumerate(frames):
            Image.fromarray(frame).save(staging / FRAMES_PATTERN.format(index=index))
        write_json_atomically(document, staging / CLIP_FILE)
        target.mkdir(exist_ok=True)
        if (target / "frames").exists():
            os.replace(target / "frames", staging / "old_frames")
        os.replace(staging / "frames", target / "frames")
        os.replace(staging / CLIP_FILE, target / CLIP_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_replaceable(target: Path) -> None:
    if target.is_dir() and any(target.iterdir()) and not (target / CLIP_FILE).is_file():
        raise ToonbeatError(f"{target} holds files and is not a clip folder; choose an empty or new folder")

