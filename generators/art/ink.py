"""Inked flat shapes: a supersampled drawing surface and the geometry that feeds it.

Everything is drawn at ``supersample`` times the output size and shrunk with
LANCZOS at the end, so edges come out anti-aliased. Coordinates are output
pixels (floats, y down). An inked shape gets a dark outline of ``ink_px``
pixels all around its outside, the bold cartoon line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

Point = tuple[float, float]
Color = tuple[int, int, int] | tuple[int, int, int, int]
Circle = tuple[float, float, float]

INK: Color = (24, 18, 32)


class Sketch:
    """A drawing surface ``supersample`` times larger than the image it finally gives.

    Parameters
    ----------
    size : (int, int)
        Output width and height, pixels.
    supersample : int
        Drawing scale; 3 gives smooth edges after the LANCZOS shrink.
    background : colour or None
        None gives a transparent RGBA surface (characters), where every fill
        replaces what is under it; a colour gives an opaque RGB surface on
        which translucent fills blend (backgrounds: beams, glows, haze).
    """

    def __init__(self, size: tuple[int, int], supersample: int = 3, background: Color | None = None) -> None:
        self.size = size
        self.factor = supersample
        big = (size[0] * supersample, size[1] * supersample)
        if background is None:
            self.image = Image.new("RGBA", big, (0, 0, 0, 0))
            self._draw = ImageDraw.Draw(self.image)
        else:
            self.image = Image.new("RGB", big, background[:3])
            self._draw = ImageDraw.Draw(self.image, "RGBA")

    def inked(self, polygons: Sequence[Sequence[Point]], fill: Color, ink_px: float, ink: Color = INK) -> None:
        """Fill polygons as one flat shape with an outline around their union.

        All outlines are drawn before any fill, so overlapping polygons (an
        upper arm and a forearm) merge into one silhouette without inner lines.
        """
        width = self._px(2 * ink_px)
        for polygon in polygons:
            points = self._scaled(polygon)
            self._draw.polygon(points, fill=ink)
            self._draw.line([*points, points[0], points[1]], fill=ink, width=width, joint="curve")
        for polygon in polygons:
            self._draw.polygon(self._scaled(polygon), fill=fill)

    def flat(self, polygon: Sequence[Point], fill: Color) -> None:
        """Fill a polygon without an outline (a highlight, a panel, a light beam)."""
        self._draw.polygon(self._scaled(polygon), fill=fill)

    def stroke(self, points: Sequence[Point], width_px: float, fill: Color, ink_px: float = 0.0,
               ink: Color = INK) -> None:
        """A thick polyline with round ends and joints, outlined when ``ink_px`` > 0 (a cable, a stick)."""
        if ink_px > 0:
            self._polyline(points, width_px + 2 * ink_px, ink)
        self._polyline(points, width_px, fill)

    def dot(self, centre: Point, radius_px: float, fill: Color) -> None:
        """A filled disc without an outline."""
        self.flat(circle(centre[0], centre[1], radius_px), fill)

    def result(self) -> Image.Image:
        """The drawing shrunk to the output size with LANCZOS."""
        return self.image.resize(self.size, Image.Resampling.LANCZOS)

    def _polyline(self, points: Sequence[Point], width_px: float, fill: Color) -> None:
        scaled = self._scaled(points)
        radius = width_px * self.factor / 2
        self._draw.line(scaled, fill=fill, width=self._px(width_px), joint="curve")
        for x, y in (scaled[0], scaled[-1]):
            self._draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)

    def _scaled(self, points: Iterable[Point]) -> list[Point]:
        factor = self.factor
        return [(x * factor, y * factor) for x, y in points]

    def _px(self, length: float) -> int:
        return max(1, round(length * self.factor))


@dataclass(frozen=True)
class Frame:
    """A local coordinate frame: ``origin`` in pixels, rotated clockwise by ``angle`` degrees, ``scale`` px per unit.

    Body parts are described in their own frame (a visor is a rectangle across
    the head's frame) and land on screen wherever the pose puts that frame.
    """

    origin: Point
    angle: float = 0.0
    scale: float = 1.0

    def pt(self, x: float, y: float) -> Point:
        """A local point in screen pixels."""
        radians = math.radians(self.angle)
        cos, sin = math.cos(radians), math.sin(radians)
        return (self.origin[0] + self.scale * (x * cos - y * sin), self.origin[1] + self.scale * (x * sin + y * cos))

    def pts(self, points: Iterable[Point]) -> list[Point]:
        """Local points in screen pixels."""
        return [self.pt(x, y) for x, y in points]

    def child(self, x: float, y: float, angle: float = 0.0) -> Frame:
        """The frame at local point (x, y), turned a further ``angle`` degrees."""
        return Frame(self.pt(x, y), self.angle + angle, self.scale)

    def circles(self, circles: Iterable[Circle]) -> list[Circle]:
        """Local circles (x, y, radius) in screen pixels."""
        return [(*self.pt(x, y), r * self.scale) for x, y, r in circles]


def circle(cx: float, cy: float, radius: float, start_deg: float = 0.0, end_deg: float = 360.0) -> list[Point]:
    """Points on a circle or an arc, enough of them for a smooth edge at that radius.

    Angles are degrees clockwise from +x (screen coordinates, y down).
    """
    span = end_deg - start_deg
    count = max(8, int(abs(span) / 360 * min(96, 12 + radius * 0.8)))
    steps = (math.radians(start_deg + span * i / count) for i in range(count + (span < 360)))
    return [(cx + radius * math.cos(a), cy + radius * math.sin(a)) for a in steps]


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """The convex hull of points, in order around it (Andrew's monotone chain)."""
    ordered = sorted(set(points))
    if len(ordered) < 3:
        return ordered

    def half(sequence: Iterable[Point]) -> list[Point]:
        chain: list[Point] = []
        for p in sequence:
            while len(chain) >= 2 and _cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        return chain[:-1]

    return half(ordered) + half(reversed(ordered))


def rounded_hull(circles: Iterable[Circle]) -> list[Point]:
    """The convex hull of circles (x, y, radius): capsules, tapered limbs, rounded boxes."""
    return convex_hull(p for x, y, r in circles for p in circle(x, y, r))


def capsule(start: Point, end: Point, start_radius: float, end_radius: float | None = None) -> list[Point]:
    """A limb segment: the hull of two discs, tapered when the radii differ."""
    radius = start_radius if end_radius is None else end_radius
    return rounded_hull([(*start, start_radius), (*end, radius)])


def rounded_box(frame: Frame, box: tuple[float, float, float, float], radius: float) -> list[Point]:
    """A rounded rectangle (left, top, right, bottom) given in a frame's local units."""
    left, top, right, bottom = box
    corners = [(left + radius, top + radius), (right - radius, top + radius),
               (right - radius, bottom - radius), (left + radius, bottom - radius)]
    return rounded_hull(frame.circles((x, y, radius) for x, y in corners))


def bezier(p0: Point, p1: Point, p2: Point, p3: Point, count: int = 24) -> list[Point]:
    """Points along a cubic Bezier curve (a cable, a hair strand, a motion line)."""
    points = []
    for i in range(count + 1):
        t = i / count
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        points.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return points


def clip(polygon: Sequence[Point], start: Point, end: Point) -> list[Point]:
    """The part of a convex or simple polygon left of the line from ``start`` to ``end`` (screen axes).

    "Left" is as seen walking from ``start`` to ``end`` on screen, y down: with
    ``start`` to the left of ``end`` it keeps what is above the line. Used for
    hair caps and cel-shaded halves of a shape (Sutherland-Hodgman, one edge).
    """
    def inside(p: Point) -> bool:
        return _cross(start, end, p) <= 0

    def crossing(a: Point, b: Point) -> Point:
        da, db = _cross(start, end, a), _cross(start, end, b)
        t = da / (da - db)
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)

    result: list[Point] = []
    for index, current in enumerate(polygon):
        previous = polygon[index - 1]
        if inside(current):
            if not inside(previous):
                result.append(crossing(previous, current))
            result.append(current)
        elif inside(previous):
            result.append(crossing(previous, current))
    return result


def shade(color: Color, factor: float) -> Color:
    """A colour made darker (factor < 1) or lighter (factor > 1), alpha kept."""
    if factor <= 1:
        rgb = [round(c * factor) for c in color[:3]]
    else:
        rgb = [round(c + (255 - c) * (factor - 1)) for c in color[:3]]
    return (rgb[0], rgb[1], rgb[2], *color[3:])


def with_alpha(color: Color, alpha: int) -> Color:
    """The colour with the given alpha (0..255)."""
    return (color[0], color[1], color[2], alpha)


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
