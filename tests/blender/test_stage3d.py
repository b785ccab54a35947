"""The 3D stage: image planes in a scene of their own, shown in the sequencer as a scene strip."""

import struct
import zlib

import bpy
import numpy as np
import pytest
from PIL import Image

from tests.art import (
    POSE_COLORS,
    background_folder,
    background_loop_folder,
    background_movie_folder,
    character_folder,
    clip_character_folder,
)
from tests.commands import assert_the_saved_blend_renders_it_again, toonbeat
from tests.media import probe, stream
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SECTIONS = ((0.0, "build"), (2.0, "drop"))
POSES_ONLY = {"disable": ["bounce", "shake", "zoom", "push_in", "flash", "strobe", "color"]}
DANCE_LOOP = {"name": "Dance loop", "poses": {"build": ["dance"], "drop": ["dance"]},
              "effects": {"pose": {"enabled": True}}}


@pytest.fixture
def stage3d(scene, tb, tmp_path):
    """A 4 s song loaded into a 160x90 scene whose 3D stage renders with Workbench, colours as painted."""
    scene.render.resolution_x, scene.render.resolution_y = 160, 90
    tb.module("render.output").use_flat_colors(scene)
    scene.toonbeat.stage_engine = "WORKBENCH"
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=4.0, sections=SECTIONS)
    tb.module("assemble").load_song(scene, wav, beats)
    return scene, tb, beats


def build(scene, tb, beats, folders, backgrounds=None, preset="house_bounce", **overrides):
    presets = tb.module("core.presets")
    read_character = tb.module("core.character_sheet").read_character
    stage = tb.module("stage.stage3d")
    for folder in folders:
        stage.add_character(scene, read_character(folder), 96)
    chosen = presets.apply_overrides(presets.load_preset(preset), **overrides)
    images = tb.module("core.backgrounds").read_backgrounds(backgrounds) if backgrounds else None
    return tb.module("assemble").bake(scene, beats, chosen, "3d", images)


def fcurves(tb, owner):
    return {(f.data_path, f.array_index): f for f in tb.module("compat").fcurves_of(owner)}


def render_frame(scene, frame, path):
    scene.frame_set(frame)
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    return Image.open(path).convert("RGB")


def near(color, expected, tolerance=6):
    return max(abs(a - b) for a, b in zip(color, expected, strict=True)) <= tolerance


def test_the_stage_is_a_scene_strip_between_the_track_and_the_flash(stage3d, tmp_path):
    scene, tb, beats = stage3d
    build(scene, tb, beats, [character_folder(tmp_path / "hero")], background_folder(tmp_path / "bg"))
    strips = {s.name: s for s in scene.sequence_editor.strips}
    stage = tb.module("stage.stage3d").stage_scene(scene)
    assert strips["Toonbeat Stage"].type == "SCENE"
    assert strips["Toonbeat Stage"].scene == stage
    assert strips["Toonbeat Track"].channel < strips["Toonbeat Stage"].channel < strips["Toonbeat Flash"].channel
    assert set(strips) == {"Toonbeat Track", "Toonbeat Stage", "Toonbeat Flash"}
    assert stage.camera.data.type == "ORTHO"
    assert (stage.render.resolution_x, stage.render.resolution_y, stage.frame_end) == (160, 90, scene.frame_end)
    assert stage.view_settings.view_transform == "Standard"


def test_switching_stages_keeps_only_the_chosen_stages_strips(stage3d, tmp_path):
    scene, tb, beats = stage3d
    hero = tb.module("core.character_sheet").read_character(character_folder(tmp_path / "hero"))
    minimal = tb.module("core.presets").load_preset("minimal")
    tb.module("stage.sequencer_stage").add_character(scene, hero, 96)
    tb.module("assemble").bake(scene, beats, minimal, "sequencer", None)
    tb.module("stage.stage3d").add_character(scene, hero, 96)
    tb.module("assemble").bake(scene, beats, minimal, "3d", None)
    assert sorted(s.name for s in scene.sequence_editor.strips) == ["Toonbeat Flash", "Toonbeat Stage",
                                                                    "Toonbeat Track"]
    tb.module("stage.sequencer_stage").add_character(scene, hero, 96)
    tb.module("assemble").bake(scene, beats, minimal, "sequencer", None)
    assert sorted(s.name for s in scene.sequence_editor.strips) == ["Toonbeat Camera", "Toonbeat Flash",
                                                                    "Toonbeat Track", "Toonbeat hero"]


