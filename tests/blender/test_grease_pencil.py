"""Grease Pencil characters: traced poses, a material per colour, pose switches as keyframes.

On Blender 4.3+ (Grease Pencil v3) a switch instances its pose's drawing; on 4.2 (legacy) it holds a copy.
"""

import hashlib
from array import array

import bpy
import pytest
from PIL import Image, ImageDraw

from tests.art import POSE_COLORS, background_folder, character_folder, clip_character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SECTIONS = ((0.0, "build"), (2.0, "drop"))
POSES_ONLY = {"disable": ["bounce", "shake", "zoom", "push_in", "flash", "strobe", "color"]}


@pytest.fixture
def drawn(scene, tb, tmp_path):
    """A 4 s song's beats and a character drawn in Grease Pencil on a 160x90 3D stage (Workbench, colours as
    painted). No sound strip: the drawings need only the frame range, and Blender 4.2's wheel has no audio."""
    scene.render.resolution_x, scene.render.resolution_y = 160, 90
    tb.module("render.output").use_flat_colors(scene)
    scene.toonbeat.stage_engine = "WORKBENCH"
    scene.toonbeat.characters_as = "GREASE_PENCIL"
    _, _, beats = click_song_with_beat_file(tmp_path, seconds=4.0, sections=SECTIONS)
    tb.module("stage.sequencer_stage").song_frames(scene, beats.duration)
    read_character = tb.module("core.character_sheet").read_character
    tb.module("stage.stage3d").add_character(scene, read_character(character_folder(tmp_path / "hero")), 96)
    images = tb.module("core.backgrounds").read_backgrounds(background_folder(tmp_path / "bg"))

    def bake(preset="house_bounce", **overrides):
        presets = tb.module("core.presets")
        chosen = presets.apply_overrides(presets.load_preset(preset), **overrides)
        tb.module("assemble").bake(scene, beats, chosen, "3d", images)
        plan = tb.module("core.choreography").plan_choreography(
            beats, tb.module("stage.stage3d").cast(scene), chosen, key_spacing=1 / 24)
        frames, slots = tb.module("core.timing").track_frames(plan.track("hero", "pose"), 24.0, 1, float)
        return [int(f) for f in frames], [round(s) for s in slots]

    drawing = tb.module("stage.stage3d").stage_scene(scene).objects["hero drawing"]
    return scene, tb, drawing, bake


def srgb(linear):
    return tuple(round(255 * (12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055)) for c in linear[:3])


def is_v3(tb):
    return tb.module("compat").HAS_GREASE_PENCIL_V3


def strokes_of(frame):
    """The strokes a keyframe shows (v3: of its drawing; legacy: its own)."""
    return frame.drawing.strokes if hasattr(frame, "drawing") else frame.strokes


def shows(frame):
    """What a keyframe shows: v3 its drawing, legacy its strokes' materials and point positions."""
    if hasattr(frame, "drawing"):
        return frame.drawing.as_pointer()
    digest = hashlib.sha256()
    for stroke in frame.strokes:
        positions = array("f", bytes(12 * len(stroke.points)))
        stroke.points.foreach_get("co", positions)
        digest.update(bytes([stroke.material_index]) + positions.tobytes())
    return digest.hexdigest()


def library(tb, drawing):
    """Pose slot -> its library keyframe."""
    layer = tb.module("stage.grease_pencil").pose_layer(drawing)
    numbers = dict(drawing["toonbeat"]["library"])
    return {slot: next(f for f in layer.frames if f.frame_number == n) for slot, n in numbers.items()}


def switches(tb, drawing):
    """Keyframe number -> what it shows (see ``shows``), leaving out the library."""
    layer = tb.module("stage.grease_pencil").pose_layer(drawing)
    kept = set(dict(drawing["toonbeat"]["library"]).values())
    return {f.frame_number: shows(f) for f in layer.frames if f.frame_number not in kept}


