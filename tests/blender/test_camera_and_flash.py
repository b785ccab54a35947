"""The sequencer stage's camera and flash as the sequencer renders them: a shake that moves the frame by
whole pixels, and a flash screened over the frame, brightening it toward its colour (both cheap for x264 to
predict)."""

import itertools

import bpy
import numpy
import pytest
from PIL import Image

from tests.art import background_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SHAKE_ONLY = {"name": "Shake only", "poses": {"drop": ["idle"]}, "effects": {"shake": {"enabled": True}}}
FLASH_ONLY = {"name": "Flash only", "poses": {"drop": ["idle"]}, "flash_on": "beats",
              "effects": {"flash": {"enabled": True}}}


def build(scene, tb, tmp_path, preset, backgrounds):
    """The sequencer stage of an 8 s click song with ``backgrounds`` and no character, in flat colours."""
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=8.0)
    tb.module("assemble").build_scene(
        scene, audio=wav, beats=beats, characters=[], preset=tb.module("core.presets").preset_from_dict(preset, "test"),
        backgrounds=tb.module("core.backgrounds").read_backgrounds(backgrounds))
    tb.module("render.output").use_flat_colors(scene)
    return scene.sequence_editor.strips_all


def rendered(scene, frame, path):
    """The picture of ``frame`` as Blender saves it: rows from the bottom, RGB in 0..1."""
    scene.frame_set(frame)
    bpy.ops.render.render()
    bpy.data.images["Render Result"].save_render(filepath=str(path))
    image = bpy.data.images.load(str(path))
    width, height = image.size
    pixels = numpy.array(image.pixels[:]).reshape(height, width, 4)[:, :, :3]
    bpy.data.images.remove(image)
    return pixels


def test_the_shake_moves_the_frame_by_whole_pixels_so_shaken_frames_are_shifted_copies(scene, tb, tmp_path):
    folder = tmp_path / "backgrounds"
    folder.mkdir()
    noise = numpy.random.default_rng(1).integers(0, 256, (180, 320, 3), dtype=numpy.uint8)
    Image.fromarray(noise).save(folder / "drop.png")
    camera = build(scene, tb, tmp_path, SHAKE_ONLY, folder)["Toonbeat Camera"]
    shaken = []
    for frame in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(frame)
        if not camera.mute:
            shaken.append((frame, camera.transform.offset_x, camera.transform.offset_y, camera.transform.scale_x))
    assert shaken, "the camera shakes"
    assert all(x == round(x) and y == round(y) for _, x, y, _ in shaken), "offsets are whole pixels"
    first, second = next((a, b) for a, b in itertools.pairwise(shaken)
                         if b[0] == a[0] + 1 and a[3] == b[3] > 1.0 and a[1:3] != b[1:3])
    before, after = rendered(scene, first[0], tmp_path / "a.png"), rendered(scene, second[0], tmp_path / "b.png")
    dx, dy = int(second[1] - first[1]), int(second[2] - first[2])
    margin = 20
    moved = after[margin + dy:180 - margin + dy, margin + dx:320 - margin + dx]
    assert numpy.abs(moved - before[margin:180 - margin, margin:320 - margin]).max() <= 1.5 / 255
    assert numpy.abs(after - before).max() > 0.2, "the two frames differ where the camera moved"


def lit_frame(scene, flash):
    """The first frame whose flash is more than 0.3 opaque, and that opacity."""
    lit = None
    for frame in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(frame)
        if not flash.mute and flash.blend_alpha > 0.3:
            lit = frame, flash.blend_alpha
            break
    assert lit is not None, "a beat is lit"
    return lit


def test_the_flash_fades_the_frame_toward_white_and_never_clips_it(scene, tb, tmp_path):
    grey = (150, 150, 150)
    flash = build(scene, tb, tmp_path, FLASH_ONLY, background_folder(tmp_path / "bg", color=grey))["Toonbeat Flash"]
    frame, alpha = lit_frame(scene, flash)
    level = grey[0] / 255
    picture = rendered(scene, frame, tmp_path / "lit.png")
    assert picture.mean() == pytest.approx(level + alpha * (1 - level), abs=2 / 255)
    assert picture.max() < 1.0 - 10 / 255, "an Add would have clipped it to white"


def test_a_coloured_flash_lights_every_channel_and_darkens_none(scene, tb, tmp_path):
    grey = (150, 150, 150)
    flash = build(scene, tb, tmp_path, FLASH_ONLY, background_folder(tmp_path / "bg", color=grey))["Toonbeat Flash"]
    flash.color = (1.0, 0.2, 0.0)
    frame, alpha = lit_frame(scene, flash)
    level = grey[0] / 255
    picture = rendered(scene, frame, tmp_path / "lit.png").reshape(-1, 3).mean(axis=0)
    expected = [level + alpha * colour * (1 - level) for colour in (1.0, 0.2, 0.0)]
    assert picture == pytest.approx(expected, abs=2 / 255), "a mix toward orange would have darkened green and blue"
