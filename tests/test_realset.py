"""The real-music development set's truth: tracker rows and MIDI tempo maps become exact beats and bars."""

import struct

import mido
import numpy as np
import pytest

from bench.realset import fluid, manifest, openmpt, sources
from bench.realset.midi_truth import checked_midi_truth, midi_beat_grid
from bench.realset.note_checks import AmbiguousTruthError
from bench.realset.tracker_truth import RowEvent, beat_grid, checked_truth


def played_rows(patterns):
    """Row events for ``(order, pattern, first_row, rows, seconds_per_row)`` runs played one after another."""
    events, time = [], 0.0
    for order, pattern, first, count, seconds in patterns:
        for row in range(first, first + count):
            events.append(RowEvent(order, pattern, row, time))
            time += seconds
    return events, time


def test_tracker_beats_follow_a_tempo_change_and_a_pattern_break():
    # 64 rows at 0.12 s, then a 48-row pattern broken after row 47 at 0.1 s, then 32 rows at 0.1 s.
    rows, end = played_rows([(0, 0, 0, 64, 0.12), (1, 3, 0, 48, 0.1), (2, 1, 0, 32, 0.1)])
    grid = beat_grid(rows, end)
    assert grid.irregular == ""
    expected = [4 * beat * 0.12 for beat in range(16)] + [64 * 0.12 + 4 * beat * 0.1 for beat in range(20)]
    np.testing.assert_allclose(grid.beats, expected)
    assert grid.positions == [1, 2, 3, 4] * 9
    np.testing.assert_allclose(grid.downbeats, expected[::4])


def test_tracker_truth_ends_where_a_pattern_break_lands_off_the_bar():
    rows, end = played_rows([(0, 0, 0, 64, 0.12), (1, 1, 0, 40, 0.12), (2, 2, 0, 64, 0.12)])
    grid = beat_grid(rows, end)
    assert grid.end_time == pytest.approx(104 * 0.12)
    assert "order 2 row 0 follows order 1 row 39" in grid.irregular
    assert len(grid.beats) == 26


def test_a_row_grid_the_notes_contradict_is_left_out():
    rows, end = played_rows([(order, 0, 0, 64, 0.12) for order in range(8)])
    off_beat_notes = {(0, row): [sources_strike(1, 60)] for row in range(2, 64, 4)}
    with pytest.raises(ValueError, match="busiest"):
        checked_truth(rows, off_beat_notes, end)


def sources_strike(instrument, note):
    from bench.realset.note_checks import Strike

    return Strike(instrument, "lead", note)


def write_meter_change_song(path):
    """Two bars of 4/4 at 120 BPM, then two of 3/4 at 90 BPM; a note on every beat, a chord on each downbeat."""
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    bars = [4, 4, 3, 3, 3, 3, 3, 3]
    pending = 0
    for bar, beats in enumerate(bars):
        if bar == 2:
            track.append(mido.MetaMessage("time_signature", numerator=3, denominator=4, time=pending))
            track.append(mido.MetaMessage("set_tempo", tempo=666_667, time=0))
            pending = 0
        for beat in range(beats):
            notes = [60, 64, 67] if beat == 0 else [72]
            for index, note in enumerate(notes):
                track.append(mido.Message("note_on", channel=index, note=note, velocity=90,
                                          time=pending if index == 0 else 0))
                pending = 0
            for index, note in enumerate(notes):
                track.append(mido.Message("note_off", channel=index, note=note, velocity=0,
                                          time=240 if index == 0 else 0))
            pending = 240
    midi.save(path)
    return bars


def test_midi_beats_follow_the_tempo_map_and_the_time_signatures(tmp_path):
    bars = write_meter_change_song(tmp_path / "song.mid")
    grid = midi_beat_grid(mido.MidiFile(tmp_path / "song.mid"))
    expected = [beat * 0.5 for beat in range(8)] + [4.0 + beat * 0.666667 for beat in range(18)]
    np.testing.assert_allclose(grid.beats, expected, atol=1e-6)
    assert grid.positions == [position + 1 for beats in bars for position in range(beats)]
    assert grid.meters == [(4, 4), (3, 4)]
    assert grid.irregular == ""


