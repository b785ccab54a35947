"""Re-baking with another preset replaces Toonbeat's untouched keys and keeps every hand edit."""

import pytest

from tests.art import background_folder, character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender
SECTIONS = ((0.0, "intro"), (4.0, "build"), (8.0, "drop"))


@pytest.fixture
def baked(scene, tb, tmp_path):
    wav, _, beats = click_song_with_beat_file(tmp_path, seconds=12.0, sections=SECTIONS)
    assemble = tb.module("assemble")
    presets = tb.module("core.presets")
    characters = tb.module("core.character_sheet")
    backgrounds = tb.module("core.backgrounds").read_backgrounds(background_folder(tmp_path / "bg"))
    assemble.build_scene(scene, audio=wav, beats=beats,
                         characters=[characters.read_character(character_folder(tmp_path / "hero"))],
                         backgrounds=backgrounds, preset=presets.load_preset("house_bounce"))

    def rebake(preset: str):
        return assemble.bake(scene, beats, presets.load_preset(preset), "sequencer", backgrounds)

    return scene, tb, rebake


def curve(scene, tb, strip_name, path, index=0):
    strip = scene.sequence_editor.strips_all[strip_name]
    container, _, attribute = path.rpartition(".")
    data_path = (strip.path_resolve(container) if container else strip).path_from_id(attribute)
    return tb.module("compat").fcurves_of(scene).find(data_path, index=index)


def keys(fcurve):
    return {round(k.co.x): k.co.y for k in fcurve.keyframe_points}


def test_moved_changed_added_and_deleted_keys_survive_a_rebake(baked):
    scene, tb, rebake = baked
    flash = curve(scene, tb, "Toonbeat Flash", "blend_alpha")
    peaks = [k for k in flash.keyframe_points if k.co.y > 0]
    moved, changed = peaks[3], peaks[6]
    moved_from = round(moved.co.x)
    moved.co.x += 2
    moved.handle_left.x += 2
    moved.handle_right.x += 2
    moved_to, moved_value = round(moved.co.x), moved.co.y
    changed_frame = round(changed.co.x)
    changed.co.y = 0.9
    pose = curve(scene, tb, "hero dance", "blend_alpha")
    deleted = pose.keyframe_points[2]
    deleted_frame = round(deleted.co.x)
    pose.keyframe_points.remove(deleted)
    camera = curve(scene, tb, "Toonbeat Camera", "transform.offset_x")
    free_frame = next(f for f in range(30, 200) if f not in keys(camera))
    camera.keyframe_points.insert(free_frame, 17.0)
    scene.sequence_editor.strips_all["Toonbeat Flash"].keyframe_insert("color_saturation", frame=10)
    untouched = next(round(k.co.x) for k in flash.keyframe_points if k.co.y > 0 and k not in (moved, changed))
    before = keys(flash)[untouched]

    count = rebake("industrial_headbang")

    assert count.kept == 3
    flash_after = keys(curve(scene, tb, "Toonbeat Flash", "blend_alpha"))
    assert flash_after[moved_to] == pytest.approx(moved_value)
    assert moved_from not in flash_after
    assert flash_after[changed_frame] == pytest.approx(0.9)
    assert flash_after[untouched] != pytest.approx(before)
    assert deleted_frame not in keys(curve(scene, tb, "hero dance", "blend_alpha"))
    assert keys(curve(scene, tb, "Toonbeat Camera", "transform.offset_x"))[free_frame] == pytest.approx(17.0)
    assert keys(curve(scene, tb, "Toonbeat Flash", "color_saturation")) == {10: pytest.approx(1.0)}


def test_edits_stay_through_several_rebakes(baked):
    scene, tb, rebake = baked
    flash = curve(scene, tb, "Toonbeat Flash", "blend_alpha")
    peak = next(k for k in flash.keyframe_points if k.co.y > 0)
    frame = round(peak.co.x)
    peak.co.y = 0.05
    for preset in ("industrial_headbang", "minimal", "house_bounce"):
        rebake(preset)
        assert keys(curve(scene, tb, "Toonbeat Flash", "blend_alpha"))[frame] == pytest.approx(0.05)


def test_keys_are_grouped_per_effect_and_use_the_right_interpolation(baked):
    scene, tb, _ = baked
    fcurves = tb.module("compat").fcurves_of(scene)
    groups = {fc.group.name for fc in fcurves if fc.group}
    assert {"Toonbeat Pose (hero)", "Toonbeat Bounce (hero)", "Toonbeat Shake", "Toonbeat Zoom",
            "Toonbeat Flash", "Toonbeat Color"} <= groups
    pose = curve(scene, tb, "hero idle", "blend_alpha")
    assert {k.interpolation for k in pose.keyframe_points} == {"CONSTANT"}
    bounce = curve(scene, tb, "hero dance", "transform.scale_y")
    assert {k.interpolation for k in bounce.keyframe_points} == {"BEZIER"}


def test_a_switched_off_effect_loses_its_keys_and_rests(baked):
    scene, tb, rebake = baked
    rebake("minimal")
    assert curve(scene, tb, "Toonbeat Camera", "transform.offset_x") is None
    assert scene.sequence_editor.strips_all["Toonbeat Camera"].transform.offset_x == 0.0


def test_poses_switch_exactly_on_beat_frames(baked):
    scene, tb, _ = baked
    beat_frames = {1 + round(i * 0.5 * 24) for i in range(24)}
    for name in ("hero idle", "hero dance", "hero headbang", "hero walk"):
        fcurve = curve(scene, tb, name, "blend_alpha")
        assert fcurve is not None
        assert {round(k.co.x) for k in fcurve.keyframe_points} <= beat_frames | {1}
    scene.frame_set(1 + 8 * 24 + 1)
    visible = [s.name for s in scene.sequence_editor.strips_all["Toonbeat hero"].strips if s.blend_alpha > 0.5]
    assert len(visible) == 1


def test_a_corrupt_record_warns_and_keeps_every_key_that_differs_from_the_new_bake(baked):
    scene, tb, rebake = baked
    flash_strip = scene.sequence_editor.strips_all["Toonbeat Flash"]
    before = keys(curve(scene, tb, "Toonbeat Flash", "blend_alpha"))
    flash_strip["_toonbeat_keys"] = '{"blend_alpha|0": {"frames": [1, 13'

    count = rebake("industrial_headbang")

    [warning] = count.warnings
    assert warning.startswith("Toonbeat Flash: ") and "cannot be read" in warning
    after = keys(curve(scene, tb, "Toonbeat Flash", "blend_alpha"))
    assert all(after[frame] == pytest.approx(value) for frame, value in before.items())
    assert tb.module("core.edits").read_record(flash_strip["_toonbeat_keys"]).problems == []
