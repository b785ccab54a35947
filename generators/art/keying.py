"""Background removal for characters drawn on a simple background.

The prompts ask for a plain background, so the background is the median colour
along the image's border (a diffusion model's "plain" background is never exactly
flat). Keying itself is the add-on's keyer (``addon.core.keying``): pixels close to
that colour *and connected to the border* go (a white shirt inside a black outline
stays), and the edge gets a soft alpha with the background colour taken out.

Images are ``(height, width, 3)`` or ``(height, width, 4)`` uint8 arrays; the result
is ``(height, width, 4)`` uint8 RGBA.
"""

from __future__ import annotations

import numpy as np

from addon.core.keying import TOLERANCE, key_pixels


def border_colour(rgb: np.ndarray) -> np.ndarray:
    """The median colour (0..1) of the image's outermost pixel ring, shape ``(3,)``."""
    ring = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]]).astype(np.float64) / 255
    return np.asarray(np.median(ring, axis=0))


def key_background(image: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Cut the border-connected plain background (the ``border_colour``) out of ``image``.

    Parameters
    ----------
    image : np.ndarray, shape ``(height, width, 3 or 4)``, uint8
    tolerance : float
        colour distance (RGB, 0..1 per channel, Euclidean) under which a pixel is background.

    Returns
    -------
    np.ndarray, shape ``(height, width, 4)``, uint8 RGBA with the background transparent
    (``addon.core.keying.key_pixels``, the add-on's keyer).
    """
    return key_pixels(image, border_colour(image[..., :3]) * 255, tolerance)


def opaque_box(rgba: np.ndarray, threshold: int = 8) -> tuple[int, int, int, int] | None:
    """Bounding box ``(left, top, right, bottom)`` (right/bottom exclusive) of pixels with alpha above ``threshold``."""
    rows = np.flatnonzero((rgba[..., 3] > threshold).any(axis=1))
    columns = np.flatnonzero((rgba[..., 3] > threshold).any(axis=0))
    if rows.size == 0:
        return None
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1