def test_each_pose_is_traced_into_filled_outlined_strokes_with_a_material_per_colour(drawn):
    scene, tb, drawing, _ = drawn
    materials = list(drawing.data.materials)
    fills = {srgb(m.grease_pencil.fill_color) for m in materials if not m.grease_pencil.use_fill_holdout}
    assert fills == {*POSE_COLORS.values(), (0, 0, 0)}
    poses = library(tb, drawing)
    assert sorted(poses) == sorted(POSE_COLORS)
    assert all(frame.frame_number < scene.frame_start for frame in poses.values())
    for slot, frame in poses.items():
        strokes = list(strokes_of(frame))
        used = [materials[s.material_index] for s in strokes]
        assert [srgb(m.grease_pencil.fill_color) for m in used] == [(0, 0, 0), POSE_COLORS[slot]]
        assert all(getattr(s, "cyclic", getattr(s, "use_cyclic", False)) and len(s.points) >= 8 for s in strokes)
        assert all(m.grease_pencil.show_fill and m.grease_pencil.show_stroke for m in used)
        assert all(srgb(m.grease_pencil.color) == (0, 0, 0) for m in used)


def test_pose_switches_are_keyframes_showing_each_poses_drawing(drawn):
    _, tb, drawing, bake = drawn
    frames, slots = bake()
    assert len(frames) > 6
    poses = library(tb, drawing)
    cast_slots = drawing["toonbeat"]["slots"]
    assert len(set(map(shows, poses.values()))) == len(poses)
    assert switches(tb, drawing) == {
        frame: shows(poses[cast_slots[slot]]) for frame, slot in zip(frames, slots, strict=True)}
    for slot, frame in poses.items():
        if is_v3(tb):
            assert frame.drawing.user_count == 1 + [cast_slots[s] for s in slots].count(slot)
        else:
            assert len(frame.strokes) == 2


def test_a_redrawn_library_pose_reaches_its_switches_at_once_on_4_3_and_at_the_next_bake_on_4_2(drawn):
    _, tb, drawing, bake = drawn
    frames, slots = bake()
    poses = library(tb, drawing)
    cast_slots = drawing["toonbeat"]["slots"]
    redrawn = cast_slots[slots[0]]
    layer = tb.module("stage.grease_pencil").pose_layer(drawing)
    if is_v3(tb):  # a switch instances the library drawing
        def first_switch_x() -> float:
            switch = next(f for f in layer.frames if f.frame_number == frames[0])
            return strokes_of(switch)[1].points[0].position.x

        point = strokes_of(poses[redrawn])[1].points[0]
        point.position.x += 5.0
        moved = point.position.x
        assert first_switch_x() == pytest.approx(moved)
        bake()
        assert first_switch_x() == pytest.approx(moved)
        return
    poses[redrawn].strokes[1].points[0].co.x += 5.0
    assert switches(tb, drawing)[frames[0]] != shows(poses[redrawn])
    artists = next(f for f in layer.frames if f.frame_number == frames[1])
    artists.strokes[1].points[0].co.z -= 5.0
    artists_drawing = shows(artists)
    bake()
    assert switches(tb, drawing) == {
        frame: artists_drawing if frame == frames[1] else shows(poses[cast_slots[slot]])
        for frame, slot in zip(frames, slots, strict=True)}


def test_a_workbench_render_shows_the_drawn_pose_from_its_switch_frame_on(drawn, tmp_path):
    scene, _, drawing, bake = drawn
    frames, slots = bake("minimal", **POSES_ONLY)
    cast_slots = drawing["toonbeat"]["slots"]
    scene.render.image_settings.file_format = "PNG"
    for frame, slot in ((frames[1] - 1, slots[0]), (frames[1], slots[1])):
        scene.frame_set(frame)
        scene.render.filepath = str(tmp_path / f"frame{frame}.png")
        bpy.ops.render.render(write_still=True)
        pixel = Image.open(tmp_path / f"frame{frame}.png").convert("RGB").getpixel((80, 50))
        expected = POSE_COLORS[cast_slots[slot]]
        assert max(abs(a - b) for a, b in zip(pixel, expected, strict=True)) <= 6, (frame, pixel, expected)


