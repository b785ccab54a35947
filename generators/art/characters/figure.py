"""The shared cartoon rig: a figure drawn from a skeleton, one small method per body part.

A design (``CyborgDJ``, ``RobotDrummer``) subclasses :class:`Figure` and
draws its own head, torso, arms and extras; legs, boots and hands are shared.
Geometry is given in units of the standing height and mapped to pixels by a
:class:`~generators.art.ink.Frame`, so every design scales to any image size.
"""

from __future__ import annotations

import colorsys
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import replace

from PIL import Image

from ..ink import Color, Frame, Point, Sketch, bezier, capsule, circle, rounded_box, rounded_hull, shade
from .moves import Drawing
from .poses import POSES, Pose, Proportions, Skeleton, Vec, skeleton

FIGURE_HEIGHT = 0.78
"""Standing height (sole to top of head) as a fraction of the image height: room above for raised arms."""
GROUND = 0.965
"""Where the soles stand, as a fraction of the image height from the top."""
CANVAS_ASPECT = 1.4
"""Drawing width over height: wide enough for any pose; :func:`trim_width` crops the empty sides."""
SUPERSAMPLE = 3


class Figure:
    """One character design, drawable in any :class:`Pose` at any size.

    Parameters
    ----------
    palette : mapping of str to colour
        Overrides for the design's named colours (``Figure.PALETTE`` keys).
    seed : int
        0 draws the design as designed; other seeds recolour its clothes
        (``RECOLOURED`` slots) and nudge its proportions a few percent.

    Every design's ``PALETTE`` names at least ``legs``, ``boots``, ``sole``,
    ``metal``, ``glow`` and ``cables``: the colours of the shared parts.
    """

    NAME = "figure"
    TITLE = "Figure"
    PALETTE: Mapping[str, Color] = {}
    RECOLOURED: tuple[str, ...] = ()
    BODY: Proportions

    def __init__(self, palette: Mapping[str, Color] | None = None, seed: int = 0) -> None:
        unknown = sorted(set(palette or {}) - set(self.PALETTE))
        if unknown:
            raise KeyError(f"unknown colour name(s) {', '.join(unknown)} for {self.NAME}; "
                           f"known: {', '.join(sorted(self.PALETTE))}")
        self.seed = seed
        self.palette = {**_recoloured(self.PALETTE, self.RECOLOURED, seed), **(palette or {})}
        self.body = _nudged(self.BODY, seed)
        self.pose: Pose = POSES["idle"]
        """The pose being drawn, set by :meth:`render`."""
        self.ink_px = 1.0
        """Outline width for the image being drawn, pixels, set by :meth:`render`."""

    @staticmethod
    def image_size(height_px: int) -> tuple[int, int]:
        """Width and height of the canvas a pose is drawn on, pixels; an even width puts the centre on a pixel edge."""
        return 2 * round(height_px * CANVAS_ASPECT / 2), height_px

    @staticmethod
    def anchor(height_px: int) -> tuple[float, float]:
        """The ground point every pose stands on, as fractions of width and height; on a pixel edge."""
        return 0.5, round(GROUND * height_px) / height_px

    def render(self, pose: Pose, height_px: int, supersample: int = SUPERSAMPLE) -> Image.Image:
        """The figure in ``pose`` on a transparent image ``height_px`` tall, soles on the anchor."""
        size = self.image_size(height_px)
        self.pose = pose
        self.ink_px = max(2.0, height_px * 0.0062)
        bones = skeleton(self.body, pose)
        root = self._root_frame(bones, size)
        sketch = Sketch(size, supersample)
        self.draw(sketch, root, bones)
        return sketch.result()

    def render_drawing(self, drawing: Drawing, height_px: int, supersample: int = 2) -> Image.Image:
        """One drawing of a move: the pose, squashed (or stretched) about the anchor and lifted off the ground."""
        image = self.render(drawing.pose, height_px, supersample)
        if drawing.squash == 0 and drawing.lift == 0:
            return image
        scale_y = 1.0 - drawing.squash
        scale_x = 1.0 / math.sqrt(scale_y)
        anchor_x, anchor_y = self.anchor(height_px)
        centre_x, centre_y = anchor_x * image.width, anchor_y * image.height
        lift_px = drawing.lift * FIGURE_HEIGHT * height_px
        inverse = (1 / scale_x, 0.0, centre_x - centre_x / scale_x,
                   0.0, 1 / scale_y, centre_y + (lift_px - centre_y) / scale_y)
        moved = image.convert("RGBa").transform(image.size, Image.Transform.AFFINE, inverse,
                                                resample=Image.Resampling.BICUBIC)
        return moved.convert("RGBA")

    def draw(self, sketch: Sketch, root: Frame, bones: Skeleton) -> None:
        """Every part, back to front."""
        pose = self.pose
        self.draw_behind(sketch, root, bones)
        for side in (0, 1):
            if ("arm_left", "arm_right")[side] in pose.behind:
                self.draw_arm(sketch, root, bones, side)
        for side in (0, 1) if pose.front_leg == "right" else (1, 0):
            self.draw_leg(sketch, root, bones, side)
        self.draw_torso(sketch, root.child(*bones.hip, bones.torso_angle))
        self.draw_head(sketch, root.child(*bones.head, bones.head_angle))
        for side in (0, 1):
            if ("arm_left", "arm_right")[side] not in pose.behind:
                self.draw_arm(sketch, root, bones, side)
        self.draw_front(sketch, root, bones)

    # Parts each design draws its own way.

    def draw_behind(self, sketch: Sketch, root: Frame, bones: Skeleton) -> None:
        """Cables flying out of the head (from :meth:`cable_roots`) when the pose whips it."""
        if self.pose.hair_flow > 0.6:
            self.draw_cables(sketch, root.child(*bones.head, bones.head_angle), self.cable_roots(),
                             self.palette["cables"])

    def cable_roots(self) -> list[Vec]:
        """Where cables leave the head, in the head's frame; none by default."""
        return []

    def draw_torso(self, sketch: Sketch, torso: Frame) -> None:
        """The torso in its frame: origin at the hip centre, -y up the spine."""
        raise NotImplementedError

    def draw_head(self, sketch: Sketch, head: Frame) -> None:
        """The head in its frame: origin at the head's centre, -y up."""
        raise NotImplementedError

    def draw_arm(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """One arm (0 the left of the picture, 1 the right), hand included."""
        raise NotImplementedError

    def draw_front(self, sketch: Sketch, root: Frame, bones: Skeleton) -> None:
        """Anything over the body (motion lines, props); nothing by default."""

    # Shared parts.

    def draw_leg(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """Thigh and shin in the legs colour, then the boot."""
        body = self.body
        hip, knee, ankle = bones.hips[side], bones.knees[side], bones.ankles[side]
        radius = body.leg_radius
        sketch.inked([capsule(root.pt(*hip), root.pt(*knee), radius * 1.15 * root.scale, radius * root.scale),
                      capsule(root.pt(*knee), root.pt(*ankle), radius * root.scale, radius * 0.9 * root.scale)],
                     self.palette["legs"], self.ink_px)
        self.draw_boot(sketch, root, bones, side)

    def draw_boot(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """A chunky boot: thick sole, the upper over it, a cuff at the top, laces and a shine on the toe."""
        body, ink = self.body, self.ink_px
        sole, upper = self.boot_shapes(root, bones, side)
        sketch.inked([sole], self.palette["sole"], ink)
        sketch.inked([upper], self.palette["boots"], ink)
        frame = self._boot_frame(root, bones, side)
        height, shaft = body.boot_height, body.leg_radius * 1.2
        cuff = rounded_box(frame, (-shaft * 1.02, -height * 0.95, shaft * 1.02, -height * 0.55), height * 0.12)
        sketch.inked([cuff], shade(self.palette["boots"], 1.45), ink * 0.8)
        for row in (-0.3, -0.05):
            lace = [frame.pt(-shaft * 0.4, height * row), frame.pt(shaft * 0.4, height * (row + 0.08))]
            sketch.stroke(lace, ink * 0.7, shade(self.palette["boots"], 1.8))
        toe = self._toe_x(side)
        shine = circle(*frame.pt(toe, height * 0.45), height * 0.25 * root.scale, 200, 280)
        sketch.stroke(shine, ink * 0.9, shade(self.palette["boots"], 1.8))

    def boot_shapes(self, root: Frame, bones: Skeleton, side: int) -> tuple[list[Point], list[Point]]:
        """The sole and upper polygons of one boot, pixels."""
        body = self.body
        frame = self._boot_frame(root, bones, side)
        height, toe = body.boot_height, self._toe_x(side)
        # Side on, the heel sits behind the toe; facing us, the boot is as round on both sides.
        side_on = abs(self.pose.toes) > 0.3
        heel = toe - math.copysign(body.boot_length * 0.62, toe) if side_on else -toe
        shaft = body.leg_radius * 1.2
        upper = rounded_hull(frame.circles([(-shaft * 0.5, -height * 0.5, shaft * 0.5),
                                            (shaft * 0.5, -height * 0.5, shaft * 0.5),
                                            (toe, height * 0.42, height * 0.5),
                                            (heel, height * 0.5, height * 0.42)]))
        left, right = min(toe, heel) - height * 0.55, max(toe, heel) + height * 0.55
        sole = rounded_hull(frame.circles([(left + height * 0.17, height * 0.85, height * 0.17),
                                           (right - height * 0.17, height * 0.85, height * 0.17)]))
        return sole, upper

    def draw_hand(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int, *, color: Color, fist: bool) -> None:
        """A round cartoon hand at the wrist: a fist with knuckle lines, or an open mitt with a thumb."""
        hand = self.hand_frame(root, bones, side)
        radius = self.body.hand_radius
        palm = rounded_hull(hand.circles([(0, radius * 0.9, radius)]))
        outward = -1 if side == 0 else 1
        if fist:
            sketch.inked([palm], color, self.ink_px)
            for offset in (-0.35, 0.25):
                knuckle = [hand.pt(radius * offset, radius * 0.55), hand.pt(radius * (offset + 0.15), radius * 1.25)]
                sketch.stroke(knuckle, self.ink_px * 0.7, shade(color, 0.55))
        else:
            thumb = rounded_hull(hand.circles([(0, radius * 0.6, radius * 0.3),
                                               (-outward * radius * 1.05, radius * 0.35, radius * 0.32)]))
            sketch.inked([palm, thumb], color, self.ink_px)

    def hand_frame(self, root: Frame, bones: Skeleton, side: int) -> Frame:
        """A frame at the wrist whose +y runs along the forearm, out of the hand."""
        elbow, wrist = bones.elbows[side], bones.wrists[side]
        angle = math.degrees(math.atan2(wrist[0] - elbow[0], wrist[1] - elbow[1]))
        return root.child(*wrist, -angle)

    def draw_cables(self, sketch: Sketch, head: Frame, roots: Sequence[Vec], color: Color) -> None:
        """Cables whipping out of the head from ``roots``, further the higher the ``hair_flow``; a plug on each end."""
        flow = self.pose.hair_flow
        length = 0.15 + 0.07 * flow
        for index, (x, y) in enumerate(roots):
            outward = -1 if x < 0 else 1
            swing = math.radians(150 - 95 * flow - 18 * index)
            end = (x + outward * length * math.sin(swing) * 0.9, y - length * math.cos(swing))
            control = (x + outward * 0.06, y + 0.05 * (1 - flow))
            bend = (end[0] - outward * 0.05, end[1] + 0.07 * flow)
            points = head.pts(bezier((x, y), control, bend, end, 20))
            sketch.stroke(points, self.ink_px * 1.6, color, self.ink_px)
            plug = rounded_hull(head.circles([(*end, 0.014), (end[0] + outward * 0.02 * math.sin(swing),
                                                               end[1] - 0.02 * math.cos(swing), 0.014)]))
            sketch.inked([plug], self.palette["metal"], self.ink_px)

    def draw_motion_lines(self, sketch: Sketch, head: Frame) -> None:
        """Cartoon speed arcs beside the head when it whips (``hair_flow`` near 1)."""
        if self.pose.hair_flow < 0.8:
            return
        for index in range(3):
            radius = 0.17 + 0.045 * index
            arc = circle(*head.origin, radius * head.scale, head.angle - 150 - index * 6, head.angle - 112 - index * 4)
            sketch.stroke(arc, self.ink_px * 0.8, self.palette["glow"])

    def _root_frame(self, bones: Skeleton, size: tuple[int, int]) -> Frame:
        """The frame of the whole figure, placed so the lowest sole sits on the anchor, the boots centred on it."""
        scale = FIGURE_HEIGHT * size[1]
        probe = Frame((0.0, 0.0), 0.0, scale)
        points = [p for side in (0, 1) for shape in self.boot_shapes(probe, bones, side) for p in shape]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        anchor_x, anchor_y = self.anchor(size[1])
        origin = (anchor_x * size[0] - (min(xs) + max(xs)) / 2, anchor_y * size[1] - self.ink_px - max(ys))
        return Frame(origin, 0.0, scale)

    def _boot_frame(self, root: Frame, bones: Skeleton, side: int) -> Frame:
        turn = (self.pose.foot_left, self.pose.foot_right)[side]
        return root.child(*bones.ankles[side], turn)

    def _toe_x(self, side: int) -> float:
        """How far the toe sits from the ankle, sideways: splayed out when facing us, forward when walking."""
        body, toes = self.body, self.pose.toes
        outward = -1 if side == 0 else 1
        return body.boot_length * (0.42 * toes + 0.2 * outward * (1 - abs(toes)))


def trim_width(images: Mapping[str, Image.Image], margin_px: int) -> dict[str, Image.Image]:
    """Crop pose images to one common width, keeping their centre column (the anchor) in the centre.

    The width is the widest pose's reach either side of the centre plus
    ``margin_px``, so no pose is cut and the anchor stays at half the width.
    """
    centre = next(iter(images.values())).width // 2
    reach = 0
    for image in images.values():
        box = image.getchannel("A").getbbox()
        if box is not None:
            reach = max(reach, centre - box[0], box[2] - centre)
    half = min(centre, reach + margin_px)
    return {name: image.crop((centre - half, 0, centre + half, image.height)) for name, image in images.items()}


def _recoloured(palette: Mapping[str, Color], slots: Sequence[str], seed: int) -> dict[str, Color]:
    """The palette with ``slots`` turned round the colour wheel by a seed-picked angle (none for seed 0).

    Successive seeds step by the golden angle, so neighbouring seeds look far apart.
    """
    if seed == 0:
        return dict(palette)
    turn = (seed * 0.381966) % 1.0
    result = dict(palette)
    for slot in slots:
        red, green, blue = (c / 255 for c in palette[slot][:3])
        hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
        rgb = colorsys.hls_to_rgb((hue + turn) % 1.0, lightness, saturation)
        result[slot] = (round(rgb[0] * 255), round(rgb[1] * 255), round(rgb[2] * 255))
    return result


def _nudged(body: Proportions, seed: int) -> Proportions:
    """Proportions changed by up to 4 % each for seeds other than 0."""
    if seed == 0:
        return body
    rng = random.Random(seed)
    head = rng.uniform(0.96, 1.04)
    build = rng.uniform(0.96, 1.04)
    return replace(body, head_width=body.head_width * head, head_height=body.head_height * head,
                   shoulder_width=body.shoulder_width * build, hip_width=body.hip_width * build,
                   arm_radius=body.arm_radius * build, leg_radius=body.leg_radius * build)
