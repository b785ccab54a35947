"""One background image per song section: a themed venue lit by the section's mood."""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image

from ..ink import Sketch
from . import city, club, factory
from .elements import Scene
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
    painter, horizon = THEMES[theme]
    mood = mood_for(label)
    sketch = Sketch(size, SUPERSAMPLE, background=(0, 0, 0))
    scene = Scene(sketch=sketch, width=float(size[0]), height=float(size[1]), mood=mood,
                  layout=random.Random(f"{theme}:{seed}"), lighting=random.Random(f"{theme}:{seed}:{label}"),
                  horizon=size[1] * horizon)
    painter(scene)
    return sketch.result()
