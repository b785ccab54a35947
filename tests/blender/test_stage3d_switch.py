"""Switching a scene between the sequencer and the 3D stage removes only Toonbeat's strips as it left them."""

import pytest

from tests.art import background_folder, character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SECTIONS = ((0.0, "build"), (2.0, "drop"))


@pytest.fixture
def switching(scene, tb, tmp_path):
    """A 4 s song with a character and two backgrounds baked on the sequencer stage, and ``switch(stage)``,
    which imports the character on ``stage`` and bakes there (what the panel's Stage choice and Bake do)."""
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=4.0, sections=SECTIONS)
    tb.module("assemble").load_song(scene, wav, beats)
    hero = tb.module("core.character_sheet").read_character(character_folder(tmp_path / "hero"))
    images = tb.module("core.backgrounds").read_backgrounds(background_folder(tmp_path / "bg", ("build", "drop")))
    preset = tb.module("core.presets").load_preset("house_bounce")

    def switch(stage):
        tb.module("assemble").stage_module(stage).add_character(scene, hero, 96)
        return tb.module("assemble").bake(scene, beats, preset, stage, images)

    switch("sequencer")
    return scene, tb, switch


def names(scene):
    return sorted(s.name for s in scene.sequence_editor.strips)


def strip(scene, name):
    return scene.sequence_editor.strips_all[name]


def pose_curve(scene, tb, name="hero idle"):
    pose = strip(scene, name)
    return tb.module("compat").fcurves_of(scene).find(pose.path_from_id("blend_alpha"), index=0)


SEQUENCER = ["Toonbeat Camera", "Toonbeat Flash", "Toonbeat Track", "Toonbeat build 1", "Toonbeat drop 2",
             "Toonbeat hero"]
STAGE = ["Toonbeat Flash", "Toonbeat Stage", "Toonbeat Track"]


def test_untouched_strips_go_both_ways_and_come_back_once(switching):
    scene, _, switch = switching
    assert names(scene) == SEQUENCER
    count = switch("3d")
    assert names(scene) == STAGE
    assert count.warnings == []
    count = switch("sequencer")
    assert names(scene) == SEQUENCER
    assert count.warnings == []


def _move(scene, tb):
    strip(scene, "Toonbeat hero").frame_start += 5


def _retime(scene, tb):
    strip(scene, "Toonbeat hero").frame_final_end -= 12


def _rekey(scene, tb):
    key = pose_curve(scene, tb).keyframe_points[1]
    key.co.x += 1.0


def _delete_key(scene, tb):
    points = pose_curve(scene, tb).keyframe_points
    points.remove(points[1])


def _change_setting(scene, tb):
    strip(scene, "Toonbeat hero").color_saturation = 0.25


def _add_strip_inside(scene, tb):
    meta = strip(scene, "Toonbeat hero")
    tb.module("compat").new_effect_strip(scene, "Artist glow", "COLOR", 9, 1, 20,
                                         into=tb.module("compat").meta_strips(meta))


def _flip_a_pose(scene, tb):
    strip(scene, "hero idle").use_flip_x = True


@pytest.mark.parametrize("edit", [_move, _retime, _rekey, _delete_key, _change_setting, _add_strip_inside,
                                  _flip_a_pose])
def test_an_edited_character_strip_stays_on_the_3d_stage_and_is_not_doubled_coming_back(switching, edit):
    scene, tb, switch = switching
    edit(scene, tb)
    hero = strip(scene, "Toonbeat hero")
    before = (hero.frame_final_start, hero.frame_final_end, hero.color_saturation,
              len(tb.module("compat").meta_strips(hero)))

    count = switch("3d")

    assert names(scene) == sorted([*STAGE, "Toonbeat hero"])
    assert len(count.warnings) == 1 and "Toonbeat hero" in count.warnings[0]
    assert strip(scene, "Toonbeat hero").channel > strip(scene, "Toonbeat Flash").channel, "kept above the stage"

    count = switch("sequencer")

    assert names(scene) == SEQUENCER
    hero = strip(scene, "Toonbeat hero")
    assert (hero.frame_final_start, hero.frame_final_end, hero.color_saturation,
            len(tb.module("compat").meta_strips(hero))) == before
    assert count.warnings == []


