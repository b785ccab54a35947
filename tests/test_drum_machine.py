"""The drum machine: a song whose audio matches the exact timing it reports."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy import signal

from addon.core import beatfile
from generators.music.drum_machine import (
    Part,
    default_arrangement,
    ground_truth_beat_data,
    rescale,
    synthesize,
    write_wav,
)

SR = 22050


def hits(samples: np.ndarray, band_hz: float, kind: str) -> np.ndarray:
    """Times (seconds) where the audio in a band (``lowpass`` or ``highpass`` at ``band_hz``) jumps up:
    the hits a listener hears, found from the samples alone."""
    mono = samples.mean(axis=1)
    envelope = np.abs(signal.hilbert(signal.sosfilt(signal.butter(4, band_hz, btype=kind, fs=SR, output="sos"), mono)))
    window = int(0.005 * SR)
    envelope = np.convolve(envelope, np.ones(window) / window, mode="same")
    rise = np.maximum(np.diff(envelope, prepend=envelope[0]), 0.0)
    peaks, _ = signal.find_peaks(rise, height=0.2 * rise.max(), distance=int(0.05 * SR))
    return peaks / SR


def assert_heard_at(heard: np.ndarray, times: tuple[float, ...], within: float = 0.01) -> None:
    """One hit heard near each of ``times``, and no other."""
    assert len(heard) == len(times)
    assert np.max(np.abs(heard - np.array(times))) < within


@pytest.fixture(scope="module")
def short_song():
    return synthesize(bpm=128.0, seed=1, style="house", total_bars=12, sample_rate=SR)


def test_the_default_song_runs_intro_build_drop_breakdown_drop_outro():
    parts = default_arrangement("industrial")
    assert [part.label for part in parts] == ["intro", "build", "drop", "breakdown", "drop", "outro"]
    assert [part.bars for part in parts] == [8, 8, 16, 8, 16, 8]


def test_total_bars_rescales_the_parts_in_whole_phrases_of_at_least_two_bars():
    assert [part.bars for part in rescale(default_arrangement(), 12)] == [2, 2, 2, 2, 2, 2]
    assert [part.bars for part in rescale(default_arrangement(), 40)] == [4, 4, 12, 4, 12, 4]
    assert min(part.bars for part in rescale(default_arrangement(), 13)) == 2
    scaled = rescale(default_arrangement(), 32)
    assert sum(part.bars for part in scaled) == 32
    assert min(part.bars for part in scaled) >= 2
    with pytest.raises(ValueError, match="at least 12"):
        rescale(default_arrangement(), 10)


def test_beats_are_evenly_spaced_at_the_tempo_and_continue_through_the_breakdown(short_song):
    truth = short_song.truth
    assert truth.tempo == pytest.approx(128.0)
    assert np.allclose(np.diff(truth.beats), 60.0 / 128.0)
    assert len(truth.beats) == 12 * 4
    assert truth.downbeats == truth.beats[::4]
    breakdown = next(section for section in truth.sections if section.label == "breakdown")
    assert sum(breakdown.start <= beat < breakdown.end for beat in truth.beats) == 8


def test_sections_cover_the_song_and_drops_start_the_drop_parts(short_song):
    truth = short_song.truth
    sections = truth.sections
    assert [section.label for section in sections] == ["intro", "build", "drop", "breakdown", "drop", "outro"]
    assert sections[0].start == 0.0
    assert sections[-1].end == pytest.approx(short_song.duration)
    assert all(a.end == b.start for a, b in itertools.pairwise(sections))
    bar = 4 * 60.0 / 128.0
    assert truth.drops == pytest.approx((4 * bar, 8 * bar))


def test_kicks_sound_on_the_beats_of_both_drops_so_the_grid_runs_on_through_the_breakdown(short_song):
    mono = short_song.samples.mean(axis=1)
    low = signal.sosfilt(signal.butter(4, 120.0, fs=SR, output="sos"), mono)
    envelope = np.abs(signal.hilbert(low))
    drops = [section for section in short_song.truth.sections if section.label == "drop"]
    assert len(drops) == 2
    for drop in drops:
        for beat in (b for b in short_song.truth.beats if drop.start <= b < drop.end):
            start = int(beat * SR)
            before = envelope[start - int(0.1 * SR) : start - int(0.02 * SR)].mean()
            after = envelope[start : start + int(0.05 * SR)].max()
            assert after > 2 * before, f"no kick at {beat:.3f} s"


def test_a_seed_gives_the_same_song_and_another_seed_a_different_one():
    first = synthesize(seed=5, style="techno", total_bars=12, sample_rate=SR)
    again = synthesize(seed=5, style="techno", total_bars=12, sample_rate=SR)
    other = synthesize(seed=6, style="techno", total_bars=12, sample_rate=SR)
    assert np.array_equal(first.samples, again.samples)
    assert first.samples.shape != other.samples.shape or not np.allclose(first.samples, other.samples)


def test_samples_are_stereo_float32_below_full_scale(short_song):
    assert short_song.samples.dtype == np.float32
    assert short_song.samples.shape[1] == 2
    assert 0.8 < np.max(np.abs(short_song.samples)) <= 0.9


def test_a_part_can_change_and_ramp_the_tempo():
    parts = [Part("drop", 2, bpm=120.0), Part("drop", 2, bpm=130.0, bpm_end=140.0)]
    truth = synthesize(bpm=100.0, arrangement=parts, style="house", sample_rate=SR).truth
    intervals = np.diff(truth.beats)
    assert np.allclose(intervals[:8], 0.5)
    assert 60.0 / intervals[8:] == pytest.approx(130.0 + 10.0 * np.arange(7) / 7)
    assert truth.drops == ()


def test_the_kicks_in_the_audio_follow_a_tempo_ramp():
    parts = [Part("drop", 2, bpm=120.0, snare="none", hats="none", bass=False),
             Part("drop", 2, bpm=130.0, bpm_end=140.0, snare="none", hats="none", bass=False)]
    song = synthesize(bpm=100.0, arrangement=parts, style="house", sample_rate=SR)
    kicks = hits(song.samples, 120.0, "lowpass")
    assert_heard_at(kicks, song.truth.beats)
    assert np.diff(kicks)[-1] < np.diff(kicks)[8] < np.diff(kicks)[0]


def test_swing_delays_every_second_sixteenth_and_humanizing_leaves_the_truth_on_the_grid():
    parts = [Part("drop", 2, kick="none", snare="none", hats="sixteenths", bass=False, swing=0.5)]
    song = synthesize(bpm=120.0, arrangement=parts, style="house", sample_rate=SR, humanize_ms=4.0)
    within_beat = np.array(song.truth.onsets) % 0.5
    straight_odd = np.minimum(np.abs(within_beat - 0.125), np.abs(within_beat - 0.375))
    swung_odd = np.minimum(np.abs(within_beat - 0.1875), np.abs(within_beat - 0.4375))
    assert np.sum(swung_odd < 0.015) == 16
    assert np.all(straight_odd > 0.03)
    assert np.allclose(np.diff(song.truth.beats), 0.5)
    heard = hits(song.samples, 5000.0, "highpass")
    assert_heard_at(heard, song.truth.onsets)
    heard_within_beat = heard % 0.5
    assert np.sum(np.minimum(np.abs(heard_within_beat - 0.1875), np.abs(heard_within_beat - 0.4375)) < 0.015) == 16


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown style"):
        synthesize(style="polka")


def test_write_wav_writes_16_bit_pcm_and_leaves_no_temporary_file(tmp_path: Path, short_song):
    path = tmp_path / "song.wav"
    write_wav(path, short_song.samples, short_song.sample_rate)
    info = soundfile.info(str(path))
    assert (info.subtype, info.samplerate, info.channels) == ("PCM_16", SR, 2)
    assert info.frames == len(short_song.samples)
    assert [p.name for p in tmp_path.iterdir()] == ["song.wav"]


def test_ground_truth_beat_data_saves_as_a_valid_beat_file(tmp_path: Path, short_song):
    wav = tmp_path / "song.wav"
    write_wav(wav, short_song.samples, short_song.sample_rate)
    data = ground_truth_beat_data(short_song, wav)
    beatfile.save(data, tmp_path / "song.json")
    loaded = beatfile.load(tmp_path / "song.json")
    assert loaded.beats == short_song.truth.beats
    assert loaded.beat_positions[:5] == (1, 2, 3, 4, 1)
    assert loaded.audio.sha256 == hashlib.sha256(wav.read_bytes()).hexdigest()
    breakdown, drop = loaded.sections[3], loaded.sections[2]
    assert loaded.energy.at((drop.start + drop.end) / 2, "low") > loaded.energy.at(
        (breakdown.start + breakdown.end) / 2, "low"
    )