def test_rebaking_keeps_the_pose_keyframes_the_artist_moved_added_or_deleted(drawn):
    _, tb, drawing, bake = drawn
    frames, _ = bake()
    layer = tb.module("stage.grease_pencil").pose_layer(drawing)
    poses = library(tb, drawing)
    moved_from, deleted = frames[3], frames[5]
    moved_to = next(f for f in range(moved_from + 1, frames[4]))
    moved_drawing = switches(tb, drawing)[moved_from]
    added = next(f for f in range(frames[6] + 1, 97) if f not in frames)
    if is_v3(tb):
        layer.frames.move(moved_from, moved_to)
        layer.frames.remove(deleted)
        layer.frames.copy(poses["idle"].frame_number, added, instance_drawing=True)
    else:
        next(f for f in layer.frames if f.frame_number == moved_from).frame_number = moved_to
        layer.frames.remove(next(f for f in layer.frames if f.frame_number == deleted))
        copy = layer.frames.new(added)
        for stroke in poses["idle"].strokes:
            copy.strokes.new().material_index = stroke.material_index
            copy.strokes[-1].points.add(len(stroke.points))
            for point, source in zip(copy.strokes[-1].points, stroke.points, strict=True):
                point.co = source.co

    minimal_frames, _ = bake("minimal")
    after = switches(tb, drawing)
    assert set(after) == (set(minimal_frames) - {moved_from, deleted}) | {moved_to, added}
    assert after[moved_to] == moved_drawing
    assert after[added] == shows(poses["idle"])
    assert deleted not in after and moved_from not in after


def test_reimporting_without_a_pose_removes_its_keyframes_and_keeps_the_others(drawn, tmp_path):
    scene, tb, drawing, bake = drawn
    frames, slots = bake()
    cast_slots = list(drawing["toonbeat"]["slots"])
    gone = cast_slots[slots[1]]
    kept = {frame for frame, slot in zip(frames, slots, strict=True) if cast_slots[slot] != gone}
    assert 0 < len(kept) < len(frames)
    (tmp_path / "hero" / f"{gone}.png").unlink()
    read_character = tb.module("core.character_sheet").read_character
    tb.module("stage.stage3d").add_character(scene, read_character(tmp_path / "hero"), 96)
    poses = library(tb, drawing)
    assert sorted(poses) == sorted(set(POSE_COLORS) - {gone})
    after = switches(tb, drawing)
    assert set(after) == kept
    assert set(after.values()) <= {shows(frame) for frame in poses.values()}


def test_see_through_holes_are_cut_out_by_a_holdout_material(drawn, tmp_path):
    scene, tb, _, _ = drawn
    folder = tmp_path / "ring"
    folder.mkdir()
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse([5, 5, 95, 95], fill=(*POSE_COLORS["dance"], 255))
    ImageDraw.Draw(image).ellipse([35, 35, 65, 65], fill=(0, 0, 0, 0))
    image.save(folder / "idle.png")
    read_character = tb.module("core.character_sheet").read_character
    tb.module("stage.stage3d").add_character(scene, read_character(folder), 96)
    ring = tb.module("stage.stage3d").stage_scene(scene).objects["ring drawing"]
    [frame] = library(tb, ring).values()
    used = [ring.data.materials[s.material_index].grease_pencil for s in strokes_of(frame)]
    assert [m.use_fill_holdout for m in used] == [False, True]



def test_a_corrupt_record_warns_and_loses_no_pose_keyframe(drawn):
    """Recovering: every switch found stays (those the new bake writes again exactly are rewritten as
    they were), and the record is whole again afterwards."""
    _, tb, drawing, bake = drawn
    frames, _ = bake()
    before = switches(tb, drawing)
    drawing["_toonbeat_pose_frames"] = '{"poses": {"frames": [1, 13'
    minimal_frames, _ = bake("minimal")
    after = switches(tb, drawing)
    assert {frame: after.get(frame) for frame in before} == before
    assert set(minimal_frames) - set(frames) <= set(after)
    record = tb.module("core.edits").read_record(drawing["_toonbeat_pose_frames"])
    assert record.problems == []


