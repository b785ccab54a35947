"""One background image per song section: a themed venue lit by the section's mood."""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image

from ..ink import Sketch
from . import city, club, factory
from .elements import Light, Scene
from .mood import mood_for

SUPERSAMPLE = 2
THEMES: dict[str, tuple[Callable[[Scene], None], float]] = {
    "industrial_club": (club.paint_club, club.HORIZON),
    "factory": (factory.paint_factory, factory.HORIZON),
    "city": (city.paint_city, city.HORIZON),
}
"""Each theme's painter and where its floor starts (fraction of the height)."""


def paint_backdrop(theme: str, label: str, size: tuple[int, int], seed: int) -> Image.Image:
    """The ``theme`` venue lit for section ``label``, an opaque RGB image of ``size`` pixels.

    The same seed gives the same venue for every label; only the lighting
    changes with the section.
    """
    image, _ = _paint(theme, label, size, seed, moving_lights=False)
    return image


def paint_backdrop_without_lights(theme: str, label: str, size: tuple[int, int],
                                  seed: int) -> tuple[Image.Image, list[Light]]:
    """The venue of :func:`paint_backdrop` without its beams and strobe flares, and those lights
    (for a loop to draw them moving, frame by frame)."""
    return _paint(theme, label, size, seed, moving_lights=True)


def _paint(theme: str, label: str, size: tuple[int, int], seed: int,
           moving_lights: bool) -> tuple[Image.Image, list[Light]]:
    painter, horizon = THEMES[theme]
    sketch = Sketch(size, SUPERSAMPLE, background=(0, 0, 0))
    scene = Scene(sketch=sketch, width=float(size[0]), height=float(size[1]), mood=mood_for(label),
                  layout=random.Random(f"{theme}:{seed}"), lighting=random.Random(f"{theme}:{seed}:{label}"),
                  horizon=size[1] * horizon, moving_lights=moving_lights)
    painter(scene)
    return sketch.result(), scene.lights
