"""Which markers a song gets: bars by number, sections by label, drops; beats and onsets on request."""

from addon.core.markers import plan_markers
from tests.songs import click_song


def test_each_frame_gets_one_short_name_a_drop_before_a_section_before_a_bar(tmp_path):
    beats = click_song(tmp_path / "s.wav", bpm=120, seconds=8.0, sections=((0.0, "intro"), (4.0, "drop")))
    markers = plan_markers(beats, 24.0)
    assert [(m.name, m.frame) for m in markers] == [("Intro", 1), ("Bar 2", 49), ("Drop", 97), ("Bar 4", 145)]


def test_a_beat_marker_never_renames_a_bar(tmp_path):
    beats = click_song(tmp_path / "s.wav", bpm=120, seconds=4.0)
    names = [m.name for m in plan_markers(beats, 24.0, with_beats=True, with_onsets=True)]
    assert names == ["Drop", "·", "·", "·", "Bar 2", "·", "·", "·"]


def test_beat_and_onset_markers_are_optional(tmp_path):
    beats = click_song(tmp_path / "s.wav", bpm=120, seconds=4.0)
    assert len(plan_markers(beats, 24.0)) == 2
    assert len(plan_markers(beats, 24.0, with_beats=True)) == 8
