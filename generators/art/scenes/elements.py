"""Scene pieces shared by every theme: walls, the stage floor, steel, lamps, light beams and strobes.

Each function draws one element onto a :class:`Scene`, in pixels of the
output image; sizes are given as fractions of the image height so a scene
looks the same at any resolution.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..ink import Color, Point, Sketch, circle, rounded_hull, shade, with_alpha
from .mood import Mood, lit


@dataclass(frozen=True)
class Light:
    """A light a loop animates: a beam from ``origin`` to ``target`` (``spread`` pixels wide there, ``alpha``
    its opacity 0..255), or a strobe flare at ``origin`` (no ``target``) ``radius`` pixels big."""

    origin: Point
    color: Color
    target: Point | None = None
    spread: float = 0.0
    alpha: int = 0
    radius: float = 0.0


@dataclass
class Scene:
    """What every element needs: where to draw, the mood, and two random streams.

    ``layout`` is seeded by theme and seed only, so the venue is the same place
    in every section; ``lighting`` also depends on the section, so lamps and
    beams change with the music.
    """

    sketch: Sketch
    width: float
    height: float
    mood: Mood
    layout: random.Random
    lighting: random.Random
    horizon: float
    """Where the back wall meets the stage floor, pixels from the top."""
    moving_lights: bool = False
    """Record the beams and flares in :attr:`lights` instead of painting them (a loop draws them per frame)."""
    lights: list[Light] = field(default_factory=list)

    @property
    def ink_px(self) -> float:
        """Outline width for scenery: a little thinner than the characters' so they stand out."""
        return max(1.5, self.height * 0.0036)

    def lit(self, color: Color, tint: float = 0.3) -> Color:
        """A venue colour under this scene's mood."""
        return lit(color, self.mood, tint)

    def light(self, index: int) -> Color:
        """The colour of the ``index``-th lamp, cycling through the mood's lights."""
        return self.mood.lights[index % len(self.mood.lights)]


def wall(scene: Scene, top: Color, bottom: Color, bands: int = 6) -> None:
    """The back wall as flat horizontal bands from ``top`` to ``bottom`` colour, down to the horizon."""
    step = scene.horizon / bands
    for index in range(bands):
        t = index / (bands - 1)
        color = tuple(round(a + (b - a) * t) for a, b in zip(top[:3], bottom[:3], strict=True))
        scene.sketch.flat(rect(0, index * step, scene.width, (index + 1) * step + 1), color)  # type: ignore[arg-type]


def floor(scene: Scene, color: Color, lines: int = 14) -> None:
    """The stage floor below the horizon: planks running toward a vanishing point, a lit front edge."""
    sketch, width, height, horizon = scene.sketch, scene.width, scene.height, scene.horizon
    sketch.flat(rect(0, horizon, width, height), color)
    vanish = (width / 2, horizon - height * 0.5)
    line_color = shade(color, 0.7)
    for index in range(lines + 1):
        x_bottom = width * (-0.6 + 2.2 * index / lines)
        x_top = vanish[0] + (x_bottom - vanish[0]) * (height * 0.5) / (height - vanish[1])
        sketch.stroke([(x_top, horizon), (x_bottom, height)], scene.ink_px * 0.6, line_color)
    for t in (0.18, 0.42, 0.72):
        y = horizon + (height - horizon) * t
        sketch.stroke([(0, y), (width, y)], scene.ink_px * 0.5, line_color)
    sketch.stroke([(0, horizon), (width, horizon)], scene.ink_px * 1.4, (14, 10, 24))


def spot_pool(scene: Scene, color: Color, alpha: int) -> None:
    """A pool of light on the floor where the characters stand."""
    cx, cy = scene.width / 2, scene.horizon + (scene.height - scene.horizon) * 0.55
    rx, ry = scene.width * 0.3, (scene.height - scene.horizon) * 0.32
    for ring in (1.0, 0.75, 0.5):
        pool = [(cx + rx * ring * math.cos(a), cy + ry * ring * math.sin(a))
                for a in (i * math.pi / 48 for i in range(96))]
        scene.sketch.flat(pool, with_alpha(color, alpha))


def haze(scene: Scene, color: Color) -> None:
    """Low mist rolling over the stage floor: a few wavy translucent layers, thicker toward the front."""
    amount = scene.mood.haze
    if amount <= 0:
        return
    depth = scene.height - scene.horizon
    for index in range(3):
        y = scene.horizon + depth * (0.15 + 0.25 * index)
        wave = [(x, y + math.sin(x / scene.width * 7 + index * 2.3) * depth * 0.06)
                for x in (scene.width * i / 48 for i in range(49))]
        scene.sketch.flat([*wave, (scene.width, scene.height), (0, scene.height)],
                          with_alpha(color, round(30 * amount)))


