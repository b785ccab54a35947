"""Animated clips on the sequencer stage: image sequences under Speed strips whose keyed frame numbers
put every hit frame on its beat, and that an artist retimes by moving keys."""

import math
from pathlib import Path

import pytest

from tests.art import background_folder, clip_character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SECTIONS = ((0.0, "intro"), (4.0, "drop"))
MOVES = {"idle": (8, 2, (0, 4)), "dance": (12, 2, (3, 9))}
LOOPS = {"name": "Loops", "poses": {"intro": ["idle"], "drop": ["dance"]}, "pose_every_beats": 1,
         "effects": {"pose": {"enabled": True}, "pulse": {"enabled": True}}}


@pytest.fixture
def staged(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, bpm=120.0, seconds=8.0, sections=SECTIONS,
                                              first_beat=0.25)
    assemble = tb.module("assemble")
    preset = tb.module("core.presets").preset_from_dict(LOOPS, "loops")
    hero = tb.module("core.character_sheet").read_character(clip_character_folder(tmp_path / "hero", MOVES))
    backgrounds = tb.module("core.backgrounds").read_backgrounds(background_folder(tmp_path / "bg"))
    assemble.build_scene(scene, audio=wav, beats=beats, characters=[hero], backgrounds=backgrounds, preset=preset)

    def rebake():
        return assemble.bake(scene, beats, preset, "sequencer", backgrounds)

    return scene, tb, beats, rebake


def frame_number_curve(scene, tb, name):
    strip = scene.sequence_editor.strips_all[name]
    return tb.module("compat").fcurves_of(scene).find(strip.path_from_id("speed_frame_number"))


def shown_frame(fcurve, frame):
    """The clip frame a Speed strip shows at ``frame``: its frame number rounded down."""
    return math.floor(fcurve.evaluate(frame) + 1e-6)


def beat_frames(scene, seconds_list):
    rate = scene.render.fps / scene.render.fps_base
    return [scene.frame_start + math.floor(t * rate + 0.5) for t in seconds_list]


def test_each_move_is_an_image_sequence_under_a_speed_strip_in_cycle_order(staged):
    scene, _, _, _ = staged
    strips = scene.sequence_editor.strips_all
    dance = strips["hero dance"]
    assert dance.type == "SPEED" and dance.speed_control == "FRAME_NUMBER"
    frames = dance.input_1
    assert [e.filename for e in frames.elements][:2] == ["0003.png", "0004.png"]
    assert len(frames.elements) == 12 and frames.frame_final_duration == dance.frame_final_duration


