"""Re-running a step replaces only what Toonbeat made: the user's markers and strips stay."""

import bpy
import pytest

from tests.art import background_folder, character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender


@pytest.fixture
def song(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=8.0, sections=((0.0, "intro"), (4.0, "drop")))
    return scene, tb, wav, beats


def test_reimporting_beats_keeps_the_users_markers_and_the_ones_they_moved(song):
    scene, tb, wav, beats = song
    scene.timeline_markers.new("my cue", frame=30)
    load_song = tb.module("assemble").load_song
    load_song(scene, wav, beats)
    ours = {m.name: m for m in scene.timeline_markers}
    ours["Bar 2"].frame += 3
    ours["Bar 4"].name = "big hit"
    load_song(scene, wav, beats, with_beat_markers=True)
    names = [m.name for m in scene.timeline_markers]
    assert names.count("my cue") == 1
    assert "big hit" in names
    assert sorted(m.frame for m in scene.timeline_markers if m.name == "Bar 2") == [49, 52]
    assert names.count("·") == 12


def test_the_users_own_strips_are_never_touched(song, tmp_path):
    scene, tb, wav, beats = song
    editor = scene.sequence_editor_create()
    mine = editor.strips.new_image("my logo", str(background_folder(tmp_path / "logo") / "drop.png"), 1, 1)
    assemble = tb.module("assemble")
    read_character = tb.module("core.character_sheet").read_character
    hero = read_character(character_folder(tmp_path / "hero"))
    assemble.build_scene(scene, audio=wav, beats=beats, characters=[hero], backgrounds=None,
                         preset=tb.module("core.presets").load_preset("house_bounce"))
    assemble.build_scene(scene, audio=wav, beats=beats, characters=[hero], backgrounds=None,
                         preset=tb.module("core.presets").load_preset("minimal"))
    assert editor.strips["my logo"] == mine
    assert mine.channel == 1
    assert all(s.channel > 1 for s in editor.strips if s != mine)
    assert [s.name for s in editor.strips_all].count("Toonbeat Track") == 1


def test_reimporting_a_character_keeps_its_strips_and_updates_its_poses(song, tmp_path):
    scene, tb, wav, beats = song
    stage = tb.module("stage.sequencer_stage")
    read_character = tb.module("core.character_sheet").read_character
    tb.module("assemble").load_song(scene, wav, beats)
    folder = character_folder(tmp_path / "hero", poses=("idle", "dance", "walk"))
    stage.add_character(scene, read_character(folder), 192)
    stage.add_character(scene, read_character(character_folder(tmp_path / "robot")), 192)
    (folder / "walk.png").unlink()
    character_folder(folder, poses=("headbang",))
    stage.add_character(scene, read_character(folder), 192)
    hero = scene.sequence_editor.strips_all["Toonbeat hero"]
    assert sorted(s.name for s in hero.strips) == ["hero dance", "hero headbang", "hero idle"]
    assert [m.name for m in stage.cast(scene)] == ["hero", "robot"]


def test_characters_stand_side_by_side_with_their_feet_on_the_ground_line(song, tmp_path):
    scene, tb, wav, beats = song
    assemble = tb.module("assemble")
    read_character = tb.module("core.character_sheet").read_character
    heroes = [read_character(character_folder(tmp_path / name)) for name in ("hero", "robot")]
    assemble.build_scene(scene, audio=wav, beats=beats, characters=heroes,
                         backgrounds=tb.module("core.backgrounds").read_backgrounds(background_folder(tmp_path / "b")),
                         preset=tb.module("core.presets").load_preset("minimal"))
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = str(tmp_path / "frame.png")
    scene.frame_set(40)
    bpy.ops.render.render(write_still=True)
    image = bpy.data.images.load(str(tmp_path / "frame.png"))
    width, height = image.size
    values = list(image.pixels)
    background = values[0:3]
    figure_rows = [y for y in range(height) if any(
        max(abs(values[4 * (y * width + x) + c] - background[c]) for c in range(3)) > 0.1 for x in range(width))]
    assert figure_rows, "the characters are visible"
    assert min(figure_rows) == pytest.approx(0.08 * height, abs=2)


def test_the_seed_of_a_first_build_chooses_the_shake_directions(song, tmp_path):
    scene, tb, wav, beats = song
    assemble = tb.module("assemble")
    hero = tb.module("core.character_sheet").read_character(character_folder(tmp_path / "hero"))
    preset = tb.module("core.presets").load_preset("industrial_headbang")

    def shake_after_build(seed: int) -> list[float]:
        fresh = bpy.data.scenes.new(f"seed {seed}")
        fresh.render.resolution_x, fresh.render.resolution_y = scene.render.resolution_x, scene.render.resolution_y
        fresh.render.fps, fresh.render.fps_base = scene.render.fps, scene.render.fps_base
        assemble.build_scene(fresh, audio=wav, beats=beats, characters=[hero], backgrounds=None, preset=preset,
                             seed=seed)
        strip = fresh.sequence_editor.strips_all["Toonbeat Camera"]
        shake = tb.module("compat").fcurves_of(fresh).find(strip.transform.path_from_id("offset_x"))
        return [k.co.y for k in shake.keyframe_points]

    first = shake_after_build(1)
    assert first == shake_after_build(1)
    assert first != shake_after_build(2)
