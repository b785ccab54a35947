"""The secondary character: a boxy orange robot drummer with a bass drum for a chest and heavy boots."""

from __future__ import annotations

import math

from ..ink import Color, Frame, Sketch, capsule, circle, rounded_box, rounded_hull, shade
from .figure import Figure
from .poses import Proportions, Skeleton, Vec


class RobotDrummer(Figure):
    """Screen face with round eyes, an antenna, cable dreadlocks, piston limbs and a drumstick in each fist."""

    NAME = "robot_drummer"
    TITLE = "Robot Drummer"
    PALETTE: dict[str, Color] = {
        "shell": (244, 134, 46),
        "metal": (168, 180, 198),
        "joint": (92, 98, 122),
        "screen": (34, 36, 58),
        "glow": (255, 228, 84),
        "drum": (250, 241, 218),
        "rim": (222, 54, 66),
        "sticks": (240, 206, 142),
        "cables": (70, 190, 120),
        "legs": (120, 130, 152),
        "boots": (66, 64, 80),
        "sole": (255, 196, 40),
    }
    RECOLOURED = ("shell", "rim", "cables")
    BODY = Proportions(
        head_width=0.25, head_height=0.2, neck=0.02, torso=0.26,
        shoulder_width=0.3, hip_width=0.17,
        upper_arm=0.13, forearm=0.125, arm_radius=0.03, hand_radius=0.047,
        thigh=0.15, shin=0.145, leg_radius=0.04,
        boot_length=0.16, boot_height=0.1,
    )

    def cable_roots(self) -> list[tuple[float, float]]:
        """Cable dreadlocks out of the top corners of the head."""
        half = self.body.head_width / 2
        return [(-half + 0.02, -0.05), (half - 0.02, -0.05), (-half + 0.05, -0.07)]

    def draw_leg(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """A piston leg with a bolted knee joint."""
        super().draw_leg(sketch, root, bones, side)
        knee = circle(*root.pt(*bones.knees[side]), self.body.leg_radius * 0.95 * root.scale)
        sketch.inked([knee], self.palette["joint"], self.ink_px * 0.8)
        sketch.dot(root.pt(*bones.knees[side]), self.body.leg_radius * 0.3 * root.scale, self.palette["metal"])

    def draw_torso(self, sketch: Sketch, torso: Frame) -> None:
        """A barrel body with a bass drum on the chest, a neck piston and a hip block."""
        body, palette, ink = self.body, self.palette, self.ink_px
        top, half = -body.torso, body.shoulder_width / 2
        neck = capsule(torso.pt(0, top + 0.04), torso.pt(0, top - body.neck - 0.05), 0.03 * torso.scale)
        sketch.inked([neck], palette["joint"], ink)
        hips = rounded_box(torso, (-0.09, -0.06, 0.09, 0.03), 0.03)
        sketch.inked([hips], palette["joint"], ink)
        barrel = rounded_hull(torso.circles([(-half + 0.06, top + 0.06, 0.06), (half - 0.06, top + 0.06, 0.06),
                                             (-0.085, -0.07, 0.07), (0.085, -0.07, 0.07)]))
        sketch.inked([barrel], palette["shell"], ink)
        band = rounded_box(torso, (-0.13, -0.07, 0.13, -0.035), 0.015)
        sketch.inked([band], shade(palette["shell"], 0.75), ink * 0.8)
        self._bass_drum(sketch, torso.child(0, top + 0.11))

    def _bass_drum(self, sketch: Sketch, centre: Frame) -> None:
        """A red rim with tension lugs round a cream drum head with a star on it."""
        palette, ink = self.palette, self.ink_px
        radius = 0.078
        for index in range(8):
            angle = index * 45 + 22.5
            lug = centre.child(0, 0, angle)
            sketch.inked([rounded_box(lug, (-0.008, -radius - 0.014, 0.008, -radius + 0.01), 0.004)],
                         palette["metal"], ink * 0.6)
        sketch.inked([circle(*centre.origin, radius * centre.scale)], palette["rim"], ink)
        sketch.inked([circle(*centre.origin, radius * 0.78 * centre.scale)], palette["drum"], ink * 0.7)
        star = [centre.pt(0.04 * (1 if i % 2 == 0 else 0.45) * math.sin(math.radians(i * 36)),
                          -0.04 * (1 if i % 2 == 0 else 0.45) * math.cos(math.radians(i * 36))) for i in range(10)]
        sketch.flat(star, palette["rim"])

    def draw_head(self, sketch: Sketch, head: Frame) -> None:
        """A boxy shell with ear bolts, an antenna and a face screen."""
        body, palette, ink = self.body, self.palette, self.ink_px
        width, height = body.head_width, body.head_height
        self._antenna(sketch, head, height)
        for side in (-1, 1):
            ear = rounded_hull(head.circles([(side * width / 2, 0.0, 0.032)]))
            sketch.inked([ear], palette["metal"], ink)
        shell = rounded_box(head, (-width / 2, -height / 2, width / 2, height / 2), 0.045)
        sketch.inked([shell], palette["shell"], ink)
        top = -height / 2
        brow = rounded_box(head, (-width / 2 + 0.01, top + 0.008, width / 2 - 0.01, top + 0.035), 0.012)
        sketch.flat(brow, shade(palette["shell"], 1.25))
        drop = self.pose.nod * 0.02
        look = self.pose.look * 0.022
        face = head.child(look, drop)
        screen = rounded_box(face, (-width / 2 + 0.028, top + 0.045, width / 2 - 0.028, -top - 0.03), 0.03)
        sketch.inked([screen], palette["screen"], ink * 0.8)
        self._face(sketch, head.child(look * 1.3, drop))

    def _antenna(self, sketch: Sketch, head: Frame, height: float) -> None:
        """A thin rod swept back by ``hair_flow``, with a red ball on top."""
        flow = self.pose.hair_flow
        base = (0.0, -height / 2)
        tip = (-0.07 * flow - 0.01, -height / 2 - 0.1 + 0.02 * flow)
        sketch.stroke(head.pts([base, ((base[0] + tip[0]) / 2 + 0.02, (base[1] + tip[1]) / 2), tip]),
                      self.ink_px * 1.2, self.palette["metal"], self.ink_px)
        sketch.inked([circle(*head.pt(*tip), 0.022 * head.scale)], self.palette["rim"], self.ink_px)
        sketch.dot(head.pt(tip[0] - 0.007, tip[1] - 0.007), 0.006 * head.scale, (255, 255, 255))

    def _face(self, sketch: Sketch, face: Frame) -> None:
        """Two round glowing eyes and a mouth drawn in light on the screen."""
        palette, ink, mouth = self.palette, self.ink_px, self.pose.mouth
        squint = 0.45 if mouth == "shout" else 1.0
        for side in (-1, 1):
            eye = rounded_hull(face.circles([(side * 0.052, -0.022, 0.026), (side * 0.052, -0.022 + 0.001, 0.026)]))
            if squint < 1:
                eye = rounded_hull(face.circles([(side * 0.052 - 0.012, -0.02, 0.013),
                                                 (side * 0.052 + 0.012, -0.02, 0.013)]))
            sketch.flat(eye, palette["glow"])
            sketch.dot(face.pt(side * 0.052 + 0.01, -0.03), 0.007 * face.scale * squint, (255, 255, 255))
        glow = palette["glow"]
        if mouth == "smile":
            sketch.stroke(circle(*face.pt(0, 0.012), 0.03 * face.scale, face.angle + 35, face.angle + 145), ink, glow)
        elif mouth == "grin":
            grin = [face.pt(-0.04, 0.025), face.pt(0.04, 0.025),
                    *circle(*face.pt(0, 0.025), 0.04 * face.scale, face.angle, face.angle + 180)]
            sketch.flat(grin, glow)
        else:
            sketch.flat(rounded_hull(face.circles([(0, 0.038, 0.024)])), glow)

    def draw_arm(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """A piston arm with ribbed bands, an orange shoulder ball and a fist gripping a drumstick."""
        palette, ink = self.palette, self.ink_px
        shoulder, elbow, wrist = bones.shoulders[side], bones.elbows[side], bones.wrists[side]
        radius = self.body.arm_radius * root.scale
        sketch.inked([capsule(root.pt(*shoulder), root.pt(*elbow), radius), capsule(root.pt(*elbow), root.pt(*wrist),
                                                                                     radius)],
                     palette["metal"], ink)
        for start, end in ((shoulder, elbow), (elbow, wrist)):
            for t in (0.35, 0.55, 0.75):
                self._rib(sketch, root, (start, end), t=t, radius=radius)
        sketch.inked([circle(*root.pt(*elbow), radius * 1.05)], palette["joint"], ink * 0.8)
        sketch.inked([circle(*root.pt(*shoulder), radius * 1.6)], palette["shell"], ink)
        self._drumstick(sketch, root, bones, side)
        self.draw_hand(sketch, root, bones, side, color=palette["joint"], fist=True)

    def _rib(self, sketch: Sketch, root: Frame, segment: tuple[Vec, Vec], *, t: float, radius: float) -> None:
        """One darker band across a limb segment (start and end joints), ``t`` of the way along it."""
        start, end = segment
        x, y = root.pt(start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        angle = math.atan2(end[1] - start[1], end[0] - start[0]) + math.pi / 2
        dx, dy = math.cos(angle) * radius * 0.8, math.sin(angle) * radius * 0.8
        sketch.stroke([(x - dx, y - dy), (x + dx, y + dy)], self.ink_px * 0.7, shade(self.palette["metal"], 0.7))

    def _drumstick(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """A stick held in the fist across the forearm, tilted whichever way points it more upward."""
        hand = self.hand_frame(root, bones, side)
        grip = self.body.hand_radius * 0.9
        outward = -1 if side == 0 else 1

        def tip_for(turn_deg: float) -> tuple[float, float]:
            turn = math.radians(turn_deg)
            return (0.2 * math.sin(turn), grip + 0.2 * math.cos(turn))

        def height_and_outwardness(turn_deg: float) -> tuple[float, float]:
            x, y = hand.pt(*tip_for(turn_deg))
            return (-round(y / (hand.scale * 0.02)), outward * x)

        turn = max((80.0, -80.0), key=height_and_outwardness) + self.pose.stick_swing
        tip, butt = tip_for(turn), (-0.03 * math.sin(math.radians(turn)), grip - 0.03 * math.cos(math.radians(turn)))
        sketch.stroke(hand.pts([butt, tip]), 0.016 * hand.scale, self.palette["sticks"], self.ink_px)
        sketch.inked([circle(*hand.pt(*tip), 0.013 * hand.scale)], self.palette["sticks"], self.ink_px * 0.8)

    def draw_front(self, sketch: Sketch, root: Frame, bones: Skeleton) -> None:
        """Speed lines when headbanging."""
        self.draw_motion_lines(sketch, root.child(*bones.head, bones.head_angle))
