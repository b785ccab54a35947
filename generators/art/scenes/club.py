"""The industrial nightclub: steel columns and a lighting truss, speaker stacks, beams and strobes."""

from __future__ import annotations

from ..ink import circle, shade, with_alpha
from .elements import (
    Scene,
    cast_beams,
    column,
    flare,
    floor,
    glow,
    haze,
    lamp_row,
    rect,
    speaker,
    spot_pool,
    truss,
    wall,
)

HORIZON = 0.64
"""Where the back wall meets the stage floor, as a fraction of the height."""


def paint_club(scene: Scene) -> None:
    """The whole club, back to front."""
    width, height = scene.width, scene.height
    wall(scene, scene.lit((24, 28, 64), 0.5), scene.lit((58, 40, 88), 0.5))
    _wall_panels(scene)
    _bricks(scene)
    _neon_sign(scene)
    for x in (0.3, 0.7):
        column(scene, width * x, height * 0.035, (0, scene.horizon), scene.lit((70, 76, 104), 0.5))
    _cross_bracing(scene)
    for x in (0.11, 0.89):
        speaker(scene, width * x, scene.horizon + height * 0.06, width * 0.1, height * 0.4)
    floor(scene, scene.lit((50, 44, 66), 0.4))
    lamps = lamp_row(scene, height * 0.19, 8, height * 0.05)
    cast_beams(scene, lamps)
    spot_pool(scene, scene.light(0), 26 + round(20 * scene.mood.brightness))
    truss(scene, height * 0.05, height * 0.09, scene.lit((150, 156, 176), 0.2))
    for lens, color in lamps:
        if color is not None and scene.mood.strobes:
            flare(scene, lens, height * 0.075)
    for x in (0.025, 0.975):
        column(scene, width * x, height * 0.06, (0, height), scene.lit((120, 128, 156), 0.3))
    haze(scene, shade(scene.light(0), 1.4))
    _footlights(scene)


def _wall_panels(scene: Scene) -> None:
    """Corrugated steel panels: thin vertical seams and a darker skirting band."""
    seam = scene.lit((18, 18, 44), 0.5)
    count = 16
    for index in range(1, count):
        x = scene.width * index / count
        scene.sketch.stroke([(x, 0), (x, scene.horizon * 0.62)], scene.ink_px * 0.5, seam)
    skirting = scene.horizon - scene.height * 0.06
    scene.sketch.flat(rect(0, skirting, scene.width, scene.horizon), scene.lit((30, 26, 52), 0.5))


def _neon_sign(scene: Scene) -> None:
    """A neon ring with a lightning bolt on the back wall, glowing in the first lamp colour as bright as the mood."""
    centre = (scene.width / 2, scene.horizon * 0.5)
    radius = scene.height * 0.2
    tube = scene.height * 0.012
    color = scene.light(0) if scene.mood.brightness >= 0.5 else shade(scene.light(0), 0.6)
    glow(scene, centre, radius * 1.25, shade(color, 0.8))
    ring = circle(*centre, radius)
    scene.sketch.stroke([*ring, ring[0], ring[1]], tube, color, scene.ink_px * 0.8)
    scene.sketch.stroke([*ring, ring[0], ring[1]], tube * 0.35, shade(color, 1.7))
    x, y, r = centre[0], centre[1], radius * 0.78
    bolt = [(x + r * 0.15, y - r), (x - r * 0.45, y + r * 0.12), (x - r * 0.02, y + r * 0.12),
            (x - r * 0.2, y + r), (x + r * 0.45, y - r * 0.15), (x + r * 0.02, y - r * 0.15)]
    scene.sketch.inked([bolt], scene.light(1), scene.ink_px)
    scene.sketch.flat([(x + r * 0.1, y - r * 0.8), (x - r * 0.3, y + r * 0.05), (x - r * 0.18, y + r * 0.05)],
                      shade(scene.light(1), 1.6))


def _bricks(scene: Scene) -> None:
    """Low-contrast brickwork on the lower part of the wall."""
    line = scene.lit((20, 18, 42), 0.5)
    rows, top = 7, scene.horizon * 0.62
    step_y = (scene.horizon - scene.height * 0.06 - top) / rows
    step_x = scene.height * 0.09
    for row in range(rows + 1):
        y = top + row * step_y
        scene.sketch.stroke([(0, y), (scene.width, y)], scene.ink_px * 0.45, line)
        if row == rows:
            break
        x = (row % 2) * step_x / 2
        while x < scene.width:
            scene.sketch.stroke([(x, y), (x, y + step_y)], scene.ink_px * 0.45, line)
            x += step_x


def _cross_bracing(scene: Scene) -> None:
    """X braces between the back columns and the walls, high up."""
    color = scene.lit((56, 60, 88), 0.5)
    top, bottom = scene.height * 0.16, scene.horizon * 0.62
    for left, right in ((0.0, 0.3), (0.7, 1.0)):
        x0, x1 = scene.width * left, scene.width * right
        for start, end in (((x0, top), (x1, bottom)), ((x0, bottom), (x1, top))):
            scene.sketch.stroke([start, end], scene.height * 0.008, color, scene.ink_px * 0.7)


def _footlights(scene: Scene) -> None:
    """A row of small lights along the front edge of the stage, lit from the build on."""
    y = scene.height * 0.985
    count = 12
    on = scene.mood.brightness >= 0.75
    for index in range(count):
        x = scene.width * (index + 0.5) / count
        color = scene.light(index) if on else scene.lit((60, 60, 80))
        if on:
            scene.sketch.flat(circle(x, y, scene.height * 0.03, 180, 360), with_alpha(color, 70))
        scene.sketch.inked([circle(x, y, scene.height * 0.011)], shade(color, 1.3 if on else 1.0), scene.ink_px * 0.7)
