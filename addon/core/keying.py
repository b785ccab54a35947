"""Key out the flat background of a character drawing: Toonbeat's one keyer, in numpy.

A character drawn on a flat colour (white paper, a green screen) is keyed by a
flood fill from the image border: every pixel reachable from the border whose
colour is within ``tolerance`` of the background colour becomes transparent, so
a white face inside a black outline stays. The pixels along the edge of the fill
get a soft alpha, the fraction of their colour that is not background, with the
background colour taken out of them, so the anti-aliased edge blends over any
stage without a halo.

Colours are compared by Euclidean RGB distance in 0..1 units: a colour's distance
from the background does not depend on the direction it differs in (a limit per
channel lets greys drift 1.7 times further than pure hues).

The add-on keys pose images that have no transparency of its own (``key_out``, on
Blender's bytes); the art generator keys what a diffusion model drew on a plain
background (``key_pixels``, on arrays). numpy only: Blender bundles it.

Examples
--------
>>> import numpy as np
>>> image = np.full((5, 5, 3), 250, np.uint8)
>>> image[1:4, 1:4] = (200, 30, 30)
>>> key_pixels(image, (250, 250, 250))[..., 3]
array([[  0,   0,   0,   0,   0],
       [  0, 255, 255, 255,   0],
       [  0, 255, 255, 255,   0],
       [  0, 255, 255, 255,   0],
       [  0,   0,   0,   0,   0]], dtype=uint8)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

RGB = tuple[int, int, int]
KEYING_VERSION = 2
"""Bumped whenever keying changes, so keyed copies made by an older version are not reused."""
TOLERANCE = 0.12
"""Largest RGB distance (0..1 per channel, Euclidean) between a pixel and the background colour it is keyed as."""
UNIFORM_BORDER = 0.95
"""Share of border pixels that must be the background colour for the border to count as flat."""
_OPAQUE = 250


def has_transparency(rgba: bytes) -> bool:
    """Whether any pixel of 8-bit RGBA ``rgba`` is noticeably transparent (alpha below 250)."""
    alpha = np.frombuffer(rgba, np.uint8)[3::4]
    return bool(alpha.size) and int(alpha.min()) < _OPAQUE


def border_color(rgba: bytes, width: int, height: int, tolerance: float = TOLERANCE) -> RGB | None:
    """The background colour if the image border is one flat colour (within ``tolerance``), else ``None``."""
    ring = _ring(_as_image(rgba, width, height)[..., :3])
    colors, counts = np.unique(ring, axis=0, return_counts=True)
    common = colors[np.argmax(counts)]
    near = np.count_nonzero(_distance(ring, common) <= tolerance)
    return (int(common[0]), int(common[1]), int(common[2])) if near >= UNIFORM_BORDER * len(ring) else None


def key_out(rgba: bytes, width: int, height: int, color: RGB, tolerance: float = TOLERANCE) -> bytes:
    """A copy of 8-bit RGBA ``rgba`` with the ``color`` background reachable from the border made transparent.

    Parameters
    ----------
    rgba : bytes
        Straight 8-bit RGBA pixels, ``width * height * 4`` of them, rows in either order.
    width, height : int
        Image size, pixels.
    color : tuple of 3 int
        The background colour, 0..255 (see ``border_color``).
    tolerance : float
        Largest RGB distance (0..1 per channel) of a pixel keyed as background.

    Returns
    -------
    bytes
        The keyed pixels: background transparent, its edge soft, everything else unchanged.
    """
    return key_pixels(_as_image(rgba, width, height), color, tolerance).tobytes()


def key_pixels(image: np.ndarray, color: ArrayLike, tolerance: float = TOLERANCE) -> np.ndarray:
    """``key_out`` on an array: ``image`` is ``(height, width, 3 or 4)`` uint8, ``color`` 0..255.

    Returns ``(height, width, 4)`` uint8 straight RGBA; a pixel's own alpha (if
    ``image`` has one) scales its new alpha.
    """
    rgb = image[..., :3].astype(np.float64)
    background_color = np.asarray(color, np.float64)
    distance = _distance(rgb, background_color)
    background = _flood_from_border(distance <= tolerance)
    keyed = np.empty((*image.shape[:2], 4), np.uint8)
    keyed[..., :3] = image[..., :3]
    keyed[..., 3] = image[..., 3] if image.shape[-1] == 4 else 255
    keyed[background] = 0
    edge = _beside(background) & ~background
    reach = _neighbourhood_max(np.where(background, 0.0, distance))[edge]
    alpha = np.where(reach > 0, np.minimum(1.0, distance[edge] / np.where(reach > 0, reach, 1.0)), 1.0)
    soft = alpha < 1.0
    alpha = np.maximum(alpha[soft], 1 / 255)[:, None]
    rows, columns = np.nonzero(edge)
    rows, columns = rows[soft], columns[soft]
    unmixed = (rgb[rows, columns] - (1 - alpha) * background_color) / alpha
    keyed[rows, columns, :3] = np.round(np.clip(unmixed, 0.0, 255.0))
    keyed[rows, columns, 3] = np.round(alpha[:, 0] * keyed[rows, columns, 3])
    return keyed


def _as_image(rgba: bytes, width: int, height: int) -> np.ndarray:
    if len(rgba) != width * height * 4:
        raise ValueError(f"expected {width * height * 4} bytes of RGBA for {width}x{height}, got {len(rgba)}")
    return np.frombuffer(rgba, np.uint8).reshape(height, width, 4)


def _ring(pixels: np.ndarray) -> np.ndarray:
    """The outermost pixels of ``pixels`` (``(height, width, channels)``), each once."""
    return np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]]) if len(pixels) > 1 \
        else pixels[0]


def _distance(rgb: np.ndarray, color: np.ndarray) -> np.ndarray:
    """RGB distance of every pixel from ``color``, in 0..1 units."""
    difference = rgb.astype(np.float64) - color
    return np.asarray(np.sqrt(np.einsum("...k,...k->...", difference, difference)) / 255)


def _flood_from_border(near: np.ndarray) -> np.ndarray:
    """Pixels marked in ``near`` that connect (4-neighbours) to the image border through marked pixels.

    Each pass fills every row run, then every column run, that a filled pixel
    touches; a few passes reach every corner of a cartoon's background.
    """
    filled = np.zeros_like(near)
    filled[[0, -1], :] = near[[0, -1], :]
    filled[:, [0, -1]] = near[:, [0, -1]]
    while True:
        grown = _fill_runs(_fill_runs(filled, near).T, near.T).T
        if np.array_equal(grown, filled):
            return filled
        filled = grown


def _fill_runs(filled: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Every run of ``near`` pixels along a row that holds a ``filled`` pixel, filled."""
    starts = near.copy()
    starts[:, 1:] &= ~near[:, :-1]
    run = np.cumsum(starts.ravel()).reshape(near.shape) * near
    touched = np.zeros(int(run.max()) + 1, bool)
    touched[run[filled & near]] = True
    touched[0] = False
    return np.asarray(touched[run])


def _beside(mask: np.ndarray) -> np.ndarray:
    """Pixels with a 4-neighbour in ``mask``."""
    beside = np.zeros_like(mask)
    beside[1:] |= mask[:-1]
    beside[:-1] |= mask[1:]
    beside[:, 1:] |= mask[:, :-1]
    beside[:, :-1] |= mask[:, 1:]
    return beside


def _neighbourhood_max(values: np.ndarray) -> np.ndarray:
    """The largest of each pixel's 3x3 neighbourhood (inside the image)."""
    padded = np.pad(values, 1, constant_values=-np.inf)
    height, width = values.shape
    return np.asarray(np.max([padded[dy:dy + height, dx:dx + width] for dy in range(3) for dx in range(3)], axis=0))
