"""Character folders from a diffusion model: one recognisable character in a set of poses.

With an OpenPose ControlNet loaded, every pose is drawn from its skeleton, rendered
from Toonbeat's own pose library (``skeletons``), so "headbang" stands as the
headbang pose; identity across poses comes from the IP-Adapter (the first pose as
the reference image) or from a character LoRA, and the same seed.
Without a ControlNet the first pose is drawn from text and every other pose holds
that identity through a second stage: image-to-image from the first pose (same
seed, the pose prompt, ``strength`` of change), or, when an IP-Adapter is loaded,
text-to-image guided by the first pose as a reference image.
Each pose is keyed (the prompts ask for a plain background), then all poses are
placed on one canvas size with the feet at the bottom centre, so they share one
scale and the anchor ``(0.5, 1.0)``. The folder is what ``addon.core.character_sheet``
reads: ``idle.png``, ``dance.png``, ... and ``character.json`` with prompts and seeds.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from addon.core.character_sheet import write_sheet
from addon.core.files import atomic_folder

from ..errors import ToonbeatError
from ..images import toonbeat_png_info
from ..version import toonbeat_version
from .backdrop_removal import remove_background
from .characters.poses import POSES
from .diffusion import ArtPipelines, ImageRequest, generate_image
from .keying import opaque_box
from .presets import Style
from .skeletons import skeleton_image

ProgressCallback = Callable[["ArtProgress"], None]
CANVAS_MARGIN = 0.04  # of the tallest pose's height, kept free above the head and beside the widest pose


@dataclass(frozen=True)
class ArtProgress:
    """Images done of the total, and denoising steps done in the current image."""

    images_done: int
    images_total: int
    step: int
    steps: int
    label: str

    @property
    def fraction(self) -> float:
        """Done, from 0 to 1."""
        return min(1.0, (self.images_done + self.step / max(self.steps, 1)) / self.images_total)


@dataclass(frozen=True)
class CharacterRequest:
    """A character to draw: its description, poses as ``(name, pose prompt)``, seed and settings.

    Sizes in pixels (default: the model's portrait size), ``strength`` of the
    image-to-image stage (0 copies the first pose, 1 ignores it). ``design`` names the
    procedural design whose proportions the pose skeletons take (see ``skeletons.body_for``);
    ``pose_scale`` is how firmly the ControlNet holds the skeleton; ``background_removal`` is ``key``
    (the studio-backdrop keyer) or ``rembg`` (segmentation, where installed).
    """

    name: str
    prompt: str
    poses: tuple[tuple[str, str], ...]
    style: Style
    seed: int = 0
    width: int | None = None
    height: int | None = None
    steps: int = 25
    guidance: float = 7.0
    strength: float = 0.65
    key_tolerance: float = 0.12
    design: str | None = None
    pose_scale: float = 1.0
    background_removal: str = "key"


def pose_list(style: Style, names: list[str] | None = None) -> tuple[tuple[str, str], ...]:
    """``(pose, prompt)`` pairs: the style's poses, or the named ones; an unknown name is its own prompt."""
    chosen = names or list(style.poses)
    return tuple((name, style.poses.get(name, name.replace("_", " "))) for name in chosen)


def make_character(pipes: ArtPipelines, request: CharacterRequest, folder: str | os.PathLike[str],
                   progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> Path:
    """Draw every pose of ``request`` into ``folder``; the folder changes only once all poses are done."""
    if not request.poses:
        raise ToonbeatError("a character needs at least one pose")
    target = Path(folder)
    width = request.width or _portrait(pipes.native_size)[0]
    height = request.height or _portrait(pipes.native_size)[1]
    prompts = {pose: _join(request.prompt, pose_prompt, request.style.style, request.style.character_suffix)
               for pose, pose_prompt in request.poses}
    images: dict[str, np.ndarray] = {}
    first_image: Any = None
    for index, (pose, _) in enumerate(request.poses):

        def on_step(step: int, steps: int, index: int = index, pose: str = pose) -> None:
            if progress is not None:
                progress(ArtProgress(index, len(request.poses), step, steps, f"{request.name}: {pose}"))

        skeleton = (skeleton_image(POSES[pose], width, height, request.design)
                    if pipes.has_controlnet and pose in POSES else None)
        image_request = ImageRequest(prompt=prompts[pose], negative_prompt=request.style.negative, seed=request.seed,
                                     width=width, height=height, steps=request.steps, guidance=request.guidance,
                                     pose_image=skeleton, pose_scale=request.pose_scale)
        if first_image is not None and pipes.has_ip_adapter:
            image_request = replace(image_request, reference_image=first_image)
        elif first_image is not None and skeleton is None:
            image_request = replace(image_request, init_image=first_image, strength=request.strength)
        image = generate_image(pipes, image_request, on_step=on_step, cancel=cancel)
        if first_image is None:
            first_image = image
        images[pose] = remove_background(np.asarray(image.convert("RGB")), request.background_removal,
                                         tolerance=request.key_tolerance)
    aligned = align_on_feet(images)
    second_stage = "ip-adapter" if pipes.has_ip_adapter else "img2img"
    if pipes.has_controlnet:
        second_stage = "controlnet+ip-adapter" if pipes.has_ip_adapter else "controlnet"
    _write_folder(target, aligned, lambda staging: write_sheet(
        staging, request.name, poses={pose: [f"{pose}.png"] for pose in aligned},
        generator="diffusers", model=pipes.spec.model, model_kind=pipes.kind,
        loras=[list(lora) for lora in pipes.spec.loras], prompts=prompts, negative_prompt=request.style.negative,
        seeds=dict.fromkeys(aligned, request.seed), second_stage=second_stage, controlnet=pipes.spec.controlnet,
        skeletons=sorted(pose for pose in aligned if pipes.has_controlnet and pose in POSES),
        strength=request.strength if second_stage == "img2img" else None,
        steps=request.steps, guidance=request.guidance, toonbeat_version=toonbeat_version()))
    if progress is not None:
        progress(ArtProgress(len(request.poses), len(request.poses), 0, 1, f"{request.name}: done"))
    return target


def align_on_feet(images: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Place keyed RGBA poses on one canvas size, feet at the bottom centre, all at their drawn scale.

    The feet are the middle of the opaque pixels in the lowest 5 % of each figure.
    """
    boxes = {pose: opaque_box(rgba) for pose, rgba in images.items()}
    empty = [pose for pose, box in boxes.items() if box is None]
    if empty:
        raise ToonbeatError(f"keying removed the whole '{empty[0]}' image; lower the key tolerance")
    feet: dict[str, int] = {}
    for pose, box in boxes.items():
        assert box is not None
        left, top, right, bottom = box
        sole = images[pose][max(top, bottom - max(1, (bottom - top) // 20)):bottom, left:right, 3] > 8
        feet[pose] = left + round(float(np.flatnonzero(sole.any(axis=0)).mean()))
    tallest = max(box[3] - box[1] for box in boxes.values() if box)
    margin = max(1, round(CANVAS_MARGIN * tallest))
    half_width = max(max(feet[pose] - box[0], box[2] - feet[pose]) for pose, box in boxes.items() if box) + margin
    canvas_height = tallest + margin
    aligned = {}
    for pose, box in boxes.items():
        assert box is not None
        left, top, right, bottom = box
        canvas = np.zeros((canvas_height, 2 * half_width, 4), dtype=np.uint8)
        x0 = half_width - (feet[pose] - left)
        canvas[canvas_height - (bottom - top):, x0:x0 + right - left] = images[pose][top:bottom, left:right]
        aligned[pose] = canvas
    return aligned


def _write_folder(target: Path, images: dict[str, np.ndarray], write_sheet_into: Callable[[Path], Any]) -> None:
    """Write the PNGs and the sheet into a staging folder beside ``target``, then move them in."""
    from PIL import Image

    with atomic_folder(target) as staging:
        for pose, rgba in images.items():
            Image.fromarray(rgba, "RGBA").save(staging / f"{pose}.png", pnginfo=toonbeat_png_info())
        write_sheet_into(staging)


def _portrait(native: int) -> tuple[int, int]:
    """A 2:3 portrait size of about the model's native pixel count (512x768, 832x1216)."""
    return (512, 768) if native == 512 else (832, 1216)


def _join(*parts: str) -> str:
    return ", ".join(part.strip().strip(",") for part in parts if part and part.strip())
