"""OpenPose skeleton images from Toonbeat's own pose library, for ControlNet pose conditioning.

The procedural characters' rig (``characters.poses``) already says where every joint
is in each pose; drawn in OpenPose's body-18 layout and colours, that is exactly what
an OpenPose ControlNet was trained on, so no pose detector (and no detector weights)
is needed. Keypoints follow the COCO order OpenPose uses (0 nose, 1 neck, 2-4 the
person's right arm, 5-7 the left arm, 8-10 right leg, 11-13 left leg, 14-17 eyes and
ears). The characters face the viewer, so the person's right is the picture's left
(``side 0`` of the rig).

The figure is placed as the procedural characters are drawn (``figure.FIGURE_HEIGHT``
of the image tall, soles at ``figure.GROUND``), so a skeleton and a procedural drawing
of the same pose line up, and every pose of a character stands on the same ground point.

Examples
--------
>>> from generators.art.characters.poses import POSES
>>> skeleton_image(POSES["dance"], 512, 768).size
(512, 768)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

from .characters.figure import FIGURE_HEIGHT, GROUND
from .characters.poses import Pose, Proportions, skeleton
from .procedural import DESIGNS

Point = tuple[float, float]
LIMBS = ((1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12), (12, 13),
         (1, 0), (0, 14), (14, 16), (0, 15), (15, 17))
"""Keypoint pairs drawn as limbs, in OpenPose's drawing order (``limbSeq``, 0-based)."""
COLOURS = ((255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
           (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
           (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85))
"""OpenPose's colour for each keypoint and for the limb of the same index (limbs at 60 % brightness)."""
STICK_WIDTH = 4 / 512  # limb half-width and joint radius, as a fraction of the image's shorter side
DEFAULT_DESIGN = "cyborg_dj"


def body_for(design: str | None) -> Proportions:
    """The proportions of a procedural design (``cyborg_dj``, ``robot_drummer``); the DJ's for anything else."""
    return DESIGNS.get(design or DEFAULT_DESIGN, DESIGNS[DEFAULT_DESIGN]).BODY


def keypoints(pose: Pose, body: Proportions, width: int, height: int) -> list[Point | None]:
    """The 18 OpenPose keypoints of ``pose`` in pixels (``None`` for an ear turned out of sight)."""
    bones = skeleton(body, pose)
    scale = FIGURE_HEIGHT * height
    soles = max(ankle[1] for ankle in bones.ankles) + body.boot_height
    centre_x = (bones.ankles[0][0] + bones.ankles[1][0]) / 2

    def pixel(point: Point) -> Point:
        return (width / 2 + (point[0] - centre_x) * scale, GROUND * height + (point[1] - soles) * scale)

    angle = math.radians(bones.head_angle)
    up, across = (math.sin(angle), -math.cos(angle)), (math.cos(angle), math.sin(angle))

    def on_head(sideways: float, upward: float) -> Point:
        x = bones.head[0] + across[0] * sideways + up[0] * upward
        y = bones.head[1] + across[1] * sideways + up[1] * upward
        return (x, y)

    turn = pose.look * 0.22 * body.head_width  # features slide toward where the character looks
    drop = -0.12 * body.head_height * pose.nod
    half = body.head_width / 2
    eyes = [on_head(turn + side * 0.2 * body.head_width, 0.04 * body.head_height + drop) for side in (-1, 1)]
    ears = [on_head(side * half * (1 - 0.3 * abs(pose.look)), 0.0) for side in (-1, 1)]
    nose = on_head(turn * 1.2, -0.12 * body.head_height + drop)
    hidden_ear = None if abs(pose.look) < 0.4 else (1 if pose.look > 0 else 0)  # turned right: the far ear hides
    rig: list[Point | None] = [
        nose, bones.neck,
        bones.shoulders[0], bones.elbows[0], bones.wrists[0],
        bones.shoulders[1], bones.elbows[1], bones.wrists[1],
        bones.hips[0], bones.knees[0], bones.ankles[0],
        bones.hips[1], bones.knees[1], bones.ankles[1],
        eyes[0], eyes[1], ears[0] if hidden_ear != 0 else None, ears[1] if hidden_ear != 1 else None,
    ]
    return [None if point is None else pixel(point) for point in rig]


def draw_keypoints(points: Sequence[Point | None], width: int, height: int) -> Image.Image:
    """OpenPose's body drawing: limbs as ellipses at 60 % of their colour on black, then joints as dots."""
    image = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(image)
    stick = max(1.0, STICK_WIDTH * min(width, height))
    for index, (start, end) in enumerate(LIMBS):
        a, b = points[start], points[end]
        if a is None or b is None:
            continue
        colour = tuple(round(channel * 0.6) for channel in COLOURS[index])
        draw.polygon(_ellipse(a, b, stick), fill=colour)
    for index, point in enumerate(points):
        if point is not None:
            draw.ellipse((point[0] - stick, point[1] - stick, point[0] + stick, point[1] + stick),
                         fill=COLOURS[index])
    return image


def skeleton_image(pose: Pose, width: int, height: int, design: str | None = None) -> Image.Image:
    """The OpenPose drawing of ``pose`` for a character of ``design``'s proportions, ``width`` x ``height`` pixels."""
    return draw_keypoints(keypoints(pose, body_for(design), width, height), width, height)


def _ellipse(a: Point, b: Point, half_width: float, corners: int = 24) -> list[Point]:
    """The polygon of the ellipse from ``a`` to ``b`` and ``half_width`` across, as OpenPose draws a limb."""
    centre = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    length = math.hypot(b[0] - a[0], b[1] - a[1]) / 2
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    cos, sin = math.cos(angle), math.sin(angle)
    points = []
    for step in range(corners):
        t = 2 * math.pi * step / corners
        x, y = length * math.cos(t), half_width * math.sin(t)
        points.append((centre[0] + x * cos - y * sin, centre[1] + x * sin + y * cos))
    return points
