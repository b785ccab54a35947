"""Keying a plain background out of a character drawing, and lining poses up on their feet."""

import numpy as np

from generators.art.diffusion_characters import align_on_feet
from generators.art.keying import border_colour, key_background, opaque_box


def drawing(size: int = 64, background=(250, 250, 245)) -> np.ndarray:
    """A white-faced figure with a black outline and an anti-aliased rim on an off-white background."""
    yy, xx = np.mgrid[:size, :size]
    radius = np.hypot(yy - size / 2, xx - size / 2)
    image = np.empty((size, size, 3))
    image[:] = background
    outline = np.clip(size / 3 + 0.5 - radius, 0, 1)  # soft outer rim of the outline disc
    image = image * (1 - outline[..., None]) + np.array([10, 10, 10]) * outline[..., None]
    face = radius < size / 3 - 4
    image[face] = (255, 255, 255)  # as white as the background, but enclosed by the outline
    return np.round(image).astype(np.uint8)


def test_the_border_colour_is_the_background():
    np.testing.assert_allclose(border_colour(drawing()), np.array([250, 250, 245]) / 255)


def test_the_background_goes_and_the_enclosed_white_face_stays():
    rgba = key_background(drawing())
    assert rgba.shape == (64, 64, 4)
    assert rgba[0, 0, 3] == 0 and rgba[-1, -1, 3] == 0
    assert rgba[32, 32, 3] == 255 and tuple(rgba[32, 32, :3]) == (255, 255, 255)


def test_the_edge_is_soft_and_carries_no_background_halo():
    rgba = key_background(drawing())
    edge = (rgba[..., 3] > 0) & (rgba[..., 3] < 255)
    assert edge.sum() > 20  # a ring of partly transparent pixels, not a jagged cut
    assert rgba[..., :3][edge].max() < 60  # unmixed back to the dark outline colour


def test_an_rgba_input_keeps_its_own_transparency():
    image = np.dstack([drawing(), np.full((64, 64), 255, np.uint8)])
    image[30:34, 30:34, 3] = 0
    assert key_background(image)[31, 31, 3] == 0


def test_poses_share_one_canvas_with_the_feet_at_the_bottom_centre():
    tall = np.zeros((80, 60, 4), np.uint8)
    tall[10:70, 20:30] = 255  # a thin figure standing left of centre
    wide = np.zeros((50, 90, 4), np.uint8)
    wide[20:40, 40:80] = 255  # a short wide figure to the right
    aligned = align_on_feet({"idle": tall, "dance": wide})
    assert aligned["idle"].shape == aligned["dance"].shape
    for rgba in aligned.values():
        left, _, right, bottom = opaque_box(rgba)
        assert bottom == rgba.shape[0]
        assert abs((left + right) / 2 - rgba.shape[1] / 2) <= 1
    assert opaque_box(aligned["idle"])[3] - opaque_box(aligned["idle"])[1] == 60  # drawn scale kept


def test_a_cartoon_drawn_on_a_plain_background_keys_back_to_its_own_outline(tmp_path):
    from PIL import Image

    from generators.art.procedural import draw_character

    character = draw_character(tmp_path / "dj", seed=2, height_px=256)
    original = np.asarray(Image.open(character.poses["dance"][0]).convert("RGBA")).astype(np.float64)
    alpha = original[..., 3:] / 255
    on_white = np.round(original[..., :3] * alpha + np.array([246, 246, 240]) * (1 - alpha)).astype(np.uint8)
    keyed = key_background(on_white).astype(np.float64)
    solid, recovered = original[..., 3] > 128, keyed[..., 3] > 128
    assert (solid & recovered).sum() / (solid | recovered).sum() > 0.97
    assert np.abs(keyed[..., 3] - original[..., 3]).mean() < 0.03 * 255
