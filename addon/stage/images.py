"""Pose images as both stages show them: checked, read through Blender, and keyed when they need it.

A pose PNG may be 8 or 16 bit, grey or colour, with or without alpha. One whose
pixels are all opaque and whose border is a flat colour gets that background keyed
out (``core.keying``) into a copy under the user's Toonbeat folder, named by the
content hash of the source so importing it again reuses the copy; the user's own
file is never written. The Stage panel's *Key flat backgrounds* (``--no-key``)
turns keying off.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bpy
import numpy as np

from ..core.character_sheet import Character
from ..core.clip import Clip
from ..core.files import FileIdentity, file_identity
from ..core.keying import KEYING_VERSION, TOLERANCE, border_color, has_transparency, key_out
from ..core.png import ImageError, read_png_info, write_png
from ..preferences import user_data_folder
from ..properties import settings_of


@dataclass(frozen=True)
class PoseImage:
    """One pose slot of a character: ``slot`` names it (``dance_2`` is the second dance), ``path`` is
    the still the stage shows (``source`` itself or its keyed copy); ``clip`` animates the slot where
    the character has one (its frames carry their own alpha and are not keyed)."""

    slot: str
    source: Path
    path: Path
    clip: Clip | None = None


@dataclass(frozen=True)
class Pixels:
    """Straight 8-bit sRGB RGBA pixels, rows from the bottom of the image up (Blender's order)."""

    width: int
    height: int
    rgba: bytes


def prepare_poses(character: Character, key: bool) -> list[PoseImage]:
    """Every pose slot of ``character`` in order, each image checked (and keyed if ``key``).

    Raises ``ImageError`` naming the file when one is missing or Blender cannot read
    it, before anything on stage changes.
    """
    poses = []
    for pose in character.pose_names:
        for variant, source in enumerate(character.poses[pose], start=1):
            slot = pose if variant == 1 else f"{pose}_{variant}"
            read_pixels(source)
            clip = character.clips.get(slot)
            if clip is not None:
                check_clip_frames(clip)
            path = keyed_copy(source) if key and clip is None else source
            poses.append(PoseImage(slot, source, path, clip))
    return poses


def check_clip_frames(clip: Clip) -> None:
    """Raise ``ImageError`` naming the first frame of ``clip`` that is not a PNG of the clip's size."""
    for path in clip.frame_paths():
        info = read_png_info(path)
        if (info.width, info.height) != clip.size:
            raise ImageError(f"{path}: {info.width}x{info.height} pixels, but the clip's frames are "
                             f"{clip.size[0]}x{clip.size[1]}")


def keying_enabled(scene: bpy.types.Scene) -> bool:
    """Whether flat backgrounds of pose images are keyed out in ``scene`` (the Stage panel's checkbox)."""
    return bool(settings_of(scene).key_background)


def keyed_copy(source: Path) -> Path:
    """``source`` with its flat background keyed out, or ``source`` itself if it needs no keying."""
    digest = hashlib.sha256(source.read_bytes() + f"keying {KEYING_VERSION} {TOLERANCE}".encode()).hexdigest()
    target = user_data_folder("keyed") / f"{source.stem}-{digest[:16]}.png"
    if target.exists():
        return target
    pixels = read_pixels(source)
    if has_transparency(pixels.rgba):
        return source
    color = border_color(pixels.rgba, pixels.width, pixels.height)
    if color is None:
        return source
    write_png(target, key_out(pixels.rgba, pixels.width, pixels.height, color), pixels.width, pixels.height)
    return target


def read_pixels(path: Path) -> Pixels:
    """The pixels of the image at ``path``, read by Blender (any bit depth, grey or colour).

    The last few images read are remembered (by path, size and modification time):
    keying and tracing one pose read it once.
    """
    read_png_info(path)
    return _read_pixels(str(path), file_identity(path))


@functools.lru_cache(maxsize=16)
def _read_pixels(filepath: str, _identity: FileIdentity) -> Pixels:
    path = Path(filepath)
    try:
        image = bpy.data.images.load(str(path), check_existing=False)
    except RuntimeError as error:
        raise ImageError(f"{path}: Blender cannot read the image ({error})") from error
    try:
        size: Any = image.size
        width, height = int(size[0]), int(size[1])
        if width == 0 or height == 0:
            raise ImageError(f"{path}: Blender cannot read the image")
        values = np.empty(4 * width * height, np.float32)
        image.pixels.foreach_get(values)
        rgba = _float_pixels_to_bytes(values) if image.is_float else _to_bytes(values)
    finally:
        bpy.data.images.remove(image)
    return Pixels(width, height, rgba)


def _to_bytes(values: np.ndarray) -> bytes:
    """0..1 display values as 0..255 bytes."""
    return np.clip(np.round(values.astype(np.float64) * 255), 0, 255).astype(np.uint8).tobytes()


def _float_pixels_to_bytes(values: np.ndarray) -> bytes:
    """Blender's float pixels (linear, alpha premultiplied) as straight sRGB bytes."""
    pixels = values.astype(np.float64).reshape(-1, 4)
    alpha = pixels[:, 3:]
    seen = alpha[:, 0] > 0.0
    linear = np.clip(np.divide(pixels[:, :3], alpha, out=np.zeros_like(pixels[:, :3]), where=alpha > 0.0), 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    out = np.zeros(pixels.shape, np.uint8)
    out[seen, :3] = np.round(encoded[seen] * 255)
    out[seen, 3] = np.clip(np.round(alpha[seen, 0] * 255), 0, 255)
    return out.tobytes()
