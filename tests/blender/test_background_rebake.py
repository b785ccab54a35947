"""Re-baking lays the sequencer stage's backgrounds out again and keeps the artist's edits to them."""

import pytest

from tests.art import background_folder, background_loop_folder, background_movie_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SECTIONS = ((0.0, "intro"), (4.0, "build"), (8.0, "drop"), (12.0, "outro"))


@pytest.fixture
def staged(scene, tb, tmp_path):
    """A 16 s song with four sections: stills for the intro, build and outro, a loop for the drop."""
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=16.0, sections=SECTIONS)
    folder = background_folder(tmp_path / "bg", ("intro", "build", "outro"))
    background_loop_folder(folder, ("drop",))
    backgrounds = tb.module("core.backgrounds").read_backgrounds(folder)
    assemble = tb.module("assemble")
    presets = tb.module("core.presets")
    assemble.build_scene(scene, audio=wav, beats=beats, characters=[], backgrounds=backgrounds,
                         preset=presets.load_preset("house_bounce"))

    def rebake(preset: str = "industrial_headbang"):
        return assemble.bake(scene, beats, presets.load_preset(preset), "sequencer", backgrounds)

    return scene, tb, rebake


def strip(scene, name):
    return scene.sequence_editor.strips_all[name]


def curve(scene, tb, target, path):
    return tb.module("compat").fcurves_of(scene).find(target.path_from_id(path), index=0)


def keys(fcurve):
    return {round(k.co.x, 3): k.co.y for k in fcurve.keyframe_points}


def loop_of(tb, meta):
    return next(tb.module("stage.roles").with_role(tb.module("compat").meta_strips(meta), "loop"))


def backgrounds(tb, scene):
    return sorted(s.name for s in tb.module("stage.roles").with_role(tb.module("compat").strips(scene), "background"))


def test_an_untouched_rebake_keeps_the_same_strips_and_rewrites_their_keys_once(staged):
    scene, tb, rebake = staged
    names = backgrounds(tb, scene)
    pulse = keys(curve(scene, tb, strip(scene, "Toonbeat intro 1"), "color_multiply"))
    cycle = keys(curve(scene, tb, loop_of(tb, strip(scene, "Toonbeat drop 3")), "speed_frame_number"))

    count = rebake("house_bounce")

    assert backgrounds(tb, scene) == names == ["Toonbeat build 2", "Toonbeat drop 3", "Toonbeat intro 1",
                                               "Toonbeat outro 4"]
    assert count.kept == 0
    assert keys(curve(scene, tb, strip(scene, "Toonbeat intro 1"), "color_multiply")) == pulse
    assert keys(curve(scene, tb, loop_of(tb, strip(scene, "Toonbeat drop 3")), "speed_frame_number")) == cycle


def test_moved_cuts_timing_keys_changed_added_and_deleted_strips_survive_a_rebake(staged):
    scene, tb, rebake = staged
    intro, build, drop = (strip(scene, f"Toonbeat {name}") for name in ("intro 1", "build 2", "drop 3"))
    cut = intro.frame_final_end
    intro.frame_final_end = build.frame_final_start = cut - 6  # the artist moves the cut 6 frames earlier
    cycle = curve(scene, tb, loop_of(tb, drop), "speed_frame_number")
    moved, deleted = cycle.keyframe_points[3], cycle.keyframe_points[6]
    moved_from, deleted_frame = round(moved.co.x, 3), round(deleted.co.x, 3)
    moved.co.x += 1
    moved.handle_left.x += 1
    moved.handle_right.x += 1
    moved_to, moved_value = round(moved.co.x, 3), moved.co.y
    cycle.keyframe_points.remove(deleted)
    build.transform.scale_x = build.transform.scale_y = 2.5  # the artist zooms into the build's picture
    compat = tb.module("compat")
    compat.new_effect_strip(scene, "Artist glow", "COLOR", 12, 1, 40)
    copy = compat.new_effect_strip(scene, "Toonbeat intro 1.001", "COLOR", 13, 1, 40)
    for name in ("toonbeat", "_toonbeat_layout"):  # what Blender's duplicate copies
        copy[name] = intro[name]
    tb.module("compat").strips(scene).remove(strip(scene, "Toonbeat outro 4"))
    scene.render.resolution_x, scene.render.resolution_y = 640, 360

    count = rebake()

    assert backgrounds(tb, scene) == ["Toonbeat build 2", "Toonbeat drop 3", "Toonbeat intro 1",
                                      "Toonbeat intro 1.001"]
    intro, build, drop = (strip(scene, f"Toonbeat {name}") for name in ("intro 1", "build 2", "drop 3"))
    assert intro.frame_final_end == build.frame_final_start == cut - 6
    assert (build.transform.scale_x, build.transform.scale_y) == (pytest.approx(2.5), pytest.approx(2.5))
    assert intro.transform.scale_x == pytest.approx(2.0), "an untouched strip fills the new frame size"
    cycle_after = keys(curve(scene, tb, loop_of(tb, drop), "speed_frame_number"))
    assert cycle_after[moved_to] == pytest.approx(moved_value)
    assert moved_from not in cycle_after
    assert deleted_frame not in cycle_after
    assert count.kept >= 1
    assert strip(scene, "Artist glow").channel == 12
    assert curve(scene, tb, copy, "color_multiply") is None, "an artist's copy is not keyed"
    assert curve(scene, tb, intro, "color_multiply") is not None

    rebake("house_bounce")

    assert "Toonbeat outro 4" not in backgrounds(tb, scene), "a strip the artist deleted stays deleted"
    assert strip(scene, "Toonbeat intro 1").frame_final_end == cut - 6
    assert deleted_frame not in keys(curve(scene, tb, loop_of(tb, strip(scene, "Toonbeat drop 3")),
                                           "speed_frame_number"))


