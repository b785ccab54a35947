"""Keying a character off an off-white studio backdrop: a gradient, film grain and a soft floor shadow."""

import numpy as np
import pytest
from scipy import ndimage

from generators.art.backdrop_removal import key_studio_backdrop, remove_background
from generators.art.characters.poses import POSES
from generators.art.keying import key_background
from generators.art.procedural import DESIGNS
from generators.errors import ToonbeatError


@pytest.fixture(scope="module")
def studio_shot():
    """The procedural DJ on a warm off-white gradient with grain and a soft shadow under its feet,
    and the figure's own alpha: the truth the keyer must find."""
    figure = np.asarray(DESIGNS["cyborg_dj"]().render(POSES["idle"], 256)).astype(np.float64)
    height, width = figure.shape[:2]
    rng = np.random.default_rng(4)
    rows = np.linspace(0, 1, height)[:, None, None]
    backdrop = (np.array([250, 247, 240]) * (1 - rows) + np.array([214, 210, 204]) * rows) * np.ones((1, width, 1))
    y, x = np.mgrid[0:height, 0:width]
    shadow = np.exp(-(((x - width / 2) / (0.22 * width)) ** 2 + ((y - 0.965 * height) / (0.025 * height)) ** 2))
    backdrop *= 1 - 0.45 * shadow[..., None]
    backdrop += rng.normal(0, 2.5, backdrop.shape)
    alpha = figure[..., 3:] / 255
    shot = np.clip(figure[..., :3] * alpha + backdrop * (1 - alpha), 0, 255).round().astype(np.uint8)
    return shot, figure[..., 3] > 0


def test_the_backdrop_gradient_grain_and_floor_shadow_all_key_out(studio_shot):
    shot, truth = studio_shot
    keyed = key_studio_backdrop(shot)
    backdrop = ~ndimage.binary_dilation(truth, iterations=3)
    inside = ndimage.binary_erosion(truth, iterations=3)
    assert (keyed[backdrop, 3] > 0).sum() == 0
    assert (keyed[inside, 3] == 255).mean() > 0.99
    solid = inside & (keyed[..., 3] == 255)
    np.testing.assert_array_equal(keyed[solid, :3], shot[solid])  # the figure keeps its own colours


def test_the_single_colour_keyer_alone_leaves_the_shadow_and_specks_that_this_removes(studio_shot):
    shot, truth = studio_shot
    backdrop = ~ndimage.binary_dilation(truth, iterations=3)
    plain = key_background(shot)
    assert (plain[backdrop, 3] > 0).sum() > 100


def test_rembg_is_named_when_it_is_not_installed(studio_shot):
    import importlib.util

    if importlib.util.find_spec("rembg") is None:
        with pytest.raises(ToonbeatError, match="pip install rembg"):
            remove_background(studio_shot[0], method="rembg")
    with pytest.raises(ToonbeatError, match="unknown background removal"):
        remove_background(studio_shot[0], method="magic")
