"""The factory floor: tall windows, pipes and cogs on the wall, a conveyor belt and two robot arms."""

from __future__ import annotations

import math

from ..ink import Point, capsule, circle, rounded_hull, shade
from .elements import Scene, cast_beams, floor, glow, hazard_stripes, haze, lamp_row, rect, spot_pool, wall

HORIZON = 0.66
"""Where the back wall meets the floor, as a fraction of the height."""


def paint_factory(scene: Scene) -> None:
    """The whole factory, back to front."""
    width, height = scene.width, scene.height
    wall(scene, scene.lit((56, 60, 80), 0.45), scene.lit((84, 80, 96), 0.45))
    for x in (0.2, 0.5, 0.8):
        _window(scene, width * x, height * 0.08, width * 0.2, height * 0.3)
    _pipes(scene)
    _cog(scene, (width * 0.06, height * 0.5), height * 0.12, 10)
    _cog(scene, (width * 0.95, height * 0.1), height * 0.09, 8)
    _conveyor(scene, height * 0.49)
    floor(scene, scene.lit((74, 74, 86), 0.35), lines=10)
    hazard_stripes(scene, 0, scene.horizon, width, scene.horizon + height * 0.025)
    lamps = lamp_row(scene, height * 0.06, 5, height * 0.045)
    cast_beams(scene, lamps, alpha=38)
    spot_pool(scene, scene.light(0), 22 + round(20 * scene.mood.brightness))
    _robot_arm(scene, width * 0.09, 1)
    _robot_arm(scene, width * 0.91, -1)
    haze(scene, shade(scene.light(0), 1.3))


def _window(scene: Scene, x: float, top: float, width: float, height: float) -> None:
    """A tall factory window: a sky the colour of the mood behind a grid of panes."""
    sketch, ink = scene.sketch, scene.ink_px
    sky = shade(scene.lit(scene.light(0), 0.4), 1.3)
    sketch.inked([rect(x - width / 2, top, x + width / 2, top + height)], sky, ink)
    moon = (x + width * 0.18, top + height * 0.3)
    sketch.flat(circle(*moon, height * 0.12), shade(sky, 1.4))
    frame = scene.lit((40, 42, 58), 0.3)
    for index in range(1, 4):
        px = x - width / 2 + width * index / 4
        sketch.stroke([(px, top), (px, top + height)], ink * 1.2, frame)
    for index in range(1, 3):
        py = top + height * index / 3
        sketch.stroke([(x - width / 2, py), (x + width / 2, py)], ink * 1.2, frame)
    sketch.inked([rect(x - width / 2 - ink * 2, top + height, x + width / 2 + ink * 2, top + height * 1.06)],
                 scene.lit((100, 100, 116), 0.3), ink)


def _pipes(scene: Scene) -> None:
    """A pipe along the wall with flanged joints, and two risers down to the floor."""
    sketch, ink = scene.sketch, scene.ink_px
    color = scene.lit((170, 90, 60), 0.3)
    y = scene.height * 0.43
    thick = scene.height * 0.03
    sketch.stroke([(0, y), (scene.width, y)], thick, color, ink)
    for x in (0.28, 0.72):
        sketch.stroke([(scene.width * x, y), (scene.width * x, scene.horizon)], thick, color, ink)
    flange = shade(color, 0.75)
    for index in range(1, 10):
        x = scene.width * index / 10
        sketch.inked([rect(x - thick * 0.3, y - thick * 0.75, x + thick * 0.3, y + thick * 0.75)], flange, ink * 0.8)


def _cog(scene: Scene, centre: Point, radius: float, teeth: int) -> None:
    """A big cog on the wall, its angle set by the layout."""
    turn = scene.layout.uniform(0, 360)
    points: list[Point] = []
    for index in range(teeth * 4):
        angle = math.radians(turn + index * 90 / teeth)
        r = radius if index % 4 in (1, 2) else radius * 0.8
        points.append((centre[0] + r * math.cos(angle), centre[1] + r * math.sin(angle)))
    color = scene.lit((120, 122, 140), 0.35)
    scene.sketch.inked([points], color, scene.ink_px)
    scene.sketch.inked([circle(*centre, radius * 0.35)], shade(color, 0.7), scene.ink_px * 0.8)
    scene.sketch.inked([circle(*centre, radius * 0.12)], shade(color, 1.3), scene.ink_px * 0.6)


def _conveyor(scene: Scene, y: float) -> None:
    """A conveyor belt across the back on legs, rollers along it and crates riding at both ends."""
    sketch, ink, width, height = scene.sketch, scene.ink_px, scene.width, scene.height
    belt = height * 0.045
    steel = scene.lit((110, 114, 134), 0.3)
    for x in (0.12, 0.35, 0.65, 0.88):
        sketch.inked([rect(width * x - height * 0.01, y + belt, width * x + height * 0.01, scene.horizon)],
                     shade(steel, 0.7), ink)
    sketch.inked([rounded_hull([(belt / 2, y + belt / 2, belt / 2), (width - belt / 2, y + belt / 2, belt / 2)])],
                 scene.lit((40, 40, 52), 0.3), ink)
    for index in range(24):
        x = width * (index + 0.5) / 24
        sketch.inked([circle(x, y + belt / 2, belt * 0.3)], steel, ink * 0.6)
    crate = scene.lit((196, 140, 72), 0.25)
    for x, size in ((0.06, 0.08), (0.16, 0.06), (0.83, 0.07), (0.94, 0.09)):
        left, side = width * (x + scene.layout.uniform(-0.01, 0.01)), height * size
        sketch.inked([rect(left - side / 2, y - side, left + side / 2, y)], crate, ink)
        for start, end in (((left - side / 2, y - side), (left + side / 2, y)),
                           ((left + side / 2, y - side), (left - side / 2, y))):
            sketch.stroke([start, end], ink * 0.7, shade(crate, 0.7))


def _robot_arm(scene: Scene, x: float, facing: int) -> None:
    """An industrial robot arm on a striped base, bent over toward the conveyor with an open claw."""
    sketch, ink, height = scene.sketch, scene.ink_px, scene.height
    base_y = scene.horizon + height * 0.14
    hazard_stripes(scene, x - height * 0.09, base_y - height * 0.05, x + height * 0.09, base_y)
    yellow = scene.lit((248, 176, 40), 0.2)
    lean = scene.layout.uniform(-8, 8)
    shoulder = (x, base_y - height * 0.08)
    elbow = (x + facing * height * 0.09, shoulder[1] - height * 0.3 + lean * height * 0.003)
    wrist = (elbow[0] + facing * height * 0.2, elbow[1] + height * 0.1)
    sketch.inked([capsule(shoulder, elbow, height * 0.04, height * 0.032)], yellow, ink)
    sketch.inked([capsule(elbow, wrist, height * 0.03, height * 0.024)], yellow, ink)
    joint = scene.lit((60, 62, 78), 0.3)
    for point, radius in ((shoulder, 0.05), (elbow, 0.034), (wrist, 0.026)):
        sketch.inked([circle(*point, height * radius)], joint, ink)
        sketch.dot(point, height * radius * 0.35, shade(joint, 1.6))
    for spread in (-1, 1):
        finger = [wrist, (wrist[0] + facing * height * 0.05, wrist[1] + spread * height * 0.025),
                  (wrist[0] + facing * height * 0.08, wrist[1] + spread * height * 0.012)]
        sketch.stroke(finger, height * 0.014, joint, ink)
    glow(scene, (shoulder[0], shoulder[1] - height * 0.002), height * 0.03, scene.light(1))
