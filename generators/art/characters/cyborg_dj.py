"""The main character: a cyborg DJ with a magenta mohawk, a visor, big headphones and one robot arm."""

from __future__ import annotations

import math

from ..ink import INK, Color, Frame, Sketch, capsule, circle, clip, rounded_box, rounded_hull, shade
from .figure import Figure
from .poses import Proportions, Skeleton


class CyborgDJ(Figure):
    """Teal jacket over an equaliser shirt, a steel arm (left of the picture), headphones whose cables fly."""

    NAME = "cyborg_dj"
    TITLE = "Cyborg DJ"
    PALETTE: dict[str, Color] = {
        "skin": (246, 196, 150),
        "hair": (238, 60, 152),
        "jacket": (34, 168, 178),
        "shirt": (44, 36, 70),
        "metal": (178, 192, 210),
        "visor": (34, 30, 58),
        "glow": (110, 255, 236),
        "headphones": (255, 200, 44),
        "legs": (58, 60, 104),
        "boots": (72, 64, 86),
        "sole": (232, 72, 60),
        "mouth": (150, 30, 60),
        "cables": (44, 36, 70),
    }
    RECOLOURED = ("hair", "jacket", "headphones", "legs")
    BODY = Proportions(
        head_width=0.225, head_height=0.23, neck=0.012, torso=0.265,
        shoulder_width=0.25, hip_width=0.15,
        upper_arm=0.14, forearm=0.13, arm_radius=0.035, hand_radius=0.045,
        thigh=0.165, shin=0.16, leg_radius=0.045,
        boot_length=0.13, boot_height=0.085,
    )

    def cable_roots(self) -> list[tuple[float, float]]:
        """The headphone cables leave from the cups."""
        half = self.body.head_width / 2 + 0.015
        return [(-half, 0.03), (half, 0.035)]

    def draw_torso(self, sketch: Sketch, torso: Frame) -> None:
        """Jacket, shirt with an equaliser, collar and belt."""
        body, palette, ink = self.body, self.palette, self.ink_px
        top, half = -body.torso, body.shoulder_width / 2
        neck = capsule(torso.pt(0, top + 0.03), torso.pt(0, top - body.neck - 0.06), 0.027 * torso.scale)
        sketch.inked([neck], shade(palette["skin"], 0.82), ink)
        jacket = rounded_hull(torso.circles([(-half + 0.035, top + 0.05, 0.05), (half - 0.035, top + 0.05, 0.05),
                                             (-0.065, -0.025, 0.045), (0.065, -0.025, 0.045)]))
        sketch.inked([jacket], palette["jacket"], ink)
        shirt = torso.pts([(-0.05, top + 0.012), (0.05, top + 0.012), (0.042, -0.05), (-0.042, -0.05)])
        sketch.inked([shirt], palette["shirt"], ink * 0.6)
        self._equaliser(sketch, torso)
        for side in (-1, 1):
            lapel = torso.pts([(side * 0.05, top + 0.005), (side * 0.1, top + 0.02), (side * 0.052, top + 0.12)])
            sketch.inked([lapel], shade(palette["jacket"], 0.78), ink * 0.8)
        belt = rounded_box(torso, (-0.085, -0.055, 0.085, -0.022), 0.012)
        sketch.inked([belt], palette["shirt"], ink)
        buckle = rounded_box(torso, (-0.022, -0.058, 0.022, -0.019), 0.008)
        sketch.inked([buckle], palette["headphones"], ink * 0.8)
        pad = rounded_hull(torso.circles([(-half + 0.02, top + 0.04, 0.048), (-half + 0.06, top + 0.025, 0.035)]))
        sketch.inked([pad], palette["metal"], ink)

    def _equaliser(self, sketch: Sketch, torso: Frame) -> None:
        """Five glowing bars on the shirt, their heights set by the pose."""
        levels = self._equaliser_levels()
        colours = [self.palette["glow"], self.palette["glow"], self.palette["headphones"],
                   self.palette["headphones"], self.palette["hair"]]
        bottom = -0.065
        for index, (level, color) in enumerate(zip(levels, colours, strict=True)):
            x = -0.032 + index * 0.016
            bar = torso.pts([(x - 0.006, bottom), (x + 0.006, bottom),
                             (x + 0.006, bottom - level), (x - 0.006, bottom - level)])
            sketch.flat(bar, color)

    def _equaliser_levels(self) -> list[float]:
        """Bar heights: higher the more the pose moves, a different pattern per pose and seed."""
        energy = min(1.0, 0.35 + abs(self.pose.torso_tilt) / 40 + self.pose.hair_flow * 0.4)
        phase = self.pose.head_tilt * 0.2 + self.seed
        return [0.03 + 0.09 * energy * (0.55 + 0.45 * math.sin(phase + i * 1.9)) for i in range(5)]

    def draw_head(self, sketch: Sketch, head: Frame) -> None:
        """Mohawk, face, hair cap, visor with glowing eyes, mouth, cheek plate, headphones."""
        body, palette, ink = self.body, self.palette, self.ink_px
        width, height = body.head_width, body.head_height
        self._mohawk(sketch, head, height)
        face = rounded_hull(head.circles([(-width / 2 + 0.05, -height / 2 + 0.055, 0.05),
                                          (width / 2 - 0.05, -height / 2 + 0.055, 0.05),
                                          (-width / 2 + 0.055, height / 2 - 0.045, 0.045),
                                          (width / 2 - 0.055, height / 2 - 0.045, 0.045)]))
        sketch.inked([face], palette["skin"], ink)
        drop = self.pose.nod * 0.03
        fringe = -0.048 + drop
        cap = clip(face, head.pt(-width, fringe - 0.012), head.pt(width, fringe + 0.01))
        sketch.flat(cap, palette["hair"])
        sketch.stroke([head.pt(-width / 2 + 0.004, fringe - 0.011), head.pt(width / 2 - 0.004, fringe + 0.009)],
                      ink * 0.8, INK)
        look = self.pose.look * 0.022
        self._cheek_plate(sketch, head, width, look, drop)
        self._visor(sketch, head, width, look, drop)
        self._mouth(sketch, head, look, drop)
        self._headphones(sketch, head, width, height)

    def _mohawk(self, sketch: Sketch, head: Frame, height: float) -> None:
        """Four spikes along the top of the head, swept back by ``hair_flow``."""
        flow = self.pose.hair_flow
        base = -height / 2 + 0.03
        spikes = []
        for index in range(4):
            x = -0.045 + index * 0.03
            lean = math.radians(-30 + index * 18 - 60 * flow)
            length = 0.095 + 0.02 * math.sin(index * 2.1) + 0.04 * flow
            tip = (x + length * math.sin(lean), base - length * math.cos(lean))
            spikes.append(head.pts([(x - 0.026, base + 0.02), tip, (x + 0.026, base + 0.02)]))
        sketch.inked(spikes, self.palette["hair"], self.ink_px)

    def _visor(self, sketch: Sketch, head: Frame, width: float, look: float, drop: float) -> None:
        """A dark band across the eyes with two glowing eye shapes and a shine."""
        head = head.child(0, drop)
        visor = rounded_box(head, (-width / 2 - 0.004 + look, -0.035, width / 2 + 0.004 + look, 0.022), 0.024)
        sketch.inked([visor], self.palette["visor"], self.ink_px)
        squint = 0.6 if self.pose.mouth == "shout" else 1.0
        for side in (-1, 1):
            cx = side * 0.042 + look * 1.3
            eye = rounded_hull(head.circles([(cx - 0.012, -0.006, 0.012 * squint),
                                             (cx + 0.012, -0.006, 0.012 * squint)]))
            sketch.flat(eye, self.palette["glow"])
        shine = head.pts([(-width / 2 + 0.03 + look, -0.03), (-width / 2 + 0.05 + look, -0.03),
                          (-width / 2 + 0.035 + look, 0.016), (-width / 2 + 0.02 + look, 0.016)])
        sketch.flat(shine, shade(self.palette["visor"], 2.2))

    def _mouth(self, sketch: Sketch, head: Frame, look: float, drop: float) -> None:
        """A smile, an open grin or a shout, by pose."""
        ink, mouth = self.ink_px, self.pose.mouth
        cx, cy = look * 1.2, 0.058 + drop * 0.6
        if mouth == "smile":
            arc = circle(*head.pt(cx, cy - 0.022), 0.03 * head.scale, head.angle + 30, head.angle + 150)
            sketch.stroke(arc, ink * 0.9, INK)
        elif mouth == "grin":
            grin = [head.pt(cx - 0.036, cy - 0.01), head.pt(cx + 0.036, cy - 0.01),
                    *circle(*head.pt(cx, cy - 0.01), 0.036 * head.scale, head.angle, head.angle + 180)]
            sketch.inked([grin], self.palette["mouth"], ink * 0.8)
            teeth = head.pts([(cx - 0.03, cy - 0.008), (cx + 0.03, cy - 0.008), (cx + 0.026, cy + 0.004),
                              (cx - 0.026, cy + 0.004)])
            sketch.flat(teeth, (255, 255, 255))
        else:
            shout = rounded_hull(head.circles([(cx, cy - 0.004, 0.022), (cx, cy + 0.012, 0.026)]))
            sketch.inked([shout], self.palette["mouth"], ink * 0.8)
            tongue = rounded_hull(head.circles([(cx, cy + 0.022, 0.013)]))
            sketch.flat(tongue, (240, 110, 130))

    def _cheek_plate(self, sketch: Sketch, head: Frame, width: float, look: float, drop: float) -> None:
        """The cyborg half: a steel plate on the right cheek with bolts and a red light."""
        head = head.child(0, drop * 0.8)
        right = width / 2
        plate = head.pts([(right - 0.058 + look, 0.0), (right + 0.004, -0.01), (right + 0.004, 0.07),
                          (right - 0.03 + look, 0.085), (right - 0.062 + look, 0.05)])
        sketch.inked([plate], self.palette["metal"], self.ink_px * 0.8)
        for bx, by in ((right - 0.046 + look, 0.052), (right - 0.016, 0.06)):
            sketch.dot(head.pt(bx, by), 0.006 * head.scale, shade(self.palette["metal"], 0.55))
        sketch.dot(head.pt(right - 0.022, 0.028), 0.008 * head.scale, (255, 60, 70))

    def _headphones(self, sketch: Sketch, head: Frame, width: float, height: float) -> None:
        """A thick band over the mohawk's base and a big cup on each ear."""
        color, ink = self.palette["headphones"], self.ink_px
        half = width / 2
        band = circle(*head.origin, (half + 0.012) * head.scale, head.angle - 172, head.angle - 8)
        sketch.stroke(band, 0.02 * head.scale, shade(color, 0.8), ink)
        for side in (-1, 1):
            ear = head.child(side * half, height * 0.12)
            sketch.inked([rounded_box(ear, (-0.03, -0.045, 0.03, 0.06), 0.026)], color, ink)
            sketch.flat(rounded_box(ear, (-0.014, -0.02, 0.014, 0.035), 0.012), shade(color, 0.72))

    def draw_arm(self, sketch: Sketch, root: Frame, bones: Skeleton, side: int) -> None:
        """The arm on the left of the picture is steel with a glowing elbow; the other is a sleeve and a bare hand."""
        shoulder, elbow, wrist = bones.shoulders[side], bones.elbows[side], bones.wrists[side]
        radius = self.body.arm_radius * root.scale
        parts = [capsule(root.pt(*shoulder), root.pt(*elbow), radius * 1.1, radius),
                 capsule(root.pt(*elbow), root.pt(*wrist), radius, radius * 0.85)]
        if side == 0:
            sketch.inked(parts, self.palette["metal"], self.ink_px)
            sketch.inked([circle(*root.pt(*elbow), radius * 0.75)], shade(self.palette["metal"], 0.7),
                         self.ink_px * 0.7)
            sketch.dot(root.pt(*elbow), radius * 0.3, self.palette["glow"])
            self.draw_hand(sketch, root, bones, side, color=self.palette["metal"], fist=self.pose.fists)
        else:
            sketch.inked(parts, self.palette["jacket"], self.ink_px)
            self.draw_hand(sketch, root, bones, side, color=self.palette["skin"], fist=self.pose.fists)
            hand = self.hand_frame(root, bones, side)
            cuff = rounded_box(hand, (-0.036, -0.02, 0.036, 0.006), 0.01)
            sketch.inked([cuff], shade(self.palette["jacket"], 0.78), self.ink_px * 0.8)

    def draw_front(self, sketch: Sketch, root: Frame, bones: Skeleton) -> None:
        """Speed lines when headbanging."""
        self.draw_motion_lines(sketch, root.child(*bones.head, bones.head_angle))
