"""Key out the flat background of a pose image that has no transparency of its own.

A character drawn on a flat colour (white paper, a green screen) is keyed by a
flood fill from the image border: every pixel reachable from the border whose
colour is within ``tolerance`` of the border colour becomes transparent. The
pixels along the edge of the fill get a soft alpha, the fraction of their colour
that is not background, with the background colour taken out of them, so the
anti-aliased edge blends over any stage.

Pixels are 8-bit straight RGBA (``bytes``), ``width * height * 4`` long.
"""

from __future__ import annotations

import sys
from collections import Counter

RGB = tuple[int, int, int]
KEYING_VERSION = 1
"""Bumped whenever keying changes, so keyed copies made by an older version are not reused."""
TOLERANCE = 24
"""Largest difference of a channel (0-255) between a pixel and the background colour it is keyed as."""
UNIFORM_BORDER = 0.95
"""Share of border pixels that must be the background colour for the border to count as flat."""
_OPAQUE = 250


def has_transparency(rgba: bytes) -> bool:
    """Whether any pixel is noticeably transparent (alpha below 250)."""
    return any(alpha < _OPAQUE for alpha in set(rgba[3::4]))


def border_color(rgba: bytes, width: int, height: int, tolerance: int = TOLERANCE) -> RGB | None:
    """The background colour if the image border is one flat colour (within ``tolerance``), else ``None``."""
    pixels = memoryview(rgba).cast("I")
    border = [*pixels[:width], *pixels[(height - 1) * width:]]
    border += [pixels[y * width] for y in range(1, height - 1)] + [pixels[y * width + width - 1]
                                                                    for y in range(1, height - 1)]
    common = _rgb(Counter(border).most_common(1)[0][0])
    near = sum(1 for value in border if _difference(_rgb(value), common) <= tolerance)
    return common if near >= UNIFORM_BORDER * len(border) else None


def key_out(rgba: bytes, width: int, height: int, color: RGB, tolerance: int = TOLERANCE) -> bytearray:
    """A copy of ``rgba`` with the ``color`` background reachable from the border made transparent.

    Parameters
    ----------
    rgba : straight 8-bit RGBA pixels.
    width, height : image size, pixels.
    color : the background colour (see ``border_color``).
    tolerance : largest channel difference (0-255) of a pixel keyed as background.

    Returns
    -------
    bytearray
        The keyed pixels: background transparent, its edge soft, everything else unchanged.
    """
    pixels = memoryview(rgba).cast("I")
    near_of = {value: int(_difference(_rgb(value), color) <= tolerance) for value in set(pixels)}
    near = bytes(map(near_of.__getitem__, pixels))
    background = _flood_from_border(near, width, height)
    keyed = bytearray(rgba)
    for index in range(width * height):
        if background[index]:
            keyed[4 * index:4 * index + 4] = b"\0\0\0\0"
    for index in _edge_pixels(background, width, height):
        _soften(keyed, rgba, index, width, height, background, color)
    return keyed


def _flood_from_border(near: bytes, width: int, height: int) -> bytearray:
    """Pixels marked in ``near`` that connect (4-neighbours) to the image border through marked pixels."""
    filled = bytearray(width * height)
    stack = [i for i in (*range(width), *range((height - 1) * width, height * width),
                         *range(0, height * width, width), *range(width - 1, height * width, width)) if near[i]]
    while stack:
        index = stack.pop()
        if filled[index]:
            continue
        filled[index] = 1
        x = index % width
        if x > 0 and near[index - 1] and not filled[index - 1]:
            stack.append(index - 1)
        if x < width - 1 and near[index + 1] and not filled[index + 1]:
            stack.append(index + 1)
        if index >= width and near[index - width] and not filled[index - width]:
            stack.append(index - width)
        if index + width < width * height and near[index + width] and not filled[index + width]:
            stack.append(index + width)
    return filled


def _edge_pixels(background: bytearray, width: int, height: int) -> list[int]:
    """Pixels outside the background with a background pixel beside them (4-neighbours)."""
    edge = []
    for index in range(width * height):
        if background[index]:
            continue
        x = index % width
        if ((x > 0 and background[index - 1]) or (x < width - 1 and background[index + 1])
                or (index >= width and background[index - width])
                or (index + width < width * height and background[index + width])):
            edge.append(index)
    return edge


def _soften(keyed: bytearray, rgba: bytes, index: int, width: int, height: int, background: bytearray,
            color: RGB) -> None:
    """Give edge pixel ``index`` the alpha of its share of foreground, and take the background out of it."""
    x, y = index % width, index // width
    pixel = tuple(rgba[4 * index:4 * index + 3])
    inner = [tuple(rgba[4 * n:4 * n + 3]) for n in (
        (y + dy) * width + x + dx for dx in (-1, 0, 1) for dy in (-1, 0, 1)
        if 0 <= x + dx < width and 0 <= y + dy < height) if not background[n]]
    reach = max(_distance(c, color) for c in inner)
    alpha = min(1.0, _distance(pixel, color) / reach) if reach else 1.0
    if alpha >= 1.0:
        return
    alpha = max(alpha, 1 / 255)
    unmixed = (round(min(255.0, max(0.0, (pixel[k] - (1 - alpha) * color[k]) / alpha))) for k in range(3))
    keyed[4 * index:4 * index + 4] = bytes((*unmixed, round(alpha * rgba[4 * index + 3])))


def _rgb(value: int) -> RGB:
    r, g, b, _ = value.to_bytes(4, sys.byteorder)
    return r, g, b


def _difference(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]))


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2) ** 0.5)