def test_baking_keys_poses_bounce_shake_zoom_and_backgrounds_in_named_groups(stage3d, tmp_path):
    scene, tb, beats = stage3d
    count = build(scene, tb, beats, [character_folder(tmp_path / "hero")],
                  background_folder(tmp_path / "bg", labels=("build", "drop")))
    assert count.written > 100
    stage = tb.module("stage.stage3d").stage_scene(scene)
    objects = stage.objects
    for slot in POSE_COLORS:
        plane = fcurves(tb, objects[f"hero {slot}"])
        for attribute in ("hide_render", "hide_viewport"):
            curve = plane[(attribute, 0)]
            assert curve.group.name == "Toonbeat Pose (hero)"
            assert {k.interpolation for k in curve.keyframe_points} == {"CONSTANT"}
    bounce = fcurves(tb, objects["Toonbeat hero"])
    assert {key for key in bounce} == {("scale", 0), ("scale", 2)}
    assert bounce[("scale", 2)].group.name == "Toonbeat Bounce (hero)"
    camera = stage.camera
    assert fcurves(tb, camera)[("location", 0)].group.name == "Toonbeat Shake"
    assert fcurves(tb, camera.data)[("ortho_scale", 0)].group.name == "Toonbeat Zoom"
    drop = fcurves(tb, objects["Toonbeat Background drop"])[("hide_render", 0)]
    assert [(k.co.x, k.co.y) for k in drop.keyframe_points] == [(1.0, 1.0), (49.0, 0.0)]


def test_a_workbench_render_shows_each_pose_from_its_switch_frame_on(stage3d, tmp_path):
    scene, tb, beats = stage3d
    build(scene, tb, beats, [character_folder(tmp_path / "hero")], background_folder(tmp_path / "bg"),
          preset="minimal", **POSES_ONLY)
    cast = tb.module("stage.stage3d").cast(scene)
    plan = tb.module("core.choreography").plan_choreography(beats, cast, tb.module("core.presets").apply_overrides(
        tb.module("core.presets").load_preset("minimal"), **POSES_ONLY), key_spacing=1 / 24)
    frames, slots = tb.module("core.timing").track_frames(plan.track("hero", "pose"), 24.0, 1, float)
    assert len(frames) >= 2
    switch, before, after = int(frames[1]), cast[0].slots[round(slots[0])], cast[0].slots[round(slots[1])]
    assert before != after
    for frame, pose in ((switch - 1, before), (switch, after)):
        image = render_frame(scene, frame, tmp_path / f"frame{frame}.png")
        assert near(image.getpixel((80, 50)), POSE_COLORS[pose]), (frame, pose, image.getpixel((80, 50)))
        assert near(image.getpixel((3, 3)), (20, 20, 40))


def test_characters_stand_side_by_side_on_the_ground_line_without_overlapping(stage3d, tmp_path):
    scene, tb, beats = stage3d
    build(scene, tb, beats, [character_folder(tmp_path / name) for name in ("hero", "robot", "cat")])
    stage = tb.module("stage.stage3d").stage_scene(scene)
    spans = {}
    for name in ("hero", "robot", "cat"):
        plane = stage.objects[f"{name} idle"]
        feet, scale = plane.parent.location, plane.scale.x
        corners = [(feet.x + scale * v.co.x, feet.z + scale * v.co.z) for v in plane.data.vertices]
        spans[name] = (min(x for x, _ in corners), max(x for x, _ in corners), min(z for _, z in corners))
    ordered = sorted(spans.values())
    assert all(ordered[i][1] <= ordered[i + 1][0] + 1e-6 for i in range(len(ordered) - 1))
    assert spans["robot"][0] > spans["hero"][1] > spans["hero"][0] > spans["cat"][1]
    assert abs(spans["hero"][0] + spans["hero"][1]) < 0.5
    assert {round(span[2], 4) for span in spans.values()} == {round(-5 + 0.08 * 10, 4)}
    assert [m.name for m in tb.module("stage.stage3d").cast(scene)] == ["hero", "robot", "cat"]


