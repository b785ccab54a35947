"""Movie backgrounds whose first hit is not their frame 0: the frames before it play before the beat."""

import json

import pytest

from tests.art import background_movie_folder
from tests.blender.test_clip_sync import LOOPS_ONLY, assert_every_hit_shows_on_its_click
from tests.commands import toonbeat
from tests.songs import click_song_with_beat_file

pytestmark = [pytest.mark.blender, pytest.mark.slow]
LATE_HITS = (3, 11)
"""Hit frames of a 16-frame, two-beat movie that opens three frames before its first hit."""


@pytest.mark.parametrize(("fps", "bpm"), [(24.0, 120.0), (29.97, 132.0)], ids=["24", "29.97"])
def test_a_movie_starting_before_its_first_hit_lands_every_hit_within_half_a_frame(tmp_path, fps, bpm):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, bpm=bpm, seconds=6.0, first_beat=0.25)
    preset = tmp_path / "loops_only.json"
    preset.write_text(json.dumps(LOOPS_ONLY))
    video = tmp_path / "venue.mp4"
    folder = background_movie_folder(tmp_path / "bg", hits=LATE_HITS)
    result = toonbeat("render", "--audio", str(wav), "--beats", str(beats_json), "--out", str(video),
                      "--backgrounds", str(folder), "--resolution", "320x180", "--fps", str(fps),
                      "--preset", str(preset))
    assert result.returncode == 0, result.stderr + result.stdout
    brightness = assert_every_hit_shows_on_its_click(video, fps)
    assert min(brightness) < 40, "the movie's darkest frames (0 to 2, before its first hit) play too"