def column(scene: Scene, x: float, width: float, span: tuple[float, float], color: Color) -> None:
    """A steel I-beam column from ``span`` (top, bottom) pixels, with flanges and a row of rivets."""
    sketch, ink = scene.sketch, scene.ink_px
    top, bottom = span
    sketch.inked([rect(x - width / 2, top, x + width / 2, bottom)], color, ink)
    web = shade(color, 0.72)
    sketch.flat(rect(x - width * 0.22, top, x + width * 0.22, bottom), web)
    for edge in (-0.22, 0.22):
        sketch.stroke([(x + width * edge, top), (x + width * edge, bottom)], ink * 0.6, (14, 10, 24))
    rivet = shade(color, 1.3)
    y = top + width * 0.5
    while y < bottom - width * 0.3:
        for side in (-0.36, 0.36):
            sketch.dot((x + width * side, y), width * 0.05, rivet)
        y += width * 0.9


def truss(scene: Scene, y: float, depth: float, color: Color) -> None:
    """A horizontal steel truss across the picture: two chords and zigzag braces between them."""
    sketch, ink = scene.sketch, scene.ink_px
    left, right = 0.0, scene.width
    bar = depth * 0.16
    bays = max(2, round((right - left) / (depth * 1.1)))
    step = (right - left) / bays
    braces = [((left + i * step, y + bar), (left + (i + 0.5) * step, y + depth - bar)) for i in range(bays)]
    braces += [((left + (i + 0.5) * step, y + depth - bar), (left + (i + 1) * step, y + bar)) for i in range(bays)]
    for start, end in braces:
        sketch.stroke([start, end], bar * 0.8, shade(color, 0.8), ink)
    for chord_y in (y, y + depth - bar * 2):
        sketch.inked([rect(left - ink, chord_y, right + ink, chord_y + bar * 2)], color, ink)


def lamp(scene: Scene, hook: Point, size: float, aim: float, color: Color | None) -> Point:
    """A stage can hanging from a clamp at ``hook``, tilted ``aim`` degrees; lit with ``color`` or dark.

    Returns the lens centre, where its beam starts.
    """
    sketch, ink = scene.sketch, scene.ink_px
    x, y = hook
    radians = math.radians(aim)
    down = (math.sin(-radians), math.cos(radians))
    lens = (x + down[0] * size * 0.9, y + down[1] * size * 0.9)
    sketch.stroke([(x, y - size * 0.35), (x, y)], size * 0.18, scene.lit((60, 60, 70)), ink)
    body = rounded_hull([(x, y, size * 0.42), (lens[0], lens[1], size * 0.5)])
    sketch.inked([body], scene.lit((70, 72, 86)), ink)
    if color is None:
        sketch.inked([circle(*lens, size * 0.36)], scene.lit((40, 40, 52)), ink * 0.7)
    else:
        glow(scene, lens, size * 0.9, color)
        sketch.inked([circle(*lens, size * 0.36)], shade(color, 1.5), ink * 0.7)
    return lens


def beam(scene: Scene, origin: Point, target: Point, spread: float, color: Color, *, alpha: int) -> None:
    """A translucent cone of light from ``origin`` widening to ``spread`` pixels at ``target``, brighter in its core."""
    if scene.moving_lights:
        scene.lights.append(Light(origin, color, target, spread, alpha))
        return
    beam_cone(scene.sketch, origin, target, spread, color, alpha)


def beam_cone(sketch: Sketch, origin: Point, target: Point, spread: float, color: Color, alpha: int) -> None:
    """The two translucent triangles of a beam: a wide cone and its brighter core."""
    dx, dy = target[0] - origin[0], target[1] - origin[1]
    length = math.hypot(dx, dy) or 1.0
    across = (-dy / length, dx / length)
    for width in (spread, spread * 0.45):
        cone = [origin, (target[0] - across[0] * width / 2, target[1] - across[1] * width / 2),
                (target[0] + across[0] * width / 2, target[1] + across[1] * width / 2)]
        sketch.flat(cone, with_alpha(color, alpha))


def glow(scene: Scene, centre: Point, radius: float, color: Color) -> None:
    """A flat cartoon glow: three translucent rings round a light."""
    glow_rings(scene.sketch, centre, radius, color)


def glow_rings(sketch: Sketch, centre: Point, radius: float, color: Color) -> None:
    """The glow's three translucent rings, on any sketch."""
    for ring, alpha in ((1.0, 40), (0.7, 60), (0.45, 90)):
        sketch.flat(circle(*centre, radius * ring), with_alpha(color, alpha))