def test_reimporting_replaces_only_what_toonbeat_made_and_keeps_the_artists_objects(stage3d, tmp_path):
    scene, tb, beats = stage3d
    stage3d_module = tb.module("stage.stage3d")
    read_character = tb.module("core.character_sheet").read_character
    folder = character_folder(tmp_path / "hero", poses=("idle", "dance", "walk"))
    build(scene, tb, beats, [folder])
    stage = stage3d_module.stage_scene(scene)
    idle = stage.objects["hero idle"]
    my_prop = bpy.data.objects.new("my prop", None)
    stage.collection.objects.link(my_prop)
    my_hat = bpy.data.objects.new("my hat", None)
    bpy.data.collections["Toonbeat hero"].objects.link(my_hat)
    my_hat.parent = stage.objects["Toonbeat hero"]
    (folder / "walk.png").unlink()
    character_folder(folder, poses=("headbang",))
    stage3d_module.add_character(scene, read_character(folder), 96)
    assert sorted(o.name for o in stage.objects["Toonbeat hero"].children if o.get("toonbeat")) == [
        "hero dance", "hero headbang", "hero idle"]
    assert stage.objects["hero idle"] == idle
    assert ("hide_render", 0) in fcurves(tb, idle)
    assert stage3d_module.remove_character(scene, "hero")
    assert {"my prop", "my hat"} <= {o.name for o in stage.objects}
    assert not [o for o in stage.objects if o.name.startswith("hero ")]
    assert stage3d_module.cast(scene) == []


@pytest.mark.parametrize(("characters_as", "key", "damage", "message"), [
    ("PLANES", True, "garbage", "not a PNG file"),
    ("GREASE_PENCIL", True, "garbage", "not a PNG file"),
    ("PLANES", False, "truncated", "Blender cannot read the image"),
])
def test_an_unreadable_pose_image_is_one_clear_error_before_anything_changes(stage3d, tmp_path, characters_as, key,
                                                                             damage, message):
    scene, tb, _ = stage3d
    scene.toonbeat.characters_as = characters_as
    scene.toonbeat.key_background = key
    stage3d_module = tb.module("stage.stage3d")
    read_character = tb.module("core.character_sheet").read_character
    stage3d_module.add_character(scene, read_character(character_folder(tmp_path / "hero")), 96)
    before = sorted(o.name for o in bpy.data.objects)
    broken = character_folder(tmp_path / "robot")
    image = broken / "dance.png"
    image.write_bytes(b"not a picture" if damage == "garbage" else image.read_bytes()[:60])
    with pytest.raises(ValueError, match=rf"dance\.png: {message}"):
        stage3d_module.add_character(scene, read_character(broken), 96)
    assert sorted(o.name for o in bpy.data.objects) == before


def test_a_flat_background_is_keyed_into_a_copy_and_no_key_leaves_the_image_alone(stage3d, tmp_path):
    scene, tb, _ = stage3d
    read_character = tb.module("core.character_sheet").read_character
    folder = character_folder(tmp_path / "paper", poses=("idle",), background=(255, 255, 255, 255))
    original = (folder / "idle.png").read_bytes()
    tb.module("stage.stage3d").add_character(scene, read_character(folder), 96)
    stage = tb.module("stage.stage3d").stage_scene(scene)
    keyed_path = tb.module("stage.planes").image_path(stage.objects["paper idle"])
    assert keyed_path != folder / "idle.png" and keyed_path.parent.name == "keyed"
    keyed = Image.open(keyed_path)
    assert keyed.getpixel((0, 0))[3] == 0 and keyed.getpixel((119, 199))[3] == 0
    assert keyed.getpixel((60, 100)) == (*POSE_COLORS["idle"], 255)
    assert (folder / "idle.png").read_bytes() == original
    tb.module("stage.sequencer_stage").add_character(scene, read_character(folder), 96)
    strip = scene.sequence_editor.strips_all["paper idle"]
    assert strip.elements[0].filename == keyed_path.name

    scene.toonbeat.key_background = False
    tb.module("stage.stage3d").add_character(scene, read_character(folder), 96)
    plane = tb.module("stage.stage3d").stage_scene(scene).objects["paper idle"]
    assert tb.module("stage.planes").image_path(plane) == folder / "idle.png"


