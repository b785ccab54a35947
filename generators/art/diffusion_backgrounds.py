"""Backgrounds: one image per song section from a scene prompt, optionally seamlessly tileable.

The folder holds ``<label>.png`` for each section label (``intro.png``, ``drop.png``,
...), which the stage assigns by section, and ``backgrounds.json`` recording the
prompts, seed and model. All sections share the seed, so they show the same place
in a different mood.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from addon.core.backgrounds import SECTION_LABELS
from addon.core.files import atomic_folder

from ..errors import ToonbeatError
from ..images import toonbeat_png_info
from ..version import toonbeat_version
from .diffusion import ArtPipelines, ImageRequest, generate_image
from .diffusion_characters import ArtProgress, ProgressCallback
from .presets import BackgroundPreset, Style


@dataclass(frozen=True)
class BackgroundRequest:
    """Backgrounds for ``labels`` from ``scene``. ``size`` resizes the result (pixels); generation runs at
    ``width`` x ``height`` (default: a 16:9 size near the model's native pixel count)."""

    scene: BackgroundPreset
    style: Style
    labels: tuple[str, ...] = SECTION_LABELS
    seed: int = 0
    width: int | None = None
    height: int | None = None
    size: tuple[int, int] | None = None
    steps: int = 25
    guidance: float = 7.0
    tileable: bool = False


def background_prompt(scene: BackgroundPreset, style: Style, label: str) -> str:
    """The prompt for one section: scene, the section's addition (if any), style and suffix."""
    parts = [scene.prompt, scene.sections.get(label, ""), style.style, style.background_suffix]
    return ", ".join(part.strip() for part in parts if part.strip())


def make_backgrounds(pipes: ArtPipelines, request: BackgroundRequest, folder: str | os.PathLike[str],
                     progress: ProgressCallback | None = None,
                     cancel: threading.Event | None = None) -> dict[str, Path]:
    """Draw one background per label into ``folder``; files appear only once all are done."""
    from PIL import Image

    if not request.labels:
        raise ToonbeatError("give at least one section label for the backgrounds")
    width, height = request.width or _wide(pipes.native_size)[0], request.height or _wide(pipes.native_size)[1]
    prompts = {label: background_prompt(request.scene, request.style, label) for label in request.labels}
    target = Path(folder)
    pipes.set_tileable(request.tileable)
    try:
        with atomic_folder(target) as staging:
            for index, label in enumerate(request.labels):

                def on_step(step: int, steps: int, index: int = index, label: str = label) -> None:
                    if progress is not None:
                        progress(ArtProgress(index, len(request.labels), step, steps, f"background: {label}"))

                image = generate_image(pipes, ImageRequest(
                    prompt=prompts[label], negative_prompt=request.style.negative, seed=request.seed, width=width,
                    height=height, steps=request.steps, guidance=request.guidance), on_step=on_step, cancel=cancel)
                if request.size:
                    image = (resize_tileable(image, request.size) if request.tileable
                             else image.resize(request.size, Image.Resampling.LANCZOS))
                image.convert("RGB").save(staging / f"{label}.png", pnginfo=toonbeat_png_info())
            side = {"format": "toonbeat.backgrounds", "version": 1, "scene": request.scene.name, "prompts": prompts,
                    "negative_prompt": request.style.negative, "seed": request.seed, "model": pipes.spec.model,
                    "model_kind": pipes.kind, "tileable": request.tileable, "size": [width, height],
                    "steps": request.steps, "guidance": request.guidance, "toonbeat_version": toonbeat_version()}
            (staging / "backgrounds.json").write_text(json.dumps(side, indent=2) + "\n", encoding="utf-8")
    finally:
        pipes.set_tileable(False)
    if progress is not None:
        progress(ArtProgress(len(request.labels), len(request.labels), 0, 1, "backgrounds: done"))
    return {label: target / f"{label}.png" for label in request.labels}


def resize_tileable(image: Any, size: tuple[int, int]) -> Any:
    """Resize a tileable image so it still tiles: the filter reads across the edges as the tiling does.

    The image is wrapped around by a border of its own opposite edges, resized with
    that border, and the border cut off again, so the pixels at each edge are filtered
    from the pixels that sit beside them once tiled, not from a clamped edge.
    """
    from PIL import Image

    width, height = image.size
    pad_x, pad_y = width // 2, height // 2  # source pixels wrapped on each side: more than the filter reaches
    wrapped = Image.fromarray(np.pad(np.asarray(image.convert("RGB")), ((pad_y, pad_y), (pad_x, pad_x), (0, 0)),
                                     mode="wrap"))
    margin = 4  # output pixels kept beyond each edge while resizing, then cut off
    reach_x, reach_y = margin * width / size[0], margin * height / size[1]
    box = (pad_x - reach_x, pad_y - reach_y, pad_x + width + reach_x, pad_y + height + reach_y)
    resized = wrapped.resize((size[0] + 2 * margin, size[1] + 2 * margin), Image.Resampling.LANCZOS, box=box)
    return resized.crop((margin, margin, margin + size[0], margin + size[1]))


def _wide(native: int) -> tuple[int, int]:
    """A 16:9-ish size of about the model's native pixel count (912x512, 1344x768)."""
    return (912, 512) if native == 512 else (1344, 768)
