"""Rendering: an MP4 with H.264 and AAC, every flash on its beat, and a .blend that renders it again."""

import json

import pytest

from tests.art import background_folder, character_folder
from tests.commands import assert_the_saved_blend_renders_it_again, toonbeat
from tests.media import audio_track, brightness_peaks, click_times, frame_brightness, probe, stream
from tests.songs import click_song_with_beat_file

pytestmark = [pytest.mark.blender, pytest.mark.slow]
FLASH_ONLY = {"name": "Flash only", "poses": {"drop": ["idle"]}, "flash_on": "beats",
              "effects": {"flash": {"enabled": True, "intensity": 1.5}}}


@pytest.mark.parametrize(("fps", "bpm", "jobs"), [(24.0, 100.0, 1), (24.0, 100.0, 2), (29.97, 132.0, 3)])
def test_every_flash_lands_within_half_a_frame_of_its_beat(tmp_path, fps, bpm, jobs):
    wav, beats_json, beats = click_song_with_beat_file(tmp_path, bpm=bpm, seconds=6.0, first_beat=0.25)
    preset = tmp_path / "flash_only.json"
    preset.write_text(json.dumps(FLASH_ONLY))
    video = tmp_path / "sync.mp4"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--backgrounds", str(background_folder(tmp_path / "bg")), "--resolution", "320x180",
                      "--fps", str(fps), "--preset", str(preset), "--jobs", str(jobs))
    assert result.returncode == 0, result.stderr + result.stdout
    assert int(stream(probe(video), "video")["nb_frames"]) == round(6.0 * fps)
    times, brightness = frame_brightness(video)
    flashes = brightness_peaks(times, brightness)
    samples, start = audio_track(video)
    clicks = click_times(samples, 48000, start)
    assert len(clicks) == len(beats.beats)
    assert len(flashes) == len(clicks)
    half_frame = 0.5 / fps
    worst = max(abs(flash - click) for flash, click in zip(flashes, clicks, strict=True))
    assert worst <= half_frame + 1e-3, f"a flash is {worst * 1000:.1f} ms off its beat"


@pytest.mark.parametrize(("song_rate", "aac_rate"), [(44100, 44100), (22050, 48000)])
def test_the_aac_track_keeps_the_songs_sample_rate_where_aac_carries_it(tmp_path, song_rate, aac_rate):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=2.0, sample_rate=song_rate)
    video = tmp_path / "rate.mp4"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--backgrounds", str(background_folder(tmp_path / "bg")), "--resolution", "320x180",
                      "--fps", "24", "--preset", "minimal")
    assert result.returncode == 0, result.stderr + result.stdout
    assert int(stream(probe(video), "audio")["sample_rate"]) == aac_rate
    samples, start = audio_track(video)
    assert len(click_times(samples, 48000, start)) == 4  # 120 BPM for 2 s: every click is in the mix


def test_render_writes_h264_and_aac_of_the_song_length_and_a_blend_that_renders_it_again(tmp_path):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=4.0, sections=((0.0, "build"), (2.0, "drop")))
    video, blend = tmp_path / "out" / "video.mp4", tmp_path / "out" / "scene.blend"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--characters", str(character_folder(tmp_path / "hero")),
                      "--backgrounds", str(background_folder(tmp_path / "bg", labels=("build", "drop"))),
                      "--resolution", "320x180", "--fps", "24", "--blend", str(blend))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "frames per second" in result.stdout and "frame 96/96 (100%)" in result.stdout
    info = probe(video)
    video_stream, audio_stream = stream(info, "video"), stream(info, "audio")
    assert (video_stream["codec_name"], audio_stream["codec_name"]) == ("h264", "aac")
    assert (video_stream["width"], video_stream["height"]) == (320, 180)
    assert int(video_stream["nb_frames"]) == 96
    assert float(info["format"]["duration"]) == pytest.approx(4.0, abs=0.05)

    assert_the_saved_blend_renders_it_again(blend, video, frames=96)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing_pose", "missing pose image"),
        ("other_audio", "does not match its beat file"),
        ("unwritable", "cannot create the folder"),
        ("avi", "name the output *.mp4"),
    ],
)
def test_bad_input_is_one_clear_error_before_rendering(tmp_path, setup, message):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=3.0)
    hero = character_folder(tmp_path / "hero")
    out = tmp_path / "video.mp4"
    if setup == "missing_pose":
        (hero / "character.json").write_text(json.dumps({"poses": {"idle": ["idle.png"], "dance": ["gone.png"]}}))
    elif setup == "other_audio":
        wav.write_bytes(wav.read_bytes()[:-4000])
    elif setup == "unwritable":
        (tmp_path / "file").write_text("")
        out = tmp_path / "file" / "video.mp4"
    else:
        out = tmp_path / "video.avi"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(out),
                      "--characters", str(hero), "--resolution", "320x180")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
