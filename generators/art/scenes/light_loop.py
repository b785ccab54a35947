"""Background loops: the venue's beams sweeping and its strobes firing on the beat, as the frames of a clip.

The venue is painted once without its lights (``backdrop``); each frame then
draws the section's beams, swung a little further along a sine so the last frame
runs back into the first, brightest on every beat and fading after it, and the
strobe flares (where the mood has them) on the beats only. The lights are drawn
at half size and screened over the venue: soft light costs little to draw, so a
section's loop at 720p takes about as long as one still.

Examples
--------
>>> frames = paint_light_loop("industrial_club", "drop", (320, 180), seed=1)
>>> len(frames), frames[0].size
(16, (320, 180))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops

from addon.core.clip import Clip, write_clip
from addon.core.files import atomic_path

from ..ink import Sketch
from .backdrop import paint_backdrop_without_lights
from .elements import Light, beam_cone, flare_star

LOOP_BEATS = 2
"""Beats one background cycle spans."""
LOOP_FRAMES = 16
"""Drawings in one cycle: eight a beat."""
SWING = 0.12
"""How far a beam's far end swings either side, as a fraction of the frame width."""
FADE = 4.0
"""How fast a beam dims after its beat (e-folds per beat)."""
LOOP_FPS = 16.0
"""The loop's natural speed: eight drawings a beat at 120 BPM."""
JPEG_FRAMES = "frames/{index:04d}.jpg"


def paint_light_loop(theme: str, label: str, size: tuple[int, int], seed: int,
                     frame_count: int = LOOP_FRAMES, beats: int = LOOP_BEATS) -> list[Image.Image]:
    """Every frame of section ``label``'s background loop, ``frame_count`` drawings over ``beats`` beats.

    Frame ``k * frame_count / beats`` falls on beat ``k`` of the cycle: those are
    the hit frames, the brightest, with the strobes firing.
    """
    if frame_count % beats:
        raise ValueError(f"{frame_count} frames do not split evenly into {beats} beats")
    venue, lights = paint_backdrop_without_lights(theme, label, size, seed)
    return [light_frame(venue, lights, index / frame_count, beats) for index in range(frame_count)]


def hit_frames(frame_count: int = LOOP_FRAMES, beats: int = LOOP_BEATS) -> tuple[int, ...]:
    """The frames of a loop that land on its beats."""
    return tuple(beat * frame_count // beats for beat in range(beats))


def light_frame(venue: Image.Image, lights: Sequence[Light], phase: float, beats: int) -> Image.Image:
    """``venue`` with ``lights`` drawn at cycle ``phase`` (0..1) of a cycle of ``beats`` beats."""
    width, height = venue.size
    since_beat = (phase * beats) % 1.0
    level = 0.45 + 0.9 * math.exp(-FADE * since_beat)
    overlay = Sketch((max(1, width // 2), max(1, height // 2)), 1, background=(0, 0, 0))
    half = 0.5
    for index, light in enumerate(lights):
        if light.target is None:
            if min(since_beat, 1.0 - since_beat) < 1e-6:
                flare_star(overlay, _scaled(light.origin, half), light.radius * half)
            continue
        swing = SWING * width * math.sin(2 * math.pi * (phase + index / max(1, len(lights))))
        target = (light.target[0] + swing, light.target[1])
        alpha = min(255, round(light.alpha * level))
        beam_cone(overlay, _scaled(light.origin, half), _scaled(target, half), light.spread * half, light.color, alpha)
    lit = overlay.image.resize(venue.size, Image.Resampling.BILINEAR)
    return ImageChops.screen(venue.convert("RGB"), lit)


def _scaled(point: tuple[float, float], factor: float) -> tuple[float, float]:
    return point[0] * factor, point[1] * factor


def write_background_clip(folder: Path, label: str, images: Sequence[Image.Image], seed: int,
                          beats: int = LOOP_BEATS) -> Clip:
    """Write section ``label``'s loop as a background clip folder: ``frames/0000.jpg``... and ``clip.json``.

    Backgrounds are opaque, so their frames are JPEG (4:4:4, quality 90): the
    sequencer reads a new one every frame, and a JPEG decodes about twice as fast
    as a PNG of the same picture.
    """
    clip = Clip(folder=folder, kind="background", name=label, fps=LOOP_FPS, frame_count=len(images),
                frames=JPEG_FRAMES, movie=None, loops=True, beats_per_cycle=beats,
                hit_frames=hit_frames(len(images), beats), size=images[0].size, source="procedural", seed=seed)
    for index, image in enumerate(images):
        with atomic_path(clip.frame_path(index)) as temporary:
            image.save(temporary, format="JPEG", quality=90, subsampling=0)
    write_clip(clip)
    return clip