DANCE_LOOP = {"name": "Dance loop", "poses": {"build": ["dance"], "drop": ["dance"]},
              "effects": {"pose": {"enabled": True}}}


@pytest.fixture
def dancing(drawn, tmp_path):
    """The drawn stage with a second character, ``dancer``, whose dance is a 16-drawing loop of two beats
    (hits 0 and 8 white, the drawings between them grey), and a bake that keys it dancing throughout."""
    scene, tb, _, _ = drawn
    read_character = tb.module("core.character_sheet").read_character
    folder = clip_character_folder(tmp_path / "dancer", {"dance": (16, 2, (0, 8))})
    tb.module("stage.stage3d").remove_character(scene, "hero")
    tb.module("stage.stage3d").add_character(scene, read_character(folder), 96)
    (tmp_path / "song").mkdir()
    _, _, beats = click_song_with_beat_file(tmp_path / "song", seconds=4.0, sections=SECTIONS)
    preset = tb.module("core.presets").preset_from_dict(DANCE_LOOP, "dance")

    def bake():
        return tb.module("assemble").bake(scene, beats, preset, "3d", None)

    drawing = tb.module("stage.stage3d").stage_scene(scene).objects["dancer drawing"]
    return scene, tb, beats, drawing, bake


def shown_keys(tb, drawing):
    """Keyframe number -> the library drawing it shows (``dance:8``), leaving out the library."""
    by_content = {shows(frame): slot for slot, frame in library(tb, drawing).items()}
    return {number: by_content.get(content) for number, content in switches(tb, drawing).items()}


def test_every_drawing_of_a_loop_is_traced_once_and_a_reimport_reads_the_saved_tracings(dancing, tmp_path,
                                                                                        monkeypatch):
    scene, tb, _, drawing, _ = dancing
    assert sorted(library(tb, drawing)) == sorted(f"dance:{index}" for index in range(16))
    levels = {key: srgb(drawing.data.materials[strokes_of(frame)[0].material_index].grease_pencil.fill_color)
              for key, frame in library(tb, drawing).items()}
    assert levels["dance:0"] == levels["dance:8"] == (255, 255, 255)
    assert len({levels[f"dance:{index}"] for index in range(16)}) == 15
    tracing = tb.module("stage.grease_pencil_tracing")
    calls = []
    monkeypatch.setattr(tracing, "trace", lambda *args: calls.append(args) or pytest.fail("traced again"))
    read_character = tb.module("core.character_sheet").read_character
    tb.module("stage.stage3d").add_character(scene, read_character(tmp_path / "dancer"), 96)
    assert calls == []
    assert sorted(library(tb, drawing)) == sorted(f"dance:{index}" for index in range(16))


def test_a_loop_plays_as_keyframes_with_each_hit_drawing_on_its_beat(dancing):
    scene, tb, beats, drawing, bake = dancing
    bake()
    shown = shown_keys(tb, drawing)
    beat_frames = [scene.frame_start + round(t * 24) for t in beats.beats if t < 3.9]
    for frame in beat_frames:
        assert shown[frame] in ("dance:0", "dance:8"), (frame, shown.get(frame))
    between = {key for number, key in shown.items() if number not in beat_frames}
    assert len(between) >= 10, "the drawings between the hits are keyed too"
    assert "dance:0" not in between and "dance:8" not in between