def test_midi_songs_the_notes_agree_with_pass_the_checks(tmp_path):
    write_meter_change_song(tmp_path / "song.mid")
    truth = checked_midi_truth(mido.MidiFile(tmp_path / "song.mid"))
    assert truth.evidence.per_bar_beat[0] > truth.evidence.per_bar_beat[1:].max()


def test_bars_start_after_a_writers_lead_in_where_its_package_says_so():
    """MMA puts one silent beat before bar 1: read from tick 0 the bar lines fall on beat 2, and the checks say so."""
    midi = mido.MidiFile(ticks_per_beat=192)
    track = mido.MidiTrack([mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0)])
    midi.tracks.append(track)
    pending = 192
    for beat in range(32):
        notes = [36, 48, 55] if beat % 4 == 0 else [42]
        for index, note in enumerate(notes):
            track.append(mido.Message("note_on", channel=index, note=note, velocity=90,
                                      time=pending if index == 0 else 0))
            pending = 0
        for index, note in enumerate(notes):
            track.append(mido.Message("note_off", channel=index, note=note, velocity=0, time=96 if index == 0 else 0))
        pending = 96
    grid = checked_midi_truth(midi, bars_from_first_note=True).grid
    assert grid.beats[:3] == pytest.approx([0.5, 1.0, 1.5])
    assert grid.positions[:5] == [1, 2, 3, 4, 1]
    with pytest.raises(AmbiguousTruthError, match="downbeat does not stand out"):
        checked_midi_truth(midi)
    assert [package.package for package in sources.MIDI_PACKAGES if package.bars_from_first_note] == ["mma"]


def test_a_file_played_off_its_own_grid_is_left_out(tmp_path):
    write_meter_change_song(tmp_path / "song.mid")
    late = mido.MidiFile(tmp_path / "song.mid")
    first_note = next(message for message in late.tracks[0] if message.type == "note_on")
    first_note.time += 48
    with pytest.raises(AmbiguousTruthError, match=r"sit \+0.10 beats"):
        checked_midi_truth(late)


def test_a_midi_file_that_plays_for_an_hour_renders_only_as_long_as_asked(tmp_path):
    midi = mido.MidiFile(ticks_per_beat=480)
    held = [mido.Message("note_on", note=60, velocity=90, time=0), mido.Message("note_off", note=60, time=480 * 7200)]
    midi.tracks.append(mido.MidiTrack(held))
    midi.save(tmp_path / "held.mid")
    samples = fluid.render(tmp_path / "held.mid", 3.0)
    assert samples.shape == (3 * fluid.SAMPLE_RATE, 2)
    assert np.abs(samples).max() > 0.01, "the note sounds"


def test_a_compound_meter_ends_the_midi_truth(tmp_path):
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack([mido.MetaMessage("time_signature", numerator=6, denominator=8, time=0),
                            mido.Message("note_on", note=60, velocity=90, time=0),
                            mido.Message("note_off", note=60, velocity=0, time=4800)])
    midi.tracks.append(track)
    grid = midi_beat_grid(midi)
    assert grid.beats == []
    assert "6/8" in grid.irregular


@pytest.mark.parametrize("package", sorted(sources.RESERVED_DEBIAN))
def test_the_reserved_debian_packages_are_refused(package):
    with pytest.raises(sources.ReservedSourceError, match="reserved"):
        sources.DebianSongs(package, "1.0", ("*.xm",), "game")
    with pytest.raises(sources.ReservedSourceError):
        sources.refuse_reserved("debian", package)


def test_the_reserved_pypi_music_is_refused_and_no_source_uses_a_reserved_package():
    with pytest.raises(sources.ReservedSourceError):
        sources.refuse_reserved("pypi", "immich-memories-music")
    used = {songs.package for songs in sources.TRACKER_PACKAGES + sources.MIDI_PACKAGES}
    assert not used & sources.RESERVED_DEBIAN


def test_the_split_is_deterministic_and_about_seventy_thirty():
    splits = [manifest.split_of(f"package-{index}") for index in range(2000)]
    assert splits == [manifest.split_of(f"package-{index}") for index in range(2000)]
    assert 0.66 < splits.count("train") / len(splits) < 0.74


