"""``render --blend`` and ``bake`` never lose the artist's scene: a scene edited since Toonbeat saved it is
built into like ``bake`` does, a .blend Toonbeat did not make is refused, and bad files get a message."""

from collections import Counter
from pathlib import Path

import pytest

from tests.art import background_folder, character_folder, png_header
from tests.commands import toonbeat
from tests.songs import click_song_with_beat_file

pytestmark = [pytest.mark.blender, pytest.mark.slow]
SECTIONS = ((0.0, "build"), (2.0, "drop"))


def render_arguments(tmp_path: Path, *extra: str) -> list[str]:
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=4.0, sections=SECTIONS)
    hero = character_folder(tmp_path / "hero")
    backgrounds = background_folder(tmp_path / "bg", labels=("build", "drop"))
    return ["render", "--audio", str(wav), "--beats", str(beats_json), "--characters", str(hero),
            "--backgrounds", str(backgrounds), "--resolution", "320x180", *extra]


def flash_curve(compat, scene):
    strip = compat.strips(scene)["Toonbeat Flash"]
    return compat.fcurves_of(scene).find(strip.path_from_id("blend_alpha"))


def test_render_into_a_scene_the_artist_edited_keeps_every_edit(tb, tmp_path):
    import bpy

    compat = tb.module("compat")
    blend = tmp_path / "scene.blend"
    arguments = render_arguments(tmp_path, "--out", str(tmp_path / "video.mp4"), "--blend", str(blend))
    first = toonbeat(*arguments)
    assert first.returncode == 0, first.stderr + first.stdout

    bpy.ops.wm.open_mainfile(filepath=str(blend))
    scene = bpy.context.scene
    toonbeat_markers = Counter((m.name, m.frame) for m in scene.timeline_markers)
    scene.timeline_markers.new("my cue", frame=7)
    moved = scene.timeline_markers[0]
    moved_from = (moved.name, moved.frame)
    moved.frame += 3
    moved_to = (moved.name, moved.frame)
    title = compat.new_effect_strip(scene, "My Title", "COLOR", channel=30, frame_start=1, length=24)
    title.blend_alpha = 0.25
    title.keyframe_insert("blend_alpha", frame=5)
    empty = bpy.data.objects.new("My Empty", None)
    scene.collection.objects.link(empty)
    for frame, x in ((3, 2.0), (20, 5.0)):
        empty.location.x = x
        empty.keyframe_insert("location", index=0, frame=frame)
    scene["my_setting"] = 42
    peak = next(k for k in flash_curve(compat, scene).keyframe_points if k.co.y > 0)
    edited_frame = round(peak.co.x)
    peak.co.y = 0.33
    bpy.ops.wm.save_mainfile()

    again = toonbeat(*arguments, "--preset", "industrial_headbang")
    assert again.returncode == 0, again.stderr + again.stdout
    assert "building into the saved scene" in again.stdout

    bpy.ops.wm.open_mainfile(filepath=str(blend))
    scene = bpy.context.scene
    markers = Counter((m.name, m.frame) for m in scene.timeline_markers)
    assert markers[("my cue", 7)] == 1
    assert markers[moved_to] == 1
    assert markers[moved_from] == 1, "Toonbeat's marker is made again beside the one the artist moved"
    assert all(markers[marker] == 1 for marker in toonbeat_markers), "no marker doubled"
    strips = compat.strips(scene)
    assert "My Title" in strips
    title_curve = compat.fcurves_of(scene).find(strips["My Title"].path_from_id("blend_alpha"))
    assert [round(k.co.x) for k in title_curve.keyframe_points] == [5]
    scene.frame_set(20)
    assert bpy.data.objects["My Empty"].location.x == pytest.approx(5.0)
    assert scene["my_setting"] == 42
    flash = {round(k.co.x): k.co.y for k in flash_curve(compat, scene).keyframe_points}
    assert flash[edited_frame] == pytest.approx(0.33)
    assert "kept 1 hand-edited keys" in again.stdout


