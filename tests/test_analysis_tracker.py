"""The beat tracker's parts: the numpy network equals its torch twin; the decoder finds meter, phase and tempo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.train_tracker import build_model, three_four, to_numpy_network
from generators.analysis import activations, analyze_file, bar_tracker, features
from generators.analysis.analyze import tempo_of
from generators.music.drum_machine import synthesize, write_wav

FRAME_RATE = 50.0


def _activations(beats: np.ndarray, beats_per_bar: int, seconds: float, seed: int = 0) -> activations.Activations:
    """Noisy activations with a peak on every beat and a stronger downbeat peak on every bar's first beat."""
    rng = np.random.default_rng(seed)
    count = int(seconds * FRAME_RATE)
    beat = rng.uniform(0.0, 0.08, count)
    downbeat = rng.uniform(0.0, 0.04, count)
    frames = np.round(beats * FRAME_RATE).astype(int)
    beat[frames] = rng.uniform(0.5, 0.9, len(frames))
    downbeat[frames[::beats_per_bar]] = beat[frames[::beats_per_bar]] * 0.8
    return activations.Activations(beat, np.minimum(downbeat, beat), FRAME_RATE)


def test_numpy_inference_gives_what_torch_gives_on_random_input():
    import torch

    torch.manual_seed(0)
    model = build_model(12)
    model.eval()
    inputs = np.random.default_rng(1).standard_normal((12, 700)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(inputs[None]))[0].numpy()
    found = to_numpy_network(model).logits(inputs)
    np.testing.assert_allclose(found, expected, rtol=1e-4, atol=1e-4)


def test_the_shipped_weights_load_and_fit_the_features():
    network = activations.load()
    n_features = network.input_weight.shape[1]
    assert network.output_weight.shape[0] == 2
    assert n_features == 2 * (len(features.fine_band_edges()) - 1)
    assert activations.MODEL_PATH.stat().st_size < 2 * 2**20


@pytest.mark.parametrize(("beats_per_bar", "bpm", "first_downbeat"), [(4, 128.0, 2), (3, 96.0, 1), (4, 72.0, 3)])
def test_the_decoder_finds_the_meter_the_bar_phase_and_the_tempo(beats_per_bar: int, bpm: float, first_downbeat: int):
    beats = np.arange(1.0, 59.0, 60.0 / bpm)
    found = bar_tracker.track(_phase(beats, beats_per_bar, first_downbeat))
    assert found.beats_per_bar == beats_per_bar
    assert len(found.beats) == len(beats)
    assert np.max(np.abs(found.beats - beats)) < 0.03
    expected = (np.arange(len(beats)) - first_downbeat) % beats_per_bar + 1
    assert found.positions.tolist() == expected.tolist()
    assert tempo_of(found.beats) == pytest.approx(bpm, rel=0.01)


def _phase(beats: np.ndarray, beats_per_bar: int, first_downbeat: int) -> activations.Activations:
    """Activations whose first downbeat is beat number ``first_downbeat``."""
    shifted = _activations(beats[first_downbeat:], beats_per_bar, 60.0)
    plain = _activations(beats, beats_per_bar, 60.0)
    return activations.Activations(np.maximum(plain.beat, shifted.beat), shifted.downbeat, FRAME_RATE)


def test_the_decoder_follows_a_tempo_ramp_and_a_jump_without_losing_the_phase():
    ramp = 60.0 / np.linspace(100.0, 130.0, 64)
    jump = np.full(48, 60.0 / 140.0)
    beats = 0.5 + np.concatenate([[0.0], np.cumsum(np.concatenate([ramp, jump]))])
    found = bar_tracker.track(_activations(beats, 4, beats[-1] + 1.0))
    assert len(found.beats) == len(beats)
    assert np.max(np.abs(found.beats - beats)) < 0.03
    assert found.positions[::4].tolist() == [1] * len(found.positions[::4])


def test_bad_parameters_are_refused_with_a_clear_message():
    empty = activations.Activations(np.zeros(0), np.zeros(0), FRAME_RATE)
    with pytest.raises(ValueError, match="no frames"):
        bar_tracker.track(empty)
    with pytest.raises(ValueError, match="meters"):
        bar_tracker.track(_activations(np.arange(1.0, 9.0, 0.5), 4, 10.0), meters=())
    with pytest.raises(ValueError, match="frame_rate"):
        bar_tracker.track(activations.Activations(np.zeros(10), np.zeros(10), 0.0))
    with pytest.raises(ValueError, match="shape"):
        activations.load().logits(np.zeros((3, 10), dtype=np.float32))


def test_a_waltz_cut_from_a_four_four_song_is_analyzed_in_three(tmp_path: Path):
    song = synthesize(110.0, 8, "house", total_bars=24, sample_rate=22050, humanize_ms=2.0, lead_in=0.6)
    samples, beats, downbeats = three_four(song.samples, song.sample_rate, np.array(song.truth.beats))
    path = tmp_path / "waltz.wav"
    write_wav(path, samples, song.sample_rate)
    data = analyze_file(path)
    assert data.beats_per_bar == 3
    found_downbeats = np.array(data.downbeats)
    hits = [np.min(np.abs(found_downbeats - time)) <= 0.07 for time in downbeats]
    assert np.mean(hits) >= 0.9
