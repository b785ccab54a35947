"""Seconds become frames in one place, with the scene's exact frame rate."""

import pytest

from addon.core.choreography import Track
from addon.core.timing import frame_count, frame_rate, frame_to_seconds, seconds_to_frame, track_frames
from addon.core.video import aac_sample_rate, fps_and_base, parse_resolution


def test_a_beat_lands_on_the_nearest_frame_counting_from_the_first_frame():
    assert seconds_to_frame(0.0, 24.0) == 1
    assert seconds_to_frame(0.5, 24.0) == 13
    assert seconds_to_frame(0.52, 24.0) == 13
    assert seconds_to_frame(0.53, 24.0) == 14
    assert seconds_to_frame(1.0, 24.0, frame_start=101) == 125


def test_a_track_becomes_keys_on_whole_frames_the_later_of_two_on_one_frame_winning():
    track = Track("hero", "scale_y", "BEZIER", (0.0, 0.5, 0.51, 1.0), (1.0, 2.0, 3.0, 3.0))
    assert track_frames(track, 24.0, 1, lambda value: value * 10) == ([1.0, 13.0, 25.0], [10.0, 30.0, 30.0])


def test_a_constant_track_drops_keys_that_repeat_the_value_before():
    track = Track("hero", "pose", "CONSTANT", (0.0, 0.5, 1.0, 1.5), (0.0, 0.0, 2.0, 2.0))
    assert track_frames(track, 24.0, 1, float) == ([1.0, 25.0], [0.0, 2.0])
    assert track_frames(track, 24.0, 1, float, "LINEAR") == ([1.0, 13.0, 25.0, 37.0], [0.0, 0.0, 2.0, 2.0])


def test_ntsc_rates_use_the_exact_rate_not_the_rounded_one():
    rate = frame_rate(24, 1.001)
    assert seconds_to_frame(600.0, rate) == 1 + 14386
    assert frame_to_seconds(seconds_to_frame(60.0, rate), rate) == pytest.approx(60.0, abs=0.5 / rate)


def test_frame_count_covers_the_last_partial_frame():
    assert frame_count(1.0, 24.0) == 24
    assert frame_count(1.01, 24.0) == 25


@pytest.mark.parametrize(("rate", "expected"), [(24, (24, 1.0)), (25.0, (25, 1.0)), (23.976, (24, 1.001)),
                                                (29.97, (30, 1.001)), (59.94, (60, 1.001))])
def test_frame_rates_map_to_blender_fps_and_fps_base(rate, expected):
    fps, base = fps_and_base(rate)
    assert (fps, pytest.approx(base)) == (expected[0], pytest.approx(expected[1]))


def test_frame_rates_outside_reason_are_refused():
    with pytest.raises(ValueError, match="outside"):
        fps_and_base(0.5)


def test_resolutions_are_parsed_and_checked():
    assert parse_resolution("1280x720") == (1280, 720)
    for bad in ("1280", "12x720", "1281x720", "axb"):
        with pytest.raises(ValueError):
            parse_resolution(bad)


def test_the_aac_track_keeps_a_song_rate_aac_carries_and_resamples_any_other_to_48_khz():
    assert [aac_sample_rate(rate) for rate in (32000, 44100, 48000)] == [32000, 44100, 48000]
    assert [aac_sample_rate(rate) for rate in (22050, 96000, 8000)] == [48000, 48000, 48000]
