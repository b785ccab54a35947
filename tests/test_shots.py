"""Shot clips on the beat: the section under a time, and a clip's frame keys over a section."""

import itertools
from pathlib import Path

import pytest

from addon.core.beatfile import Section
from addon.core.clip import FRAMES_PATTERN, Clip
from addon.core.shots import section_at, shot_keys


def shot(frame_count: int = 8, beats_per_cycle: int = 2) -> Clip:
    return Clip(Path("shot"), "shot", "shot", 24.0, frame_count, FRAMES_PATTERN, None, False, beats_per_cycle, (),
                (64, 64), "wan")


def test_the_section_under_a_time_is_the_last_one_started():
    sections = (Section(0.0, 4.0, "intro"), Section(4.0, 8.0, "drop"))
    assert section_at(sections, 0.0).label == "intro" and section_at(sections, 4.0).label == "drop"
    assert section_at(sections, 99.0).label == "drop" and section_at((), 1.0) is None
    assert section_at((Section(2.0, 4.0, "build"),), 1.0) is None


def test_a_shot_starts_over_on_every_cycle_beat_and_shows_its_first_frame_until_the_first_one():
    beats = [0.25 + 0.5 * index for index in range(40)]  # 120 BPM from 0.25 s
    times, frames = shot_keys(shot(frame_count=8, beats_per_cycle=2), beats, start=2.0, end=6.0,
                              frame_seconds=1 / 24)
    assert (times[0], frames[0]) == (2.0, 0.0)
    starts = [t for t, f in zip(times, frames, strict=True) if f == 0.0][1:]
    assert starts == pytest.approx([2.25, 3.25, 4.25, 5.25])  # every second beat from the first after 2 s
    middle = times.index(pytest.approx(2.75))
    assert frames[middle] == pytest.approx(4.0)  # half a cycle in: half the clip's frames
    assert max(frames) < 8 and times[-1] <= 6.0
    assert all(b > a for a, b in itertools.pairwise(times))


def test_a_shot_over_an_empty_span_is_refused():
    with pytest.raises(ValueError, match="lasts"):
        shot_keys(shot(), [0.5, 1.0], start=3.0, end=3.0, frame_seconds=1 / 24)