def test_untouched_cuts_follow_new_sections_and_a_moved_cut_stays(staged, tmp_path):
    scene, tb, _ = staged
    intro, build, drop = (strip(scene, f"Toonbeat {name}") for name in ("intro 1", "build 2", "drop 3"))
    drop_end = drop.frame_final_end
    drop.frame_final_end = drop_end - 10  # the artist ends the drop early
    (tmp_path / "later").mkdir()
    _, _, beats = click_song_with_beat_file(tmp_path / "later", seconds=16.0,
                                              sections=((0.0, "intro"), (5.0, "build"), (9.0, "drop"),
                                                        (12.0, "outro")))
    folder = tmp_path / "bg"
    assemble, presets = tb.module("assemble"), tb.module("core.presets")

    assemble.bake(scene, beats, presets.load_preset("house_bounce"), "sequencer",
                  tb.module("core.backgrounds").read_backgrounds(folder))

    rate = scene.render.fps / scene.render.fps_base
    assert (intro.frame_final_start, intro.frame_final_end) == (1, 1 + 5 * rate)
    assert (build.frame_final_start, build.frame_final_end) == (1 + 5 * rate, 1 + 9 * rate)
    assert (drop.frame_final_start, drop.frame_final_end) == (1 + 9 * rate, drop_end - 10)
    frames = next(tb.module("stage.roles").with_role(tb.module("compat").meta_strips(drop), "frames"))
    assert frames.frame_final_start == drop.frame_final_start, "the loop's frames follow its strip"
    assert {s.channel for s in (intro, build, drop)} == {strip(scene, "Toonbeat outro 4").channel}


def test_a_movie_loop_is_a_movie_strip_under_its_speed_strip_and_keeps_a_moved_key(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=8.0)
    images = tb.module("core.backgrounds").read_backgrounds(background_movie_folder(tmp_path / "bg"))
    assemble, presets = tb.module("assemble"), tb.module("core.presets")
    assemble.build_scene(scene, audio=wav, beats=beats, characters=[], backgrounds=images,
                         preset=presets.load_preset("house_bounce"))
    drop = strip(scene, "Toonbeat drop 1")
    frames = next(tb.module("stage.roles").with_role(tb.module("compat").meta_strips(drop), "frames"))
    assert frames.type == "MOVIE" and frames.frame_duration == 16
    cycle = curve(scene, tb, loop_of(tb, drop), "speed_frame_number")
    moved = cycle.keyframe_points[2]
    moved.co.y += 3.0
    moved_key = (moved.co.x, moved.co.y)

    assemble.bake(scene, beats, presets.load_preset("industrial_headbang"), "sequencer", images)

    assert backgrounds(tb, scene) == ["Toonbeat drop 1"]
    after = keys(curve(scene, tb, loop_of(tb, strip(scene, "Toonbeat drop 1")), "speed_frame_number"))
    assert after[round(moved_key[0], 3)] == pytest.approx(moved_key[1])


def test_backgrounds_come_back_when_the_scene_switches_back_from_the_3d_stage(staged, tmp_path):
    scene, tb, rebake = staged
    names = backgrounds(tb, scene)
    images = tb.module("core.backgrounds").read_backgrounds(tmp_path / "bg")
    _, _, beats = click_song_with_beat_file(tmp_path, seconds=16.0, sections=SECTIONS)
    tb.module("assemble").bake(scene, beats, tb.module("core.presets").load_preset("minimal"), "3d", images)
    assert backgrounds(tb, scene) == []

    rebake()

    assert backgrounds(tb, scene) == names
