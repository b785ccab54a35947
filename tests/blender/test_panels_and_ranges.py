"""What the artist meets in the panels' steps: their own frame range, unselected strips, panels found by name."""

import pytest

from tests.art import background_folder, character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender


@pytest.fixture
def song(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=8.0, sections=((0.0, "intro"), (4.0, "drop")))
    tb.module("assemble").load_song(scene, wav, beats)
    return scene, tb, wav, beats


def _bake(tb, scene, beats):
    presets = tb.module("core.presets")
    tb.module("assemble").bake(scene, beats, presets.load_preset("house_bounce"), "sequencer", None)


def test_loading_a_song_fits_the_frame_range_to_it(song):
    scene, *_ = song
    assert (scene.frame_start, scene.frame_end) == (1, 192)


def test_bake_keeps_the_artists_short_preview_range(song):
    scene, tb, wav, beats = song
    scene.frame_end = 48
    _bake(tb, scene, beats)
    assert scene.frame_end == 48
    tb.module("assemble").load_song(scene, wav, beats)
    assert scene.frame_end == 48


def test_strips_toonbeat_makes_last_the_whole_song_even_in_a_short_range(song, tmp_path):
    scene, tb, _, beats = song
    scene.frame_end = 48
    read_character = tb.module("core.character_sheet").read_character
    stage = tb.module("stage.sequencer_stage")
    hero = read_character(character_folder(tmp_path / "hero"))
    meta = stage.add_character(scene, hero, stage.song_strip_frames(scene))
    _bake(tb, scene, beats)
    assert meta.frame_final_duration == 192
    camera = next(tb.module("stage.roles").with_role(tb.module("compat").strips(scene), "camera"))
    assert camera.frame_final_duration == 192


def test_imported_strips_are_left_unselected_and_the_users_selection_stays(song, tmp_path):
    scene, tb, _, beats = song
    compat = tb.module("compat")
    mine = compat.strips(scene).new_image("my logo", str(background_folder(tmp_path / "logo") / "drop.png"), 9, 1)
    mine.select = True
    read_character = tb.module("core.character_sheet").read_character
    stage = tb.module("stage.sequencer_stage")
    stage.add_character(scene, read_character(character_folder(tmp_path / "hero")), 192)
    read_backgrounds = tb.module("core.backgrounds").read_backgrounds
    images = read_backgrounds(background_folder(tmp_path / "bg", labels=("intro", "drop")))
    stage.layout_backgrounds(scene, images, beats.sections, 192)
    _bake(tb, scene, beats)
    everything = [*compat.strips(scene)]
    everything += [s for meta in everything if meta.type == "META" for s in compat.meta_strips(meta)]
    assert [s.name for s in everything if s.select] == ["my logo"]


def test_every_panel_is_a_named_class_of_the_ui_module(tb):
    ui = tb.module("ui")
    names = [panel.__name__ for panel in ui.classes]
    assert len(names) == 10
    assert all(name.startswith("TOONBEAT_PT_") and getattr(ui, name).bl_category == "Toonbeat" for name in names)
    assert {getattr(ui, name).bl_space_type for name in names} == {"VIEW_3D", "SEQUENCE_EDITOR"}


def test_the_quality_setting_does_not_promise_a_frame_size(scene):
    """Render Video keeps the scene's frame size, so no quality may name another one."""
    for item in scene.toonbeat.bl_rna.properties["quality"].enum_items:
        assert "frame size is the scene's" in item.description
        assert not any(size in item.description for size in ("1280x720", "1920x1080", "720p", "1080p"))