def flare(scene: Scene, centre: Point, radius: float, color: Color = (255, 255, 255)) -> None:
    """A strobe flare: a glow and a four-pointed star."""
    if scene.moving_lights:
        scene.lights.append(Light(centre, color, radius=radius))
        return
    flare_star(scene.sketch, centre, radius, color)


def flare_star(sketch: Sketch, centre: Point, radius: float, color: Color = (255, 255, 255)) -> None:
    """The flare's glow rings and its four-pointed star."""
    glow_rings(sketch, centre, radius * 1.2, color)
    x, y = centre
    thin = radius * 0.12
    star = [(x, y - radius), (x + thin, y - thin), (x + radius, y), (x + thin, y + thin),
            (x, y + radius), (x - thin, y + thin), (x - radius, y), (x - thin, y - thin)]
    sketch.flat(star, with_alpha(color, 235))


def speaker(scene: Scene, x: float, bottom: float, width: float, height: float) -> None:
    """A speaker stack: two cabinets, each with a woofer and a tweeter."""
    sketch, ink = scene.sketch, scene.ink_px
    cabinet = scene.lit((52, 50, 64))
    for index in range(2):
        top = bottom - height * (index + 1) / 2
        sketch.inked([rect(x - width / 2, top, x + width / 2, top + height / 2)], cabinet, ink)
        cone = (x, top + height * 0.28)
        sketch.inked([circle(*cone, width * 0.34)], scene.lit((30, 30, 40)), ink * 0.8)
        sketch.inked([circle(*cone, width * 0.14)], scene.lit((90, 92, 110)), ink * 0.6)
        sketch.inked([circle(x, top + height * 0.07, width * 0.07)], scene.lit((90, 92, 110)), ink * 0.6)


def stars(scene: Scene, count: int, bottom: float, color: Color) -> None:
    """Small twinkles scattered over a sky down to ``bottom``."""
    for _ in range(count):
        x, y = scene.layout.uniform(0, scene.width), scene.layout.uniform(0, bottom)
        size = scene.height * scene.layout.uniform(0.002, 0.005)
        scene.sketch.flat([(x, y - size * 2), (x + size * 0.5, y), (x, y + size * 2), (x - size * 0.5, y)], color)
        scene.sketch.flat([(x - size * 2, y), (x, y + size * 0.5), (x + size * 2, y), (x, y - size * 0.5)], color)


def hazard_stripes(scene: Scene, left: float, top: float, right: float, bottom: float) -> None:
    """Yellow and black warning stripes in a band, outlined."""
    sketch = scene.sketch
    sketch.inked([rect(left, top, right, bottom)], scene.lit((250, 200, 40), 0.15), scene.ink_px)
    step = (bottom - top) * 1.4
    x = left - (bottom - top)
    while x < right:
        stripe = [(max(left, x), bottom), (max(left, min(right, x + step / 2)), bottom),
                  (min(right, x + step / 2 + (bottom - top)), top), (min(right, x + (bottom - top)), top)]
        if stripe[0][0] < right:
            sketch.flat(stripe, (24, 20, 30))
        x += step


def lamp_row(scene: Scene, y: float, count: int, size: float) -> list[tuple[Point, Color | None]]:
    """Lamps evenly along a truss, the mood's number of them lit; returns each lens and its light (None if off)."""
    lit_lamps = set(scene.lighting.sample(range(count), min(count, scene.mood.lamps)))
    result: list[tuple[Point, Color | None]] = []
    for index in range(count):
        x = scene.width * (index + 0.5) / count
        aim = (scene.width / 2 - x) / scene.width * -40 + scene.lighting.uniform(-8, 8)
        color = scene.light(index) if index in lit_lamps else None
        result.append((lamp(scene, (x, y), size, aim, color), color))
    return result


def cast_beams(scene: Scene, lamps: Sequence[tuple[Point, Color | None]], alpha: int = 46) -> None:
    """Beams from the lit lamps toward the stage, as many as the mood asks for."""
    lit_lamps = [(lens, color) for lens, color in lamps if color is not None]
    for index in range(min(scene.mood.beams, len(lit_lamps))):
        lens, color = lit_lamps[index]
        target = (scene.width / 2 + scene.lighting.uniform(-0.35, 0.35) * scene.width, scene.height)
        spread = scene.width * scene.lighting.uniform(0.1, 0.2)
        beam(scene, lens, target, spread, color, alpha=alpha)


def rect(left: float, top: float, right: float, bottom: float) -> list[Point]:
    """An axis-aligned rectangle's corners, pixels."""
    return [(left, top), (right, top), (right, bottom), (left, bottom)]