@pytest.mark.parametrize(("fps", "fps_base"), [(24, 1.0), (30, 1.001)])
def test_a_workbench_render_shows_each_hit_drawing_on_its_beat(dancing, tmp_path, fps, fps_base):
    scene, _, beats, _, bake = dancing
    scene.render.fps, scene.render.fps_base = fps, fps_base
    bake()
    rate = fps / fps_base
    scene.render.image_settings.file_format = "PNG"
    seen = set()
    for time in [t for t in beats.beats if 0.2 < t < 3.5][:4]:
        beat = scene.frame_start + round(time * rate)
        for frame, low, high in ((beat, 245, 255), (beat + 3, 40, 160)):
            scene.frame_set(frame)
            scene.render.filepath = str(tmp_path / f"frame{frame}.png")
            bpy.ops.render.render(write_still=True)
            level = Image.open(tmp_path / f"frame{frame}.png").convert("L").getpixel((80, 50))
            assert low <= level <= high, (frame, level)
            seen.add(level)
    assert len(seen) >= 3, "the drawings between the hits differ"


def test_rebaking_keeps_a_loops_drawing_keyframe_the_artist_moved(dancing):
    scene, tb, beats, drawing, bake = dancing
    bake()
    layer = tb.module("stage.grease_pencil").pose_layer(drawing)
    beat = next(scene.frame_start + round(t * 24) for t in beats.beats if t > 1.2)
    hit = shown_keys(tb, drawing)[beat]
    moved_to = beat + 1
    occupied = next((f for f in layer.frames if f.frame_number == moved_to), None)
    if occupied is not None:
        layer.frames.remove(moved_to if is_v3(tb) else occupied)
    if is_v3(tb):
        layer.frames.move(beat, moved_to)
    else:
        next(f for f in layer.frames if f.frame_number == beat).frame_number = moved_to
    count = bake()
    after = shown_keys(tb, drawing)
    assert after[moved_to] == hit
    assert after.get(beat) != hit, "the hit moved away from the beat stays away (an in-between may follow there)"
    assert count.kept >= 1


def test_untraced_names_the_drawings_an_import_would_still_trace(dancing, tmp_path):
    _, tb, _, _, _ = dancing
    tracing = tb.module("stage.grease_pencil_tracing")
    assert tracing.untraced(sorted((tmp_path / "dancer" / "dance" / "frames").glob("*.png"))) == []
    other = clip_character_folder(tmp_path / "other", {"dance": (4, 2, (0, 2))}, size=(90, 150))
    new = sorted((other / "dance" / "frames").glob("*.png"))
    assert tracing.untraced(new) == new


def respaced(frame, previous, beat, following, moved_to):
    """Where the in-between keyframe at ``frame`` belongs once the hit at ``beat`` moved to ``moved_to``."""
    if previous < frame < beat:
        return round(previous + (frame - previous) * (moved_to - previous) / (beat - previous))
    if beat < frame < following:
        return round(moved_to + (frame - beat) * (following - moved_to) / (following - beat))
    return frame


@pytest.mark.parametrize("shift", [3, -2])
def test_a_moved_hit_keyframe_carries_the_in_betweens_around_it_and_stays_where_it_was_put(dancing, shift):
    scene, tb, _, drawing, bake = dancing
    bake()
    before = shown_keys(tb, drawing)
    hits = sorted(n for n, key in before.items() if key in ("dance:0", "dance:8") and n >= scene.frame_start)
    previous, beat, following = hits[2:5]
    moved_to = beat + shift
    layer = tb.module("stage.grease_pencil").pose_layer(drawing)
    occupied = next((f for f in layer.frames if f.frame_number == moved_to), None)
    if occupied is not None:  # an in-between there: the artist's move replaces it
        layer.frames.remove(moved_to if is_v3(tb) else occupied)
    if is_v3(tb):
        layer.frames.move(beat, moved_to)
    else:
        next(f for f in layer.frames if f.frame_number == beat).frame_number = moved_to
    expected = {respaced(frame, previous, beat, following, moved_to): key
                for frame, key in sorted(before.items()) if frame != beat}
    expected[moved_to] = before[beat]

    for _ in range(2):  # and a second re-bake changes nothing
        bake()
        after = shown_keys(tb, drawing)
        assert after == expected
    between = [after[f] for f in sorted(after) if previous < f < moved_to]
    assert len(between) >= 5 and len(set(between)) == len(between), "every in-between still shows, in order"
