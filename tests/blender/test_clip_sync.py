"""What a viewer sees: in the rendered MP4 every hit frame of a loop shows within half a frame of its beat."""

import json

import numpy as np
import pytest

from tests.art import background_folder, background_loop_folder, background_movie_folder, clip_character_folder
from tests.commands import toonbeat
from tests.media import audio_track, click_times, frame_brightness
from tests.songs import click_song_with_beat_file

pytestmark = [pytest.mark.blender, pytest.mark.slow]
LOOPS_ONLY = {"name": "Loops only", "poses": {"drop": ["dance"]}, "effects": {"pose": {"enabled": True}}}


def hit_onsets(times: np.ndarray, brightness: np.ndarray) -> list[float]:
    """When each bright (hit) drawing first shows: frames far brighter than the frame before."""
    floor, top = float(brightness.min()), float(brightness.max())
    bright = brightness > floor + 0.6 * (top - floor)
    return [float(times[i]) for i in range(len(times)) if bright[i] and (i == 0 or not bright[i - 1])]


def assert_every_hit_shows_on_its_click(video, fps):
    """Each hit drawing of the MP4 first shows within half a frame of a click of its audio; returns the
    frames' brightness."""
    times, brightness = frame_brightness(video)
    hits = hit_onsets(times, brightness)
    samples, start = audio_track(video)
    clicks = click_times(samples, 48000, start)
    assert len(hits) == len(clicks) > 8
    worst = max(abs(hit - click) for hit, click in zip(hits, clicks, strict=True))
    assert worst <= 0.5 / fps + 1e-3, f"a hit is {worst * 1000:.1f} ms off its beat"
    return brightness


@pytest.mark.parametrize(("fps", "bpm"), [(24.0, 120.0), (29.97, 132.0)])
def test_every_hit_frame_lands_within_half_a_frame_of_its_beat(tmp_path, fps, bpm):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, bpm=bpm, seconds=6.0, first_beat=0.25)
    preset = tmp_path / "loops_only.json"
    preset.write_text(json.dumps(LOOPS_ONLY))
    hero = clip_character_folder(tmp_path / "hero", {"dance": (16, 2, (0, 8))})
    video = tmp_path / "loops.mp4"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--characters", str(hero), "--backgrounds", str(background_folder(tmp_path / "bg")),
                      "--resolution", "320x180", "--fps", str(fps), "--preset", str(preset))
    assert result.returncode == 0, result.stderr + result.stdout
    brightness = assert_every_hit_shows_on_its_click(video, fps)
    assert len(set(np.round(brightness).tolist())) > 6, "the drawings between hits should differ"


@pytest.mark.parametrize(("fps", "bpm", "make_folder"), [(24.0, 120.0, background_loop_folder),
                                                        (29.97, 132.0, background_loop_folder),
                                                        (24.0, 120.0, background_movie_folder),
                                                        (29.97, 132.0, background_movie_folder)],
                         ids=["frames-24", "frames-29.97", "movie-24", "movie-29.97"])
def test_a_background_loop_lands_its_hit_frames_on_the_beats_too(tmp_path, fps, bpm, make_folder):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, bpm=bpm, seconds=6.0, first_beat=0.25)
    preset = tmp_path / "loops_only.json"
    preset.write_text(json.dumps(LOOPS_ONLY))
    video = tmp_path / "venue.mp4"
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--backgrounds", str(make_folder(tmp_path / "bg")),
                      "--resolution", "320x180", "--fps", str(fps), "--preset", str(preset))
    assert result.returncode == 0, result.stderr + result.stdout
    brightness = assert_every_hit_shows_on_its_click(video, fps)
    assert len(set(np.round(brightness).tolist())) > 6, "the venue should move between the hits"
