"""Trace a flat-coloured cartoon image into filled polygons, for Grease Pencil characters.

Pixel work in numpy (Blender bundles it); a 768 px pose takes about 0.3 s:

1. ``quantize``: the image's few flat colours become a palette; every pixel gets a
   label (0 for see-through, ``i + 1`` for palette colour ``i``), anti-aliased
   edge pixels going to the nearest flat colour.
2. ``region_loops``: the outline of every region of one label, following the
   cracks between pixels. Outer outlines run counter-clockwise (y up), hole
   outlines clockwise.
3. ``simplify_loop``: Douglas-Peucker turns each staircase outline into a few
   straight segments.

``trace`` puts them together. Its shapes are outer outlines only, ordered back to
front by area: a region's holes are covered by the smaller shapes drawn after it,
and holes that are see-through in the image come back as shapes of colour
``HOLE``, to be cut out of what lies beneath (a holdout fill).

Pixels are 8-bit straight RGBA, rows from the bottom of the image up (Blender's
order), so traced points are in pixels with y up from the bottom edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

RGB = tuple[int, int, int]
Point = tuple[float, float]
HOLE = -1
"""Colour of a shape that cuts a see-through hole into the shapes beneath it."""
TRANSPARENT = 0
"""Label of see-through pixels (and of everything outside the image)."""

TRACING_VERSION = 1
"""Bump when ``trace`` draws differently, so tracings saved by an earlier Toonbeat are traced again."""

_INK_LUMINANCE = 64
_EDGE_ALPHA = 16


@dataclass(frozen=True)
class Shape:
    """One filled polygon: ``color`` is a palette index (or ``HOLE``), ``points`` in pixels, y up."""

    color: int
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Quantized:
    """Pixels labelled by flat colour: 0 see-through, ``i + 1`` for palette colour ``i`` (one byte per pixel)."""

    labels: bytearray
    palette: list[RGB]
    edge_counts: list[int]


@dataclass(frozen=True)
class Tracing:
    """An image traced into shapes, back to front, with its palette (sRGB, 0-255) and ink colour."""

    width: int
    height: int
    palette: tuple[RGB, ...]
    outline: int | None
    shapes: tuple[Shape, ...]


def trace(rgba: bytes, width: int, height: int, tolerance: float = 1.0, min_area: float = 6.0,
          max_colors: int = 24) -> Tracing:
    """Trace straight 8-bit RGBA pixels (rows bottom-up) into shapes drawn back to front.

    Parameters
    ----------
    rgba : ``width * height * 4`` bytes, rows from the bottom of the image up.
    width, height : image size, pixels.
    tolerance : largest distance, in pixels, between a simplified outline and the traced one.
    min_area : regions smaller than this many square pixels are dropped (the shape beneath covers them).
    max_colors : most flat colours kept; rarer colours go to the nearest kept one.

    Returns
    -------
    Tracing
        Shapes in painting order (largest first), palette, and the line-art colour (see ``ink_color``).
    """
    quantized = quantize(rgba, width, height, max_colors=max_colors)
    outer: list[tuple[float, int, list[Point]]] = []
    for label, loops in region_loops(quantized.labels, width, height).items():
        for loop in loops:
            area = loop_area(loop)
            if area >= min_area:
                outer.append((area, label, loop))
    outer.sort(key=lambda item: -item[0])
    shapes = tuple(Shape(label - 1 if label != TRANSPARENT else HOLE, tuple(simplify_loop(loop, tolerance)))
                   for _, label, loop in outer)
    palette = tuple(quantized.palette)
    return Tracing(width, height, palette, ink_color(palette, quantized.edge_counts), shapes)


def tracing_to_dict(tracing: Tracing) -> dict[str, Any]:
    """``tracing`` as plain JSON data (``tracing_from_dict`` reads it back); points are rounded to 1/1000 pixel."""
    return {"version": TRACING_VERSION, "width": tracing.width, "height": tracing.height,
            "palette": [list(color) for color in tracing.palette], "outline": tracing.outline,
            "shapes": [[shape.color, [round(v, 3) for point in shape.points for v in point]]
                       for shape in tracing.shapes]}


def tracing_from_dict(document: Any) -> Tracing:
    """The tracing ``tracing_to_dict`` wrote; raises ``ValueError`` for another version or a damaged one."""
    if not isinstance(document, dict) or document.get("version") != TRACING_VERSION:
        raise ValueError(f"not a version {TRACING_VERSION} tracing")
    try:
        shapes = tuple(Shape(int(color), tuple(zip(flat[0::2], flat[1::2], strict=True)))
                       for color, flat in document["shapes"])
        palette = tuple((int(r), int(g), int(b)) for r, g, b in document["palette"])
        return Tracing(int(document["width"]), int(document["height"]), palette, document["outline"], shapes)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"a damaged tracing ({error})") from error


def quantize(rgba: bytes, width: int, height: int, max_colors: int = 24, min_share: float = 0.0005,
             merge_distance: float = 16.0, alpha_cutoff: int = 128) -> Quantized:
    """Label every pixel with its flat colour.

    Parameters
    ----------
    rgba : straight 8-bit RGBA, ``width * height * 4`` bytes.
    max_colors : most palette colours.
    min_share : a colour needs at least this fraction of the opaque pixels to join the palette.
    merge_distance : colours closer than this (RGB distance, 0-255 units) to a palette colour join it.
    alpha_cutoff : pixels with less alpha are see-through.

    Returns
    -------
    Quantized
        One label per pixel, the palette (most common first) and how many soft
        silhouette pixels (partly transparent) each palette colour has.
    """
    if len(rgba) != width * height * 4:
        raise ValueError(f"expected {width * height * 4} bytes of RGBA for {width}x{height}, got {len(rgba)}")
    max_colors = min(max_colors, 255)
    values, inverse, counts = np.unique(np.frombuffer(rgba, np.uint32), return_inverse=True, return_counts=True)
    channels = values.view(np.uint8).reshape(-1, 4).astype(np.int64)
    opaque: list[tuple[int, int, tuple[int, int, int, int]]] = []
    for value, count, (r, g, b, a) in zip(values.tolist(), counts.tolist(), channels.tolist(), strict=True):
        if a >= alpha_cutoff:
            opaque.append((count, value, (r, g, b, a)))
    opaque.sort(reverse=True)
    total = sum(count for count, _, _ in opaque)
    palette: list[RGB] = []
    for count, _, (r, g, b, _a) in opaque:
        if len(palette) == max_colors or count < min_share * total:
            break
        if not _near_palette((r, g, b), palette, merge_distance):
            palette.append((r, g, b))
    if not palette and opaque:
        r, g, b, _a = opaque[0][2]
        palette.append((r, g, b))
    label_of = np.zeros(len(values), np.uint8)
    edge_counts = [0] * len(palette)
    if palette:
        difference = channels[:, None, :3] - np.array(palette, np.int64)[None]
        nearest = np.argmin(np.einsum("cpk,cpk->cp", difference, difference), axis=1)
        alpha = channels[:, 3]
        seen = alpha >= _EDGE_ALPHA
        label_of = np.where(seen & (alpha >= alpha_cutoff), nearest + 1, TRANSPARENT).astype(np.uint8)
        soft = seen & (alpha < 255)
        edge_counts = np.bincount(nearest[soft], weights=counts[soft], minlength=len(palette)).astype(int).tolist()
    return Quantized(bytearray(label_of[inverse.ravel()].tobytes()), palette, edge_counts)


def region_loops(labels: bytes | bytearray, width: int, height: int) -> dict[int, list[list[Point]]]:
    """Outlines of the regions of every label, as corner points on the pixel grid (y up).

    Each region (4-connected) has one counter-clockwise outer outline and one
    clockwise outline per hole. The outside of the image counts as see-through,
    so the see-through background has no outer outline.
    """
    edges: dict[int, dict[int, list[int]]] = {}
    stride = width + 1

    def add(label: int, start: int, end: int) -> None:
        edges.setdefault(label, {}).setdefault(start, []).append(end)

    grid = np.zeros((height + 2, width), np.uint8)
    grid[1:-1] = np.frombuffer(bytes(labels), np.uint8).reshape(height, width)
    rows = grid.tolist()
    side_changes = [np.flatnonzero(changed) + 1 for changed in grid[1:-1, 1:] != grid[1:-1, :-1]]
    row_changes = [np.flatnonzero(changed) for changed in grid[1:] != grid[:-1]]
    for y in range(height + 1):
        below, row = rows[y], rows[y + 1]
        if y < height:
            if row[0] != TRANSPARENT:
                add(row[0], (y + 1) * stride, y * stride)
                add(TRANSPARENT, y * stride, (y + 1) * stride)
            if row[-1] != TRANSPARENT:
                add(row[-1], y * stride + width, (y + 1) * stride + width)
                add(TRANSPARENT, (y + 1) * stride + width, y * stride + width)
            for x in side_changes[y].tolist():
                add(row[x - 1], y * stride + x, (y + 1) * stride + x)
                add(row[x], (y + 1) * stride + x, y * stride + x)
        base = y * stride
        for x in row_changes[y].tolist():
            add(below[x], base + x + 1, base + x)
            add(row[x], base + x, base + x + 1)
    return {label: _chain(outgoing, stride) for label, outgoing in edges.items()}


def _chain(outgoing: dict[int, list[int]], stride: int) -> list[list[Point]]:
    """Join directed unit edges into closed loops.

    Where two edges of one label leave a corner (pixels of the label touching
    diagonally), the loop turns left: regions are 4-connected.
    """
    loops: list[list[Point]] = []
    while outgoing:
        start, ends = next(iter(outgoing.items()))
        first_end = ends.pop()
        if not ends:
            del outgoing[start]
        first_direction = _direction(start, first_end, stride)
        corners: list[Point] = [(float(start % stride), float(start // stride))]
        vertex, direction = first_end, first_direction
        while True:
            candidates = outgoing.get(vertex, [])
            if vertex == start:
                end = _turn_left_most([*candidates, first_end], vertex, direction, stride)
                if end == first_end:
                    break
            else:
                end = candidates[0] if len(candidates) == 1 else _turn_left_most(candidates, vertex, direction, stride)
            candidates.remove(end)
            if not candidates:
                del outgoing[vertex]
            step = _direction(vertex, end, stride)
            if step != direction:
                corners.append((float(vertex % stride), float(vertex // stride)))
                direction = step
            vertex = end
        if direction == first_direction:
            corners.pop(0)
        loops.append(corners)
    return loops


def _turn_left_most(ends: list[int], vertex: int, direction: int, stride: int) -> int:
    """The end among ``ends`` reached by turning left if possible, else straight on, else right."""
    by_direction = {_direction(vertex, end, stride): end for end in ends}
    for turn in (1, 0, 3):
        end = by_direction.get((direction + turn) % 4)
        if end is not None:
            return end
    raise ValueError("a region outline is not closed")


def _direction(start: int, end: int, stride: int) -> int:
    difference = end - start
    if difference == 1:
        return 0
    if difference == stride:
        return 1
    if difference == -1:
        return 2
    return 3


def loop_area(points: Sequence[Point]) -> float:
    """Signed area of a closed polygon (shoelace): positive counter-clockwise (y up), square pixels."""
    total = 0.0
    previous = points[-1]
    for point in points:
        total += previous[0] * point[1] - point[0] * previous[1]
        previous = point
    return total / 2


def simplify_loop(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker on a closed polygon: fewest corners within ``tolerance`` pixels of the outline."""
    count = len(points)
    if count <= 4:
        return list(points)
    first = points[0]
    ring = [*points, first]
    ring_array = np.array(ring, np.float64)
    far = int(np.argmax(np.sum((ring_array[:count] - ring_array[0]) ** 2, axis=1)))
    keep = [False] * count
    keep[0] = keep[far] = True
    stack = [(0, far), (far, count)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        distances = _segment_distances(ring_array[start + 1:end], ring[start], ring[end])
        worst = start + 1 + int(np.argmax(distances))
        if distances[worst - start - 1] > tolerance:
            keep[worst] = True
            stack.append((start, worst))
            stack.append((worst, end))
    simplified = [points[i] for i in range(count) if keep[i]]
    return simplified if len(simplified) >= 3 else list(points)


def ink_color(palette: Sequence[RGB], edge_counts: Sequence[int]) -> int | None:
    """Index of the line-art colour: of the dark palette colours, the one most of the soft silhouette
    shows (the outline drawn around the figure), else the most common one; ``None`` without dark colours."""
    dark = [i for i, color in enumerate(palette) if _luminance(color) < _INK_LUMINANCE]
    return max(dark, key=lambda i: (edge_counts[i], -i), default=None)


def _near_palette(color: RGB, palette: Sequence[RGB], merge_distance: float) -> bool:
    """Whether ``color`` is close to a palette colour, or to a blend of two (an anti-aliased edge)."""
    if any(_distance(color, kept) <= merge_distance for kept in palette):
        return True
    return any(_blend_distance(color, a, b) <= merge_distance / 2
               for i, a in enumerate(palette) for b in palette[i + 1:])


def _blend_distance(color: RGB, a: RGB, b: RGB) -> float:
    """RGB distance from ``color`` to the nearest blend of ``a`` and ``b``."""
    span = [b[k] - a[k] for k in range(3)]
    length_squared = sum(v * v for v in span)
    t = sum((color[k] - a[k]) * span[k] for k in range(3)) / length_squared if length_squared else 0.0
    t = max(0.0, min(1.0, t))
    return float(sum((color[k] - a[k] - t * span[k]) ** 2 for k in range(3)) ** 0.5)


def _segment_distances(points: np.ndarray, a: Point, b: Point) -> np.ndarray:
    """Distance of each of ``points`` (``(n, 2)``) from the segment ``a``-``b``."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length_squared = dx * dx + dy * dy
    x, y = points[:, 0] - a[0], points[:, 1] - a[1]
    t = np.clip((x * dx + y * dy) / length_squared, 0.0, 1.0) if length_squared else 0.0
    return np.asarray(np.sqrt((x - t * dx) ** 2 + (y - t * dy) ** 2))


def _distance(a: RGB, b: RGB) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2) ** 0.5)


def _luminance(color: RGB) -> float:
    return 0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2]