def test_render_refuses_a_blend_toonbeat_did_not_make_and_replaces_it_only_with_overwrite(tb, tmp_path):
    import bpy

    user_project = tmp_path / "user_project.blend"
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.data.objects.new("Precious", None)
    bpy.context.scene.collection.objects.link(bpy.data.objects["Precious"])
    bpy.ops.wm.save_as_mainfile(filepath=str(user_project))
    before = user_project.read_bytes()
    video = tmp_path / "video.mp4"
    arguments = render_arguments(tmp_path, "--out", str(video), "--blend", str(user_project))

    refused = toonbeat(*arguments)

    assert refused.returncode == 1
    assert f"{user_project}: exists and was not made by Toonbeat; pass --overwrite" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert user_project.read_bytes() == before
    assert not video.exists()

    replaced = toonbeat(*arguments, "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    bpy.ops.wm.open_mainfile(filepath=str(user_project))
    assert "Precious" not in bpy.data.objects
    assert bpy.context.scene.get("toonbeat_made")


def test_bake_refuses_a_blend_toonbeat_did_not_make(tb, tmp_path):
    import bpy

    user_project = tmp_path / "user_project.blend"
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(user_project))
    before = user_project.read_bytes()
    _, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=4.0)

    refused = toonbeat("bake", str(user_project), "--beats", str(beats_json))

    assert refused.returncode == 1
    assert "Toonbeat did not make this scene; pass --overwrite" in refused.stderr
    assert user_project.read_bytes() == before


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("song as blend", "is the same file as"),
        ("song as out", "is the same file as"),
        ("blend as out", "is the same file as"),
        ("out is a folder", "is a folder; name the video to write inside it"),
        ("notes as out", "exists and was not made by Toonbeat; pass --overwrite to replace it"),
    ],
)
def test_render_never_writes_over_an_input_a_folder_or_a_file_of_the_users(tmp_path, setup, message):
    video, blend = tmp_path / "video.mp4", None
    if setup == "song as blend":
        blend = tmp_path / "clicks.wav"
    elif setup == "song as out":
        video = tmp_path / "song.mp4"
    elif setup == "blend as out":
        blend = video
    elif setup == "out is a folder":
        video = tmp_path / "folder.mp4"
        video.mkdir()
    else:
        video = tmp_path / "my_notes.mp4"
        video.write_text("my notes")
    arguments = render_arguments(tmp_path, "--out", str(video), *(["--blend", str(blend)] if blend else []))
    if setup == "song as out":
        (tmp_path / "clicks.wav").rename(video)
        arguments[arguments.index("--audio") + 1] = str(video)
    inputs = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    result = toonbeat(*arguments)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == inputs


def test_rendering_again_replaces_toonbeats_own_video(tmp_path):
    video = tmp_path / "video.mp4"
    arguments = render_arguments(tmp_path, "--out", str(video))
    assert toonbeat(*arguments).returncode == 0
    first = video.stat().st_mtime_ns
    again = toonbeat(*arguments)
    assert again.returncode == 0, again.stderr
    assert video.stat().st_mtime_ns != first
    assert video.stat().st_mode & 0o777 == 0o666 & ~current_umask()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("not a blend", "not a .blend file Blender can open"),
        ("read-only", "the file or its folder is read-only"),
        ("missing", "cannot open the scene: no such file"),
        ("symlink loop", "cannot open the scene: is a symlink loop"),
    ],
)
def test_bake_on_a_bad_file_is_one_clear_error_and_changes_nothing(tmp_path, setup, message):
    blend = tmp_path / "scene.blend"
    if setup == "not a blend":
        blend.write_text("not a scene")
    elif setup == "read-only":
        result = toonbeat(*render_arguments(tmp_path, "--out", str(tmp_path / "v.mp4"), "--blend", str(blend)))
        assert result.returncode == 0, result.stderr
        blend.chmod(0o444)
    elif setup == "symlink loop":
        blend.symlink_to(blend)
    before = blend.read_bytes() if blend.is_file() else None

    result = toonbeat("bake", str(blend))

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert (blend.read_bytes() if blend.is_file() else None) == before


def current_umask() -> int:
    import os

    umask = os.umask(0)
    os.umask(umask)
    return umask


@pytest.mark.parametrize("setup", ["users file", "the song"])
def test_the_render_operator_refuses_an_output_path_holding_the_users_file(scene, tmp_path, setup):
    import bpy

    settings = scene.toonbeat
    song = tmp_path / "song.wav"
    song.write_bytes(b"RIFF my song")
    settings.audio_path = str(song)
    target = tmp_path / "my_notes.mp4" if setup == "users file" else song
    if setup == "users file":
        target.write_text("mine")
    before = target.read_bytes()
    settings.output_path = str(target)
    message = "exists and was not made by Toonbeat; choose another output path" if setup == "users file" else (
        "is the same file as")
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.toonbeat.render_video()
    assert target.read_bytes() == before


def test_running_the_demo_again_replaces_its_own_files_and_keeps_the_artists_marker(tb, tmp_path):
    import bpy

    arguments = ("demo", "--out-dir", str(tmp_path), "--bars", "12", "--resolution", "320x180")
    first = toonbeat(*arguments)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "demo.blend"))
    bpy.context.scene.timeline_markers.new("my cue", frame=11)
    bpy.ops.wm.save_mainfile()

    again = toonbeat(*arguments)

    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "demo.blend"))
    assert [m.frame for m in bpy.context.scene.timeline_markers if m.name == "my cue"] == [11]


@pytest.mark.parametrize("setup", ["huge pose", "beat past the end"])
def test_render_reports_an_input_over_its_limits_in_one_line(tmp_path, setup):
    arguments = render_arguments(tmp_path, "--out", str(tmp_path / "video.mp4"))
    if setup == "huge pose":
        png_header(tmp_path / "hero" / "idle.png", 20000, 20000)
        message = "idle.png: the image is 20000 x 20000 pixels"
    else:
        import json

        beats_json = tmp_path / "clicks.beats.json"
        document = json.loads(beats_json.read_text())
        document["beats"][-1] = 4.5
        beats_json.write_text(json.dumps(document))
        message = "4.5 s is past the end of the audio (4 s)"

    result = toonbeat(*arguments)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "video.mp4").exists()
