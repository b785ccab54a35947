"""Analysis of drum-machine songs: the beats, bars, sections and drops it finds are the ones that were played."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from addon.core.beatfile import BeatData
from generators.analysis import activations, analyze, analyze_file, beats, features, onsets
from generators.music.drum_machine import Part, Song, synthesize, write_wav

SR = 22050
TOLERANCE = 0.07


def _song_file(folder: Path, name: str, song: Song) -> Path:
    path = folder / f"{name}.wav"
    write_wav(path, song.samples, song.sample_rate)
    return path


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory) -> tuple[Song, BeatData, Path]:
    song = synthesize(124.0, 3, "house", total_bars=32, sample_rate=SR, humanize_ms=3.0, lead_in=0.4)
    path = _song_file(tmp_path_factory.mktemp("house"), "house", song)
    return song, analyze_file(path), path


@pytest.fixture(scope="module")
def industrial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Song, BeatData, Path]:
    song = synthesize(138.0, 4, "industrial", total_bars=32, sample_rate=SR, humanize_ms=3.0)
    path = _song_file(tmp_path_factory.mktemp("industrial"), "industrial", song)
    return song, analyze_file(path), path


def _matched(reference: tuple[float, ...], estimate: tuple[float, ...]) -> float:
    """Fraction of ``reference`` times with an ``estimate`` within the tolerance."""
    found = np.array(estimate)
    return float(np.mean([np.min(np.abs(found - time)) <= TOLERANCE for time in reference]))


@pytest.mark.parametrize("name", ["house", "industrial"])
def test_every_beat_is_found_within_70_ms_and_nothing_else(name: str, request: pytest.FixtureRequest):
    song, data, _ = request.getfixturevalue(name)
    assert _matched(song.truth.beats, data.beats) >= 0.99
    assert _matched(data.beats, song.truth.beats) >= 0.99
    assert data.tempo == pytest.approx(song.truth.tempo, rel=0.01)


@pytest.mark.parametrize("name", ["house", "industrial"])
def test_downbeats_start_the_bars_the_drum_machine_played(name: str, request: pytest.FixtureRequest):
    song, data, _ = request.getfixturevalue(name)
    assert _matched(song.truth.downbeats, data.downbeats) >= 0.95
    assert data.beats_per_bar == 4
    assert [data.beat_positions[data.beats.index(d)] for d in data.downbeats] == [1] * len(data.downbeats)


def test_beats_continue_through_the_drumless_breakdown(house):
    song, data, _ = house
    breakdown = next(section for section in song.truth.sections if section.label == "breakdown")
    inside = [beat for beat in song.truth.beats if breakdown.start <= beat < breakdown.end]
    assert _matched(tuple(inside), data.beats) == 1.0


@pytest.mark.parametrize("name", ["house", "industrial"])
def test_sections_start_on_the_arranged_bars_and_drops_where_the_drops_come(name: str, request: pytest.FixtureRequest):
    song, data, _ = request.getfixturevalue(name)
    bar = 4 * 60.0 / song.truth.tempo
    found = [section.start for section in data.sections[1:]]
    for section in song.truth.sections[1:]:
        assert min(abs(start - section.start) for start in found) < bar, f"no boundary near {section.start:.1f} s"
    assert len(data.drops) == len(song.truth.drops)
    for drop, true_drop in zip(data.drops, song.truth.drops, strict=True):
        assert abs(drop - true_drop) < bar
    assert {section.label for section in data.sections} >= {"intro", "drop", "outro"}
    assert data.sections[0].start == 0.0
    assert data.sections[-1].end == pytest.approx(data.audio.duration)


def test_energy_is_higher_in_the_drop_than_in_the_breakdown(house):
    song, data, _ = house
    rate = data.energy.frame_rate
    assert len(data.energy.low) == len(data.energy.overall) == int(data.audio.duration * rate) + 1
    drop = next(section for section in song.truth.sections if section.label == "drop")
    breakdown = next(section for section in song.truth.sections if section.label == "breakdown")

    def mean_low(section):
        return np.mean([data.energy.at(t, "low") for t in np.arange(section.start, section.end, 0.1)])

    assert mean_low(drop) > mean_low(breakdown) + 0.2


def test_the_low_energy_envelope_is_fine_enough_to_pulse_with_every_kick(house):
    song, data, _ = house
    drop = next(section for section in song.truth.sections if section.label == "drop")
    kicks = np.array([beat for beat in song.truth.beats if drop.start <= beat < drop.end - 1.0])
    period = 60.0 / song.truth.tempo
    on_kicks = np.mean([max(data.energy.at(t + d, "low") for d in (0.0, 0.02, 0.04)) for t in kicks])
    between = np.mean([data.energy.at(t + 0.75 * period, "low") for t in kicks])
    assert on_kicks > between + 0.1


def test_onsets_and_audio_description(house):
    song, data, path = house
    assert len(data.onsets) > len(data.beats)
    assert list(data.onsets) == sorted(data.onsets)
    assert data.audio.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (data.audio.sample_rate, data.audio.channels) == (SR, 2)
    assert data.audio.duration == pytest.approx(song.duration, abs=0.01)
    assert data.analyzer["name"] == "toonbeat"


def test_a_half_time_groove_at_140_comes_out_at_140(tmp_path: Path):
    parts = [Part("drop", 12, kick="half", snare="half", hats="eighths", stabs=True)]
    song = synthesize(140.0, 5, "industrial", arrangement=parts, sample_rate=SR, humanize_ms=2.0)
    data = analyze_file(_song_file(tmp_path, "half", song))
    assert data.tempo == pytest.approx(140.0, rel=0.02)
    assert _matched(song.truth.beats, data.beats) >= 0.97


def test_an_intro_of_off_beat_hats_gets_its_beats_on_the_beat(tmp_path: Path):
    parts = [
        Part("intro", 8, kick="none", snare="none", hats="offbeat", open_hats=True, bass=False),
        Part("drop", 8, stabs=True),
    ]
    song = synthesize(125.0, 6, "house", arrangement=parts, sample_rate=SR, lead_in=0.5)
    data = analyze_file(_song_file(tmp_path, "hats", song))
    intro_beats = song.truth.beats[: 8 * 4]
    assert _matched(intro_beats, data.beats) >= 0.97


def test_fast_four_on_the_floor_is_not_halved(tmp_path: Path):
    song = synthesize(190.0, 7, "industrial", total_bars=24, sample_rate=SR)
    data = analyze_file(_song_file(tmp_path, "fast", song))
    assert data.tempo == pytest.approx(190.0, rel=0.02)


def test_progress_is_reported_from_start_to_finish(house):
    _, _, path = house
    reports: list[tuple[float, str]] = []
    analyze_file(path, progress=lambda fraction, stage: reports.append((fraction, stage)))
    fractions = [fraction for fraction, _ in reports]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert {"decoding", "analyzing", "done"} <= {stage for _, stage in reports}


def test_a_song_that_starts_on_a_beat_has_a_beat_at_zero(industrial):
    song, data, _ = industrial
    assert song.truth.beats[0] == 0.0
    assert data.beats[0] == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("frame_rate", [70.0, 150.0])
def test_the_beats_do_not_depend_on_the_analysis_frame_rate(house, frame_rate: float):
    song, _, _ = house
    spectrogram = features.band_spectrogram(features.blocks_of(song.samples), song.sample_rate, frame_rate)
    network = activations.activations(spectrogram)
    found = analyze.beat_frames(spectrogram, onsets.onset_envelopes(spectrogram), network) / spectrogram.frame_rate
    assert spectrogram.frame_rate == pytest.approx(frame_rate, rel=0.01)
    assert _matched(song.truth.beats, tuple(found)) >= 0.99
    assert _matched(tuple(found), song.truth.beats) >= 0.99


def _network_hearing_beats_at(times: np.ndarray, duration: float) -> activations.Activations:
    """Activations of a network sure of a beat at each of ``times`` (seconds) and of nothing else."""
    rate = 50.0
    probability = np.full(int(duration * rate) + 1, 0.01)
    frames = np.round(times * rate).astype(int)
    probability[frames[frames < len(probability)]] = 0.9
    return activations.Activations(probability, probability / 4, rate)


def test_the_beat_tracker_follows_the_network_where_it_hears_the_beat_between_the_loudest_hits(house):
    song, _, _ = house
    spectrogram = features.band_spectrogram(features.blocks_of(song.samples), song.sample_rate)
    envelopes = onsets.onset_envelopes(spectrogram)
    truth = np.array(song.truth.beats)
    offbeats = truth + float(np.median(np.diff(truth))) / 2
    for heard in (truth, offbeats):
        network = _network_hearing_beats_at(heard, spectrogram.duration)
        found = tuple(analyze.beat_frames(spectrogram, envelopes, network) / spectrogram.frame_rate)
        assert _matched(found, tuple(heard)) >= 0.95
        assert _matched(tuple(heard[heard < spectrogram.duration - 1.0]), found) >= 0.95


def test_windows_in_seconds_are_refused_at_a_meaningless_frame_rate():
    assert features.frames_in(0.03, 100.0) == 3
    assert features.centred_window(0.02, 100.0) == 5
    with pytest.raises(ValueError, match="frame_rate"):
        features.frames_in(0.03, 0.0)
    with pytest.raises(ValueError, match="salience"):
        beats.track(np.zeros(0), np.zeros(0), 100.0)


def test_a_song_that_steps_between_two_tempi_gets_one_of_them_never_one_between():
    slow, fast = 60.0 / 126.0, 60.0 / 145.0
    for slow_beats in (262, 264, 266):  # about half the song in each (the median's own edge)
        beats_times = np.cumsum(np.r_[0.0, np.full(slow_beats, slow), np.full(262, fast)])
        assert min(abs(analyze.tempo_of(beats_times) / bpm - 1) for bpm in (126.0, 145.0)) < 1e-6
    assert analyze.tempo_of(beats_times[:200]) == pytest.approx(126.0, rel=1e-6)


def test_the_tempo_of_beats_rounded_to_frames_is_finer_than_a_frame():
    frames = np.round(np.arange(400) * 100 * 60.0 / 197.0)
    assert analyze.tempo_of(frames / 100) == pytest.approx(197.0, rel=5e-3)  # one frame is 3 %
    assert analyze.tempo_of(np.array([1.0])) == analyze.tempo.MIN_BPM


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000, 192000])
def test_the_anti_alias_filter_is_the_butterworth_scipy_designs(sample_rate: int):
    from scipy import signal

    rate = sample_rate / round(sample_rate / features.TARGET_RATE)
    cutoff = features.ANTI_ALIAS_CUTOFF * rate
    response = features.butterworth_lowpass_response(features.ANTI_ALIAS_ORDER, cutoff, sample_rate)
    impulse = np.zeros(len(response) + 200)
    impulse[0] = 1.0
    recursive = signal.sosfilt(signal.butter(features.ANTI_ALIAS_ORDER, cutoff, fs=sample_rate, output="sos"), impulse)
    assert np.abs(recursive[: len(response)] - response).max() < 1e-12
    assert np.abs(recursive[len(response) :]).max() < 1e-9 * np.abs(recursive).max()
    hann = features.periodic_hann(1024)
    assert np.abs(hann - signal.get_window("hann", 1024)).max() < 1e-7


@pytest.mark.parametrize("sample_rate", [44100, 96000])
def test_decimating_block_by_block_keeps_what_the_recursive_filter_keeps(sample_rate: int):
    from scipy import signal

    factor = round(sample_rate / features.TARGET_RATE)
    noise = np.random.default_rng(3).standard_normal(sample_rate).astype(np.float32)
    cutoff = features.ANTI_ALIAS_CUTOFF * sample_rate / factor
    design = signal.butter(features.ANTI_ALIAS_ORDER, cutoff, fs=sample_rate, output="sos")
    expected = signal.sosfilt(design, noise)[::factor]
    decimator = features.Decimator(sample_rate, factor)
    edges = [0, 1, 2, 1001, 4096, 4097, 30011, sample_rate]
    kept = np.concatenate([decimator.push(noise[start:end]) for start, end in itertools.pairwise(edges)])
    assert len(kept) == len(expected)
    assert np.abs(kept - expected).max() < 1e-7


def test_the_analyze_command_never_imports_scipy_signal(house: tuple[Song, BeatData, Path], tmp_path: Path):
    """``import scipy.signal`` costs over a second since SciPy 1.17: a ``toonbeat analyze`` process goes without."""
    command = [sys.executable, "-X", "importtime", "-m", "generators", "analyze", str(house[2]), "-o", str(tmp_path)]
    result = subprocess.run(command, cwd=Path(__file__).parents[1], capture_output=True, text=True, check=True)
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    imported = {line.rsplit("|", 1)[-1].strip() for line in lines}
    assert "generators.analysis.features" in imported
    assert (tmp_path / "house.json").is_file()
    assert not {name for name in imported if name.startswith("scipy.signal")}