def test_a_song_record_reports_its_meter_tempo_and_tempo_changes():
    beats = [0.5 * index for index in range(8)] + [3.5 + 0.4 * index for index in range(1, 9)]
    positions = [1, 2, 3, 4] * 4
    song = manifest.song_record("x", 8.0, "mid", beats, positions, style="pop", title="t", author="a",
                                licence="GPL-2", source="debian:x=1:/x.mid", group="x")
    assert song.beats_per_bar == 4 and song.meter == "4/4"
    assert song.tempo_changes
    assert song.downbeats == [0.0, 2.0, 3.9, 5.5]


def tiny_module(path):
    """A 4-channel ProTracker MOD: a click every beat; speed 6 at 125 BPM, 150 BPM from row 32, a pattern
    break after row 31 of the second pattern."""
    click = (np.sin(np.arange(400) * 0.9) * 120).astype(np.int8).tobytes()
    header = b"tiny".ljust(20, b"\0")
    header += b"click".ljust(22, b"\0") + struct.pack(">HBBHH", len(click) // 2, 0, 64, 0, 1)
    header += (b"\0" * 22 + struct.pack(">HBBHH", 0, 0, 0, 0, 1)) * 30
    header += bytes([3, 127]) + bytes([0, 1, 2]).ljust(128, b"\0") + b"M.K."

    def cell(period=0, sample=0, effect=0, parameter=0):
        return bytes([(sample & 0xF0) | (period >> 8), period & 0xFF, ((sample & 0x0F) << 4) | effect, parameter])

    patterns = b""
    for pattern in range(3):
        for row in range(64):
            channels = [cell(428, 1) if row % 4 == 0 else cell(), cell(), cell(), cell()]
            if pattern == 0 and row == 0:
                channels[1], channels[2] = cell(effect=0xF, parameter=6), cell(effect=0xF, parameter=125)
            if pattern == 0 and row == 32:
                channels[2] = cell(effect=0xF, parameter=150)
            if pattern == 1 and row == 31:
                channels[3] = cell(effect=0xD, parameter=0)
            patterns += b"".join(channels)
    path.write_bytes(header + patterns + click)


def test_a_rendered_module_logs_every_row_at_the_time_it_sounds(tmp_path):
    tiny_module(tmp_path / "tiny.mod")
    rendered = openmpt.render((tmp_path / "tiny.mod").read_bytes(), max_seconds=60)
    assert [(row.order, row.row) for row in rendered.rows] == (
        [(0, row) for row in range(64)] + [(1, row) for row in range(32)] + [(2, row) for row in range(64)])
    # The new tempo takes over from the second tick of row 32, as in ProTracker.
    seconds_per_row = [6 * 2.5 / 125] * 32 + [2.5 / 125 + 5 * 2.5 / 150] + [6 * 2.5 / 150] * 127
    expected = np.concatenate([[0.0], np.cumsum(seconds_per_row)[:-1]])
    np.testing.assert_allclose([row.time for row in rendered.rows], expected, atol=openmpt.BLOCK_FRAMES / 44100)
    grid = beat_grid(rendered.rows, len(rendered.samples) / openmpt.SAMPLE_RATE)
    assert len(grid.beats) == 40 and grid.positions[:5] == [1, 2, 3, 4, 1]
    loudness = np.abs(rendered.samples).max(axis=1)
    for beat in grid.beats:
        start = round(beat * openmpt.SAMPLE_RATE)
        window = max(start - 200, 0)
        onset = window + int(np.argmax(loudness[window:start + 400] > 0.01))
        assert abs(onset - start) <= 2 * openmpt.BLOCK_FRAMES
    again = openmpt.render((tmp_path / "tiny.mod").read_bytes(), max_seconds=60)
    np.testing.assert_array_equal(rendered.samples, again.samples)


def test_the_builder_can_add_one_kind_of_source_without_unpacking_the_others(tmp_path):
    from bench.realset import build, scores

    jobs = list(build.all_jobs(tmp_path / "no-packages-here", tmp_path, ["scores"]))
    assert [job.score for job in jobs] == list(scores.SCORES)
    assert all(job.package is None for job in jobs)
