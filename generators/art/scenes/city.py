"""A rooftop stage over a city skyline: sky and moon, two rows of towers, searchlights, a railing."""

from __future__ import annotations

from ..ink import Color, circle, shade, with_alpha
from .elements import Scene, beam, column, flare, floor, haze, rect, spot_pool, stars, wall

HORIZON = 0.7
"""Where the rooftop starts, as a fraction of the height."""


def paint_city(scene: Scene) -> None:
    """The whole rooftop view, back to front."""
    width, height = scene.width, scene.height
    sky_low = shade(scene.lit(scene.light(0), 0.5), 1.15)
    wall(scene, scene.lit((16, 18, 52), 0.5), sky_low, bands=8)
    stars(scene, 60, scene.horizon * 0.6, with_alpha((255, 255, 230), 200))
    _moon(scene)
    _searchlights(scene)
    _skyline(scene, height * 0.5, 0.9, scene.lit((60, 56, 110), 0.5), windows=False)
    _skyline(scene, height * 0.6, 0.7, scene.lit((34, 30, 66), 0.5), windows=True)
    floor(scene, scene.lit((66, 62, 84), 0.35), lines=12)
    _railing(scene)
    spot_pool(scene, scene.light(0), 24 + round(20 * scene.mood.brightness))
    for x in (0.04, 0.96):
        column(scene, width * x, height * 0.035, (height * 0.32, height * 0.98), scene.lit((110, 114, 140), 0.3))
        _stage_light(scene, width * x, height * 0.32)
    haze(scene, shade(scene.light(0), 1.3))


def _moon(scene: Scene) -> None:
    """A big cartoon moon with craters, high on the left."""
    centre, radius = (scene.width * 0.16, scene.height * 0.16), scene.height * 0.08
    moon = shade(scene.lit((250, 236, 200), 0.15), 1.1)
    scene.sketch.flat(circle(*centre, radius * 1.5), with_alpha(moon, 40))
    scene.sketch.inked([circle(*centre, radius)], moon, scene.ink_px)
    for dx, dy, r in ((-0.3, -0.2, 0.22), (0.3, 0.25, 0.16), (0.1, -0.45, 0.1)):
        scene.sketch.flat(circle(centre[0] + dx * radius, centre[1] + dy * radius, r * radius), shade(moon, 0.88))


def _searchlights(scene: Scene) -> None:
    """Beams sweeping up from behind the skyline, one per beam the mood asks for."""
    for index in range(scene.mood.beams):
        x = scene.width * scene.lighting.uniform(0.1, 0.9)
        origin = (x, scene.height * 0.5)
        target = (x + scene.width * scene.lighting.uniform(-0.3, 0.3), -scene.height * 0.1)
        beam(scene, origin, target, scene.width * 0.08, scene.light(index), alpha=40)


def _skyline(scene: Scene, base: float, scale: float, color: Color, windows: bool) -> None:
    """A row of towers standing on ``base`` (pixels from the top); the front row has lit windows."""
    x = -scene.width * 0.02
    while x < scene.width:
        width = scene.width * scene.layout.uniform(0.05, 0.11) * scale ** 0.5
        tall = scene.height * scene.layout.uniform(0.12, 0.34) * scale
        top = base - tall
        scene.sketch.inked([rect(x, top, x + width, scene.horizon)], color, scene.ink_px)
        if scene.layout.random() < 0.35:
            mast = x + width * scene.layout.uniform(0.3, 0.7)
            scene.sketch.stroke([(mast, top), (mast, top - tall * 0.2)], scene.ink_px * 1.2, color, scene.ink_px)
            scene.sketch.dot((mast, top - tall * 0.2), scene.ink_px * 1.6, scene.light(1))
        if windows:
            _windows(scene, x, top, width, scene.horizon)
        x += width + scene.width * scene.layout.uniform(0.0, 0.02)


def _windows(scene: Scene, left: float, top: float, width: float, bottom: float) -> None:
    """A grid of windows, more of them lit the brighter the mood."""
    size = scene.height * 0.014
    gap = size * 1.1
    columns = max(1, int((width - gap) // (size + gap)))
    offset = (width - columns * (size + gap) + gap) / 2
    y = top + gap
    while y + size < bottom - gap:
        for index in range(columns):
            if scene.lighting.random() < 0.2 + 0.5 * scene.mood.brightness:
                x = left + offset + index * (size + gap)
                color = scene.light(index) if scene.lighting.random() < 0.3 else (255, 220, 130)
                scene.sketch.flat(rect(x, y, x + size, y + size * 1.3), shade(color, 0.5 + 0.5 * scene.mood.brightness))
        y += size * 1.3 + gap


def _railing(scene: Scene) -> None:
    """The rooftop's safety railing along the horizon."""
    sketch, ink = scene.sketch, scene.ink_px
    color = scene.lit((140, 144, 170), 0.3)
    rail_y = scene.horizon - scene.height * 0.06
    for y in (rail_y, rail_y + scene.height * 0.03):
        sketch.stroke([(0, y), (scene.width, y)], scene.height * 0.008, color, ink)
    for index in range(25):
        x = scene.width * index / 24
        sketch.stroke([(x, rail_y), (x, scene.horizon)], scene.height * 0.008, color, ink)


def _stage_light(scene: Scene, x: float, y: float) -> None:
    """A light on top of a pole: lit in the mood's colour, with a flare when strobing."""
    color = scene.light(0)
    scene.sketch.inked([circle(x, y, scene.height * 0.03)], scene.lit((70, 72, 86)), scene.ink_px)
    scene.sketch.inked([circle(x, y, scene.height * 0.018)], shade(color, 1.4), scene.ink_px * 0.7)
    if scene.mood.strobes:
        flare(scene, (x, y), scene.height * 0.07)