def test_every_hit_frame_shows_on_its_beats_frame(staged):
    scene, tb, beats, _ = staged
    idle, dance = frame_number_curve(scene, tb, "hero idle"), frame_number_curve(scene, tb, "hero dance")
    intro = [t for t in beats.beats if t < 4.25]
    drop = [t for t in beats.beats if t >= 4.25]
    assert [shown_frame(idle, f) for f in beat_frames(scene, intro)] == [0, 4, 0, 4, 0, 4, 0, 4][: len(intro)]
    assert [shown_frame(dance, f) for f in beat_frames(scene, drop)] == [0, 6] * (len(drop) // 2) + \
        [0] * (len(drop) % 2)
    between = beat_frames(scene, [drop[0]])[0] + 3
    assert 0 < shown_frame(dance, between) < 6


def test_a_retimed_hit_survives_a_rebake(staged):
    scene, tb, _, rebake = staged
    dance = frame_number_curve(scene, tb, "hero dance")
    key = next(k for k in dance.keyframe_points if k.co.x > 120 and abs(k.co.y - 6.0) < 1e-6)
    moved_to = key.co.x + 2
    key.co.x += 2
    key.handle_left.x += 2
    key.handle_right.x += 2
    count = rebake()
    dance = frame_number_curve(scene, tb, "hero dance")
    assert any(abs(k.co.x - moved_to) < 1e-6 and abs(k.co.y - 6.0) < 1e-6 for k in dance.keyframe_points)
    assert not any(abs(k.co.x - (moved_to - 2)) < 0.5 for k in dance.keyframe_points)
    assert count.kept >= 1


def test_the_background_lights_pulse_on_the_beats(staged):
    scene, tb, beats, _ = staged
    background = next(s for s in scene.sequence_editor.strips_all if s.get("toonbeat", {}).get("role") == "background")
    pulse = tb.module("compat").fcurves_of(scene).find(background.path_from_id("color_multiply"))
    first_beat = beat_frames(scene, [beats.beats[1]])[0]
    assert pulse.evaluate(first_beat) > 1.2
    assert pulse.evaluate(first_beat + 6) == pytest.approx(1.0)


def test_the_3d_stage_plays_each_animated_move_on_its_plane_from_any_first_hit(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, bpm=120.0, seconds=4.0)
    folder = clip_character_folder(tmp_path / "hero", MOVES)
    hero = tb.module("core.character_sheet").read_character(folder)
    preset = tb.module("core.presets").preset_from_dict(LOOPS, "loops")
    tb.module("assemble").build_scene(scene, audio=wav, beats=beats, characters=[hero], backgrounds=None,
                                      preset=preset, stage="3d")
    planes = tb.module("stage.planes")
    stage = tb.module("stage.stage3d").stage_scene(scene)
    meshes = {obj.name: obj for obj in stage.objects if obj.type == "MESH"}
    shown = {name: (planes.image_path(obj).name, planes.texture_node(obj).image.source) for name, obj in meshes.items()}
    assert shown == {"hero idle": ("0000.png", "SEQUENCE"), "hero dance": ("0000.png", "SEQUENCE")}
    curves = tb.module("compat").fcurves_of(meshes["hero dance"].data.materials[0].node_tree)
    drawings = {round(key.co.y) for curve in curves for key in curve.keyframe_points}
    assert {3, 9, 0} <= drawings, "the dance's hits, and drawing 0 where its cycle wraps round"


def test_reimporting_a_redrawn_clip_keeps_the_artists_retimed_key_and_replaces_toonbeats(staged, tmp_path):
    scene, tb, _, rebake = staged
    dance = frame_number_curve(scene, tb, "hero dance")
    key = next(k for k in dance.keyframe_points if k.co.x > 120 and abs(k.co.y - 6.0) < 1e-6)
    key.co.x += 2
    moved_to = key.co.x
    before = {round(k.co.x): round(k.co.y, 3) for k in dance.keyframe_points}
    folder = clip_character_folder(tmp_path / "hero", {"dance": (14, 2, (3, 9))})
    hero = tb.module("core.character_sheet").read_character(folder)
    tb.module("stage.sequencer_stage").add_character(scene, hero, scene.frame_end - scene.frame_start + 1)
    rebake()
    dance = frame_number_curve(scene, tb, "hero dance")
    assert len(scene.sequence_editor.strips_all["hero dance"].input_1.elements) == 14
    assert any(abs(k.co.x - moved_to) < 1e-6 for k in dance.keyframe_points)
    after = {round(k.co.x): round(k.co.y, 3) for k in dance.keyframe_points}
    assert after != before and max(after.values()) > max(before.values())


def test_a_character_named_by_a_relative_path_still_finds_its_frames_from_the_saved_file(scene, tb, tmp_path,
                                                                                          monkeypatch):
    import bpy

    clip_character_folder(tmp_path / "project" / "chars" / "hero", MOVES)
    monkeypatch.chdir(tmp_path / "project")
    hero = tb.module("core.character_sheet").read_character("chars/hero")
    tb.module("stage.sequencer_stage").add_character(scene, hero, 48)
    (tmp_path / "project" / "out").mkdir()
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "project" / "out" / "scene.blend"))
    monkeypatch.chdir(tmp_path)
    frames = [s for s in scene.sequence_editor.strips_all if s.type == "IMAGE"]
    assert frames
    for strip in frames:
        directory = Path(bpy.path.abspath(strip.directory)).resolve()
        assert (tmp_path / "project" / "chars" / "hero").resolve() in directory.parents
        assert (directory / strip.elements[0].filename).is_file()