def test_an_edit_rebaked_on_the_sequencer_stage_still_counts_as_the_artists(switching):
    scene, _, switch = switching
    strip(scene, "Toonbeat hero").channel += 3
    switch("sequencer")
    switch("3d")
    assert "Toonbeat hero" in names(scene)


def test_an_edited_background_and_camera_stay_and_come_back_updated_not_doubled(switching):
    scene, _, switch = switching
    strip(scene, "Toonbeat drop 2").color_saturation = 0.5
    camera = strip(scene, "Toonbeat Camera")
    camera.frame_final_end -= 10
    camera_end = camera.frame_final_end

    count = switch("3d")

    assert names(scene) == sorted([*STAGE, "Toonbeat Camera", "Toonbeat drop 2"])
    assert "Toonbeat drop 2" in count.warnings[0] and "Toonbeat Camera" in count.warnings[0]

    switch("sequencer")

    assert names(scene) == SEQUENCER
    assert strip(scene, "Toonbeat drop 2").color_saturation == pytest.approx(0.5)
    assert strip(scene, "Toonbeat Camera").frame_final_end == camera_end


def test_a_background_cut_moved_and_rebaked_on_the_sequencer_stage_stays_the_artists(switching):
    scene, _, switch = switching
    strip(scene, "Toonbeat build 1").frame_final_end -= 6
    switch("sequencer")
    assert strip(scene, "Toonbeat build 1").frame_final_end == 43, "the layout keeps the moved cut"
    count = switch("3d")
    assert "Toonbeat build 1" in names(scene) and "Toonbeat drop 2" not in names(scene)
    assert "Toonbeat build 1" in count.warnings[0]


def test_the_users_own_strips_stay_through_both_switches(switching):
    scene, tb, switch = switching
    tb.module("compat").new_effect_strip(scene, "Artist title", "COLOR", 20, 1, 30)
    switch("3d")
    switch("sequencer")
    assert names(scene) == sorted([*SEQUENCER, "Artist title"])


def test_an_edited_stage_strip_stays_on_the_sequencer_stage_and_3d_edits_survive_the_round_trip(switching):
    scene, tb, switch = switching
    switch("3d")
    stage = tb.module("stage.stage3d").stage_scene(scene)
    plane = stage.objects["hero idle"]
    plane.location.x += 0.75  # the artist nudges a pose plane
    objects = sorted(o.name for o in stage.objects)
    stage_strip = strip(scene, "Toonbeat Stage")
    stage_strip.blend_alpha = 0.5  # and fades the stage

    count = switch("sequencer")

    assert names(scene) == sorted([*SEQUENCER, "Toonbeat Stage"])
    assert "Toonbeat Stage" in count.warnings[0]
    others = [s.channel for s in scene.sequence_editor.strips if s.name != "Toonbeat Stage"]
    assert strip(scene, "Toonbeat Stage").channel > max(others), "out of the sequencer stage's channels"
    track = strip(scene, "Toonbeat Track").channel
    assert [strip(scene, n).channel for n in ("Toonbeat build 1", "Toonbeat drop 2", "Toonbeat hero",
                                              "Toonbeat Camera", "Toonbeat Flash")] == [track + 1, track + 1,
                                                                                        track + 2, track + 3,
                                                                                        track + 4]
    switch("3d")
    assert names(scene) == STAGE
    assert strip(scene, "Toonbeat Stage").blend_alpha == pytest.approx(0.5)
    assert sorted(o.name for o in stage.objects) == objects
    assert stage.objects["hero idle"].location.x == pytest.approx(plane.location.x)
