"""Taking a character off the backdrop a diffusion model drew it on: studio gradients, floor shadows, specks.

A model asked for "a plain background" draws an off-white studio backdrop: a gradient
from top to bottom, film-grain noise, and a soft shadow on the floor under the
feet. Keyed against one border colour, the far end of the gradient stays, noise
leaves opaque specks, and the shadow stays as an opaque grey blob. So, around the
keyer (``keying.key_background``):

1. the backdrop is flattened: a smooth surface (quadratic in x and y, per channel)
   fitted to the border pixels is divided out, so the whole backdrop reads as the
   one border colour;
2. floor shadows (pixels that are the backdrop's colour, only darker, joined to the
   backdrop) are painted as backdrop, so they key out;
3. after keying, opaque islands far smaller than the character (specks) are cleared.

``remove_background(..., method="rembg")`` segments with rembg instead, where it is
installed (its models, e.g. ``isnet-anime`` or ``birefnet-general``, download on first
use onto the user's machine).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from scipy import ndimage

from ..errors import ToonbeatError, check_choice
from ..parameters import choices_of
from .keying import border_colour, key_background
from .params import CharacterParams

METHODS = choices_of(CharacterParams, "remove_background")  # declared once, with the other art parameters
SHADOW_DARKEST = 0.3
"""A shadow keeps at least this share of the backdrop's brightness; darker is ink or clothing."""
SHADOW_CHROMA = 0.06
"""How far a shadow's colour may stray from the backdrop's hue (difference of brightness-normalised RGB)."""
SPECK_SHARE = 0.002
"""Opaque islands smaller than this share of the largest one (and than 0.05 % of the image) are specks."""


def remove_background(image: np.ndarray, method: str = "key", tolerance: float = 0.12,
                      rembg_model: str = "isnet-anime") -> np.ndarray:
    """``image`` ``(height, width, 3 or 4)`` uint8 as RGBA with the backdrop transparent, by keying or rembg."""
    check_choice(method, METHODS, "background removal")
    if method == "rembg":
        return segment_with_rembg(image, rembg_model)
    return key_studio_backdrop(image, tolerance)


def key_studio_backdrop(image: np.ndarray, tolerance: float = 0.12) -> np.ndarray:
    """Key a figure off a studio backdrop: flatten the gradient, drop the floor shadow, key, clear the specks."""
    rgb = image[..., :3].astype(np.float64) / 255
    flat = flatten_backdrop(rgb)
    flat[floor_shadow(flat)] = border_colour(np.round(flat * 255).astype(np.uint8))
    keyed_input = np.round(np.clip(flat, 0, 1) * 255).astype(np.uint8)
    if image.shape[-1] == 4:
        keyed_input = np.dstack([keyed_input, image[..., 3]])
    keyed = key_background(keyed_input, tolerance=tolerance)
    solid = keyed[..., 3] > 0
    opaque = image[..., :3].copy()
    keyed[..., :3] = np.where(keyed[..., 3:] == 255, opaque, keyed[..., :3])  # solid pixels keep their own colour
    keyed[~clear_specks(solid), 3] = 0
    return keyed


def backdrop_surface(rgb: np.ndarray, ring_share: float = 0.02) -> np.ndarray:
    """The smooth backdrop ``(height, width, 3)`` (0..1): a quadratic surface per channel fitted to the border.

    The fit runs twice; the second time without border pixels far from the first fit
    (a limb or prop touching the edge).
    """
    height, width = rgb.shape[:2]
    ring = max(2, round(ring_share * min(height, width)))
    mask = np.zeros((height, width), dtype=bool)
    mask[:ring], mask[-ring:], mask[:, :ring], mask[:, -ring:] = True, True, True, True
    rows, columns = np.nonzero(mask)
    y, x = np.mgrid[0:height, 0:width]

    def terms(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        v, u = ys / max(height - 1, 1) - 0.5, xs / max(width - 1, 1) - 0.5
        return np.stack([np.ones_like(u), u, v, u * u, v * v, u * v], axis=-1)

    samples, design = rgb[rows, columns], terms(rows, columns)
    coefficients, *_ = np.linalg.lstsq(design, samples, rcond=None)
    residual = np.linalg.norm(samples - design @ coefficients, axis=1)
    keep = residual < max(3 * float(np.median(residual)), 0.02)
    coefficients, *_ = np.linalg.lstsq(design[keep], samples[keep], rcond=None)
    return np.asarray(terms(y, x) @ coefficients)


def flatten_backdrop(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (0..1) with the backdrop's gradient divided out, so the backdrop is the border's median colour."""
    surface = np.clip(backdrop_surface(rgb), 1e-3, None)
    reference = np.median(surface.reshape(-1, 3), axis=0)
    return np.asarray(np.clip(rgb * (reference / surface), 0.0, 1.0))


def floor_shadow(flat: np.ndarray) -> np.ndarray:
    """Pixels of a flattened image that are the backdrop in shadow: its hue, darker, and joined to the border."""
    backdrop = border_colour(np.round(flat * 255).astype(np.uint8))
    brightness = flat.sum(axis=-1)
    share = brightness / max(float(backdrop.sum()), 1e-6)
    hue = flat / np.maximum(brightness, 1e-6)[..., None]
    backdrop_hue = backdrop / max(float(backdrop.sum()), 1e-6)
    like_backdrop = (share >= SHADOW_DARKEST) & (np.linalg.norm(hue - backdrop_hue, axis=-1) < SHADOW_CHROMA)
    labels, _ = ndimage.label(like_backdrop)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    joined = np.isin(labels, border[border > 0])
    return np.asarray(joined & (share < 1.0))


def clear_specks(solid: np.ndarray) -> np.ndarray:
    """``solid`` without the opaque islands that are far smaller than the largest one."""
    labels, count = ndimage.label(solid)
    if count <= 1:
        return solid
    areas = np.bincount(labels.ravel())[1:]
    smallest = max(SPECK_SHARE * areas.max(), 0.0005 * solid.size)
    keep = np.concatenate([[False], areas >= smallest])
    return np.asarray(keep[labels])


def segment_with_rembg(image: np.ndarray, model: str) -> np.ndarray:
    """rembg's segmentation as RGBA; its model downloads to the user's machine on first use."""
    if importlib.util.find_spec("rembg") is None:
        raise ToonbeatError("rembg is not installed: pip install rembg (its segmentation models, e.g. isnet-anime "
                            "or birefnet-general, download on first use), or use keying")
    from PIL import Image
    from rembg import new_session, remove

    session: Any = new_session(model)
    result = remove(Image.fromarray(image[..., :3]), session=session)
    return np.asarray(result.convert("RGBA"))