def rendered_pixels(scene, path):
    """The sequencer's picture of the current frame, as Blender saves it."""
    import bpy
    import numpy

    bpy.ops.render.render()
    bpy.data.images["Render Result"].save_render(filepath=str(path))
    image = bpy.data.images.load(str(path))
    pixels = numpy.array(image.pixels[:])
    bpy.data.images.remove(image)
    return pixels


def test_the_poses_not_showing_are_muted_with_their_frames_and_the_picture_stays_the_same(staged, tmp_path):
    scene, _, _, _ = staged
    strips = scene.sequence_editor.strips_all
    poses = {name: (strips[f"hero {name}"], strips[f"hero {name}"].input_1) for name in ("idle", "dance")}
    for shown, hidden, second in (("idle", "dance", 1.0), ("dance", "idle", 6.0)):
        scene.frame_set(beat_frames(scene, [second])[0] + 2)
        assert [s.mute for s in poses[shown]] == [False, False]
        assert [s.mute for s in poses[hidden]] == [True, True]
        assert poses[shown][0].blend_alpha == 1.0 and poses[hidden][0].blend_alpha == 0.0
    muted = rendered_pixels(scene, tmp_path / "muted.png")
    for strip in poses["idle"]:
        strip.mute = False  # as before poses were muted: hidden by their opacity alone
    assert numpy_equal(rendered_pixels(scene, tmp_path / "blended.png"), muted)
    poses["dance"][0].mute = True
    assert not numpy_equal(rendered_pixels(scene, tmp_path / "no_dancer.png"), muted)  # the dancer was drawn


def numpy_equal(first, second):
    import numpy

    return first.shape == second.shape and numpy.abs(first - second).max() < 1.5 / 255


def test_an_animated_pose_bounces_on_both_axes_and_switches_with_its_frames(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, bpm=120.0, seconds=4.0)
    hero = tb.module("core.character_sheet").read_character(clip_character_folder(tmp_path / "hero", MOVES))
    bouncing = {**LOOPS, "effects": {"pose": {"enabled": True}, "bounce": {"enabled": True}}}
    preset = tb.module("core.presets").preset_from_dict(bouncing, "bouncing")
    tb.module("assemble").build_scene(scene, audio=wav, beats=beats, characters=[hero], backgrounds=None,
                                      preset=preset)
    frames = scene.sequence_editor.strips_all["hero idle"].input_1
    keys = {fc.data_path.rpartition(".")[2]: len(fc.keyframe_points)
            for fc in tb.module("compat").fcurves_of(scene) if fc.data_path.startswith(frames.path_from_id())}
    assert keys.keys() >= {"scale_x", "scale_y", "mute"}
    assert keys["scale_x"] == keys["scale_y"] > 1


def test_bounce_keys_an_older_bake_left_on_a_speed_strip_go_at_the_next_bake_unless_the_artist_edited_them(staged):
    scene, tb, _, rebake = staged
    keys_module, compat = tb.module("sync.keys"), tb.module("compat")
    dance = scene.sequence_editor.strips_all["hero dance"]
    frames, values = [1.0, 13.0, 25.0, 37.0, 49.0], [1.0, 1.1, 1.0, 1.1, 1.0]
    old = [keys_module.CurveKeys(f"transform.{axis}", 0, "Toonbeat Bounce (hero)", "BEZIER", frames, values)
           for axis in ("scale_x", "scale_y")]
    kept = [keys_module.CurveKeys(path, 0, "Toonbeat", "CONSTANT", [k.co.x for k in curve.keyframe_points],
                                  [k.co.y for k in curve.keyframe_points])
            for path in ("blend_alpha", "speed_frame_number")
            if (curve := compat.fcurves_of(scene).find(dance.path_from_id(path))) is not None]
    keys_module.bake_target(dance, scene, kept + old)  # what a bake before the bounce moved to the frames wrote
    old_y = compat.fcurves_of(scene).find(dance.transform.path_from_id("scale_y"))
    old_y.keyframe_points[1].co.y = 1.7  # the artist changed one of them

    rebake()

    assert compat.fcurves_of(scene).find(dance.transform.path_from_id("scale_x")) is None
    left = compat.fcurves_of(scene).find(dance.transform.path_from_id("scale_y"))
    assert [round(k.co.y, 3) for k in left.keyframe_points] == [1.7]