def write_png16(path, width, height, samples, color_type):
    """A 16-bit PNG (grey: color_type 0, RGB: 2) from big-endian samples, row by row from the top."""
    row_length = width * {0: 1, 2: 3}[color_type]
    rows = b"".join(b"\0" + struct.pack(f">{row_length}H", *samples[y * row_length:(y + 1) * row_length])
                    for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))


def test_16_bit_and_grey_images_read_as_the_colours_they_show(tb, tmp_path):
    read_pixels = tb.module("stage.images").read_pixels
    write_png16(tmp_path / "rgb16.png", 2, 1, [0x8080, 0x4040, 0xFFFF, 0, 0, 0], color_type=2)
    assert read_pixels(tmp_path / "rgb16.png").rgba == bytes([128, 64, 255, 255, 0, 0, 0, 255])
    Image.new("L", (3, 1), 200).save(tmp_path / "grey.png")
    assert read_pixels(tmp_path / "grey.png").rgba == bytes([200, 200, 200, 255] * 3)
    grey16 = [0xFFFF] * 100
    for y in range(3, 7):
        grey16[y * 10 + 3:y * 10 + 7] = [0x2020] * 4
    write_png16(tmp_path / "figure16.png", 10, 10, grey16, color_type=0)
    keyed = Image.open(tb.module("stage.images").keyed_copy(tmp_path / "figure16.png"))
    assert keyed.getpixel((0, 0))[3] == 0 and keyed.getpixel((5, 5)) == (32, 32, 32, 255)


@pytest.mark.slow
def test_a_3d_stage_render_saves_a_blend_that_rebakes_and_renders_again(tmp_path):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=2.0, sections=SECTIONS[:1])
    video, blend = tmp_path / "out" / "video.mp4", tmp_path / "out" / "scene.blend"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--characters", str(character_folder(tmp_path / "hero")),
                      "--backgrounds", str(background_folder(tmp_path / "bg")), "--stage", "3d",
                      "--engine", "workbench", "--resolution", "160x90", "--fps", "24", "--blend", str(blend))
    assert result.returncode == 0, result.stderr + result.stdout
    assert int(stream(probe(video), "video")["nb_frames"]) == 48
    assert_the_saved_blend_renders_it_again(blend, video, frames=48)
    rebake = toonbeat("bake", str(blend), "--preset", "minimal")
    assert rebake.returncode == 0, rebake.stderr + rebake.stdout
    assert "Toonbeat: baked" in rebake.stdout


def dance_on_planes(scene, tb, tmp_path, hits=(0, 8)):
    """The hero dancing a 16-drawing loop of two beats (the ``hits`` white, the others grey) on planes."""
    hero = clip_character_folder(tmp_path / "hero", {"dance": (16, 2, hits)})
    tb.module("stage.stage3d").add_character(scene, tb.module("core.character_sheet").read_character(hero), 96)
    preset = tb.module("core.presets").preset_from_dict(DANCE_LOOP, "dance")
    return preset


def assert_each_hit_shows_on_its_beat(scene, beats, tmp_path, level_of, between_levels, hits=4):
    """Rendered on each of the first beats, ``level_of`` the picture is a hit's white; three frames later it is
    an in-between's grey within ``between_levels``, and the in-betweens differ."""
    rate = scene.render.fps / scene.render.fps_base
    beat_frames = [scene.frame_start + round(t * rate) for t in beats.beats if 0.2 < t < 3.5]
    assert len(beat_frames) >= hits
    seen = set()
    for frame in beat_frames[:hits]:
        on_beat = level_of(render_frame(scene, frame, tmp_path / f"beat{frame}.png"))
        between = level_of(render_frame(scene, frame + 3, tmp_path / f"between{frame}.png"))
        assert on_beat >= 245, (frame, on_beat)
        assert between_levels[0] <= between <= between_levels[1], (frame + 3, between)
        seen.add(between)
    assert len(seen) >= 2, "the drawings between the hits should differ"


