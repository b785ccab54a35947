"""Background removal for characters drawn on a simple background, in numpy.

The prompts ask for a plain background, so the background is the colour found along
the image's border. Pixels close to that colour *and connected to the border* are
background (a flood fill, so a white shirt inside a black outline stays). Around
it, a narrow band gets a soft alpha from how much background colour each pixel
holds, and that colour is taken back out so no halo remains.

Images are ``(height, width, 3)`` or ``(height, width, 4)`` uint8 arrays; the result
is ``(height, width, 4)`` uint8 RGBA.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def border_colour(rgb: np.ndarray) -> np.ndarray:
    """The median colour (0..1) of the image's outermost pixel ring, shape ``(3,)``."""
    ring = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]]).astype(np.float64) / 255
    return np.asarray(np.median(ring, axis=0))


def key_background(image: np.ndarray, tolerance: float = 0.12, edge_px: int = 2) -> np.ndarray:
    """Cut the border-connected plain background out of ``image``.

    Background is every pixel within ``tolerance`` of the border colour that a flood
    fill from the border reaches. In the ``edge_px`` wide band around it, alpha is
    how far each pixel has moved from the background towards the nearest solid
    foreground colour, and that share of background colour is taken back out.

    Parameters
    ----------
    image : np.ndarray, shape ``(height, width, 3 or 4)``, uint8
    tolerance : float
        colour distance (RGB, 0..1 per channel, Euclidean) under which a pixel is background.
    edge_px : int
        width in pixels of the soft edge.

    Returns
    -------
    np.ndarray, shape ``(height, width, 4)``, uint8 RGBA with the background transparent.
    """
    rgb = image[..., :3].astype(np.float64) / 255
    background = border_colour(image[..., :3])
    labels, _ = ndimage.label(np.linalg.norm(rgb - background, axis=-1) < tolerance)
    border_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    keyed = np.isin(labels, border_labels[border_labels > 0])
    edge = ndimage.binary_dilation(keyed, iterations=edge_px) & ~keyed
    solid = ~(keyed | edge)
    alpha = np.where(keyed, 0.0, 1.0)
    if edge.any() and solid.any():
        _, (rows, columns) = ndimage.distance_transform_edt(~solid, return_indices=True)
        towards = rgb[rows[edge], columns[edge]] - background
        moved = rgb[edge] - background
        share = np.einsum("ij,ij->i", moved, towards) / np.maximum(np.einsum("ij,ij->i", towards, towards), 1e-9)
        alpha[edge] = np.clip(share, 0.0, 1.0)
        unmixed = (rgb[edge] - (1 - alpha[edge, None]) * background) / np.maximum(alpha[edge, None], 1e-3)
        rgb[edge] = np.clip(unmixed, 0.0, 1.0)
    if image.shape[-1] == 4:
        alpha = np.minimum(alpha, image[..., 3] / 255)
    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)
    return np.round(rgba * 255).astype(np.uint8)


def opaque_box(rgba: np.ndarray, threshold: int = 8) -> tuple[int, int, int, int] | None:
    """Bounding box ``(left, top, right, bottom)`` (right/bottom exclusive) of pixels with alpha above ``threshold``."""
    rows = np.flatnonzero((rgba[..., 3] > threshold).any(axis=1))
    columns = np.flatnonzero((rgba[..., 3] > threshold).any(axis=0))
    if rows.size == 0:
        return None
    return int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1
