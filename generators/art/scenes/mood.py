"""The lighting of each song section: how bright, how warm, how many lamps and beams, strobes or not."""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass

from ..ink import Color


@dataclass(frozen=True)
class Mood:
    """How a scene is lit for one section.

    ``ambient`` tints the whole venue; ``brightness`` (0..1) scales its
    colours; ``saturation`` scales their colourfulness; ``lights`` are the
    colours of the lamps that are on, cycled over ``lamps`` lamps; ``beams``
    light beams are cast; ``strobes`` adds white flares.
    """

    ambient: Color
    brightness: float
    saturation: float
    lights: tuple[Color, ...]
    lamps: int
    beams: int
    strobes: bool = False
    haze: float = 0.0
    """Opacity of the low mist over the floor, 0..1."""


MOODS: dict[str, Mood] = {
    "intro": Mood(ambient=(40, 46, 96), brightness=0.55, saturation=0.75,
                  lights=((96, 130, 255), (150, 110, 255)), lamps=2, beams=2),
    "verse": Mood(ambient=(54, 44, 110), brightness=0.68, saturation=0.85,
                  lights=((120, 110, 255), (255, 80, 150)), lamps=4, beams=3),
    "build": Mood(ambient=(110, 44, 60), brightness=0.8, saturation=0.95,
                  lights=((255, 130, 50), (255, 60, 90), (255, 196, 70)), lamps=6, beams=5),
    "chorus": Mood(ambient=(96, 40, 110), brightness=0.92, saturation=1.05,
                   lights=((255, 70, 170), (70, 220, 255), (255, 210, 80)), lamps=7, beams=6),
    "drop": Mood(ambient=(120, 36, 120), brightness=1.0, saturation=1.2,
                 lights=((255, 40, 130), (50, 235, 255), (255, 235, 70), (170, 90, 255)), lamps=8, beams=8,
                 strobes=True),
    "breakdown": Mood(ambient=(20, 34, 90), brightness=0.42, saturation=0.8,
                      lights=((70, 120, 255),), lamps=1, beams=1, haze=0.5),
    "outro": Mood(ambient=(96, 52, 92), brightness=0.6, saturation=0.8,
                  lights=((255, 130, 90), (180, 100, 210)), lamps=3, beams=2, haze=0.25),
}


def mood_for(label: str) -> Mood:
    """The mood of a section label: ``drop``, or a numbered one such as ``drop_2`` or ``drop2``.

    Raises
    ------
    KeyError
        When the label names no known section.
    """
    key = re.sub(r"[_-]?\d+$", "", label.lower())
    if key not in MOODS:
        raise KeyError(f"unknown section label {label!r}; known: {', '.join(MOODS)}")
    return MOODS[key]


def lit(color: Color, mood: Mood, tint: float = 0.3) -> Color:
    """A venue colour under a mood: blended toward its ambient, scaled by brightness and saturation."""
    blended = [c * (1 - tint) + a * tint for c, a in zip(color[:3], mood.ambient, strict=True)]
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in blended))
    red, green, blue = colorsys.hls_to_rgb(hue, lightness * mood.brightness, min(1.0, saturation * mood.saturation))
    return (round(red * 255), round(green * 255), round(blue * 255), *color[3:])