def assert_a_moved_hit_key_survives_a_rebake(tb, plane, group, rebake):
    """Move the plane's key of hit drawing 8 two frames later: ``rebake()`` keeps it there, puts none back where
    it was, and counts it kept."""
    tree = plane.data.materials[0].node_tree
    path = ('nodes["Image"].image_user.frame_offset', 0)
    curve = fcurves(tb, tree)[path]
    assert curve.group.name == group
    key = next(k for k in curve.keyframe_points if k.co.x > 30 and abs(k.co.y - (8 + 1e-4)) < 1e-3)
    moved_to = key.co.x + 2
    key.co.x += 2
    key.handle_left.x += 2
    key.handle_right.x += 2
    count = rebake()
    curve = fcurves(tb, tree)[path]
    assert any(abs(k.co.x - moved_to) < 1e-6 for k in curve.keyframe_points)
    assert not any(abs(k.co.x - (moved_to - 2)) < 0.5 for k in curve.keyframe_points)
    assert count.kept >= 1


def keyed_drawings(tb, plane):
    """The drawings (texture ``frame_offset`` values, rounded) the plane's keys show."""
    curve = fcurves(tb, plane.data.materials[0].node_tree)[('nodes["Image"].image_user.frame_offset', 0)]
    return {round(key.co.y) for key in curve.keyframe_points}


def brightest(image):
    """The brightest grey level of the picture (the character's drawing: the background is dark blue)."""
    return int(np.asarray(image).min(axis=2).max())


@pytest.mark.parametrize(("fps", "fps_base", "hits"), [(24, 1.0, (0, 8)), (30, 1.001, (0, 8)), (24, 1.0, (3, 11))])
def test_a_plane_plays_its_loop_with_every_hit_drawing_on_its_beat(stage3d, tmp_path, fps, fps_base, hits):
    """Also a loop that opens before its first hit (frame 3): the plane reads the drawings by number and wraps
    round to drawing 0 before each next first hit."""
    scene, tb, beats = stage3d
    scene.render.fps, scene.render.fps_base = fps, fps_base
    preset = dance_on_planes(scene, tb, tmp_path, hits)
    tb.module("assemble").bake(scene, beats, preset, "3d", tb.module("core.backgrounds").read_backgrounds(
        background_folder(tmp_path / "bg")))
    assert_each_hit_shows_on_its_beat(scene, beats, tmp_path, brightest, (40, 160))
    plane = next(o for o in scene[tb.module("stage.stage3d").STAGE_PROPERTY].objects if o.name == "hero dance")
    assert 0 in keyed_drawings(tb, plane), "drawing 0 is keyed: the first hit, or where a later first hit's cycle wraps"


def test_a_planes_drawing_keys_sit_in_its_timing_group_and_a_moved_key_survives_a_rebake(stage3d, tmp_path):
    scene, tb, beats = stage3d
    preset = dance_on_planes(scene, tb, tmp_path)
    assemble = tb.module("assemble")
    assemble.bake(scene, beats, preset, "3d", None)
    plane = next(o for o in scene[tb.module("stage.stage3d").STAGE_PROPERTY].objects if o.name == "hero dance")
    assert_a_moved_hit_key_survives_a_rebake(tb, plane, "Toonbeat Timing (hero)",
                                             lambda: assemble.bake(scene, beats, preset, "3d", None))


def corner_level(image):
    """The grey level of the picture's top left corner, where only the background shows."""
    return image.convert("L").getpixel((4, 4))


@pytest.mark.parametrize(("fps", "fps_base", "frames", "hits"),
                         [(24, 1.0, None, (0, 8)), (30, 1.001, "frames/{index:04d}.jpg", (0, 8)),
                          (24, 1.0, None, (5, 13))])
def test_a_background_plane_plays_its_loop_with_every_hit_on_its_beat(stage3d, tmp_path, fps, fps_base, frames, hits):
    """At 24 fps from PNG frames, at 29.97 from JPEG frames (as the procedural background loops are); a loop
    that opens before its first hit wraps round to frame 0 as a movie does."""
    scene, tb, beats = stage3d
    scene.render.fps, scene.render.fps_base = fps, fps_base
    folder = background_loop_folder(tmp_path / "bg", labels=("build", "drop"), frames=frames, hits=hits)
    build(scene, tb, beats, [], folder, "minimal", **POSES_ONLY)
    stage = scene[tb.module("stage.stage3d").STAGE_PROPERTY]
    assert len([o for o in stage.objects if o.name.startswith("Toonbeat Background")]) == 2
    assert_each_hit_shows_on_its_beat(scene, beats, tmp_path, corner_level, (30, 140))
    assert 0 in keyed_drawings(tb, next(o for o in stage.objects if o.name == "Toonbeat Background drop")), \
        "drawing 0 is keyed: the first hit, or where a later first hit's cycle wraps round"


@pytest.mark.parametrize(("fps", "fps_base", "hits"), [(24, 1.0, (0, 8)), (30, 1.001, (3, 11))])
def test_a_background_movie_plays_on_its_plane_with_every_hit_on_its_beat(stage3d, tmp_path, fps, fps_base, hits):
    """A movie clip is a movie image texture keyed like a loop of frames; one opening before its first hit plays
    those frames before the beat."""
    scene, tb, beats = stage3d
    scene.render.fps, scene.render.fps_base = fps, fps_base
    folder = background_movie_folder(tmp_path / "bg", labels=("build", "drop"), hits=hits)
    build(scene, tb, beats, [], folder, "minimal", **POSES_ONLY)
    stage = scene[tb.module("stage.stage3d").STAGE_PROPERTY]
    plane = next(o for o in stage.objects if o.name == "Toonbeat Background drop")
    texture = plane.data.materials[0].node_tree.nodes["Image"]
    assert (texture.image.source, texture.image_user.use_auto_refresh) == ("MOVIE", True)
    assert 1 in keyed_drawings(tb, plane), "movie frame 0 (offset 1) is keyed: the first hit, or the wrap round"
    assert_each_hit_shows_on_its_beat(scene, beats, tmp_path, corner_level, (30, 140))


def test_a_movie_shorter_than_its_clip_says_is_refused_before_the_stage_changes(stage3d, tmp_path):
    scene, tb, beats = stage3d
    folder = background_movie_folder(tmp_path / "bg")
    clip_json = folder / "drop" / "clip.json"
    clip_json.write_text(clip_json.read_text().replace('"frame_count":16', '"frame_count":40'))
    with pytest.raises(ValueError, match="has 16 frame"):
        build(scene, tb, beats, [], folder, "minimal", **POSES_ONLY)
    stage = scene[tb.module("stage.stage3d").STAGE_PROPERTY]
    assert not [o for o in stage.objects if o.name.startswith("Toonbeat Background")]
    assert not [image for image in bpy.data.images if image.filepath.endswith("loop.mp4")]


def test_a_background_loops_keys_sit_in_the_timing_group_and_a_moved_key_survives_a_rebake(stage3d, tmp_path):
    scene, tb, beats = stage3d
    folder = background_loop_folder(tmp_path / "bg")
    build(scene, tb, beats, [], folder, "minimal", **POSES_ONLY)
    stage = scene[tb.module("stage.stage3d").STAGE_PROPERTY]
    plane = next(o for o in stage.objects if o.name.startswith("Toonbeat Background"))
    assert_a_moved_hit_key_survives_a_rebake(tb, plane, "Toonbeat Timing",
                                             lambda: build(scene, tb, beats, [], folder, "minimal", **POSES_ONLY))


def test_background_stills_beside_a_loop_stay_stills(stage3d, tmp_path):
    scene, tb, beats = stage3d
    folder = background_loop_folder(tmp_path / "bg", labels=("drop",))
    Image.new("RGB", (320, 180), (200, 30, 30)).save(folder / "build.png")
    build(scene, tb, beats, [], folder, "minimal", **POSES_ONLY)
    first_beat = scene.frame_start + round(beats.beats[0] * 24)
    assert render_frame(scene, first_beat + 3, tmp_path / "still.png").getpixel((4, 4)) == pytest.approx(
        (200, 30, 30), abs=6)
    stage = scene[tb.module("stage.stage3d").STAGE_PROPERTY]
    still = next(o for o in stage.objects if o.name == "Toonbeat Background build")
    assert tb.module("compat").fcurves_of(still.data.materials[0].node_tree) is None, "a still has no drawing keys"
    assert still.data.materials[0].node_tree.nodes["Image"].image.source == "FILE"
