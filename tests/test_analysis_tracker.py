"""The bar tracker's parts: the numpy network equals its torch twin; the bar model finds meter and phase."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.train_tracker import build_model, three_four, to_numpy_network
from generators.analysis import activations, analyze_file, beats, downbeats, features
from generators.music.drum_machine import synthesize, write_wav

FRAME_RATE = 50.0


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


@pytest.mark.parametrize(("beats_per_bar", "first_downbeat"), [(4, 2), (3, 1), (4, 0)])
def test_the_bar_model_finds_the_meter_and_the_bar_phase_from_uncertain_downbeat_chances(
    beats_per_bar: int, first_downbeat: int
):
    rng = np.random.default_rng(beats_per_bar + first_downbeat)
    count = 96
    truth = (np.arange(count) - first_downbeat) % beats_per_bar + 1
    chance = np.where(truth == 1, rng.uniform(0.3, 0.9, count), rng.uniform(0.05, 0.4, count))
    bars = downbeats.bar_positions(chance)
    assert bars.beats_per_bar == beats_per_bar
    assert bars.positions.tolist() == truth.tolist()


def test_the_bar_model_follows_a_bar_cut_short():
    truth = np.concatenate([np.arange(40) % 4 + 1, [1, 2], np.arange(40) % 4 + 1])
    chance = np.where(truth == 1, 0.8, 0.1)
    assert downbeats.bar_positions(chance).positions.tolist() == truth.tolist()


def test_downbeat_chances_are_read_at_the_beats():
    frames = np.zeros(500)
    beat, downbeat = frames.copy(), frames.copy()
    beat[[100, 125, 150, 175]] = 0.8
    downbeat[100] = 0.6
    found = downbeats.downbeat_chance(
        np.array([100, 125, 150, 175]) / FRAME_RATE, activations.Activations(beat, downbeat, FRAME_RATE)
    )
    assert found.tolist() == pytest.approx([0.75, downbeats.CERTAINTY_FLOOR, downbeats.CERTAINTY_FLOOR, 0.05])


def test_bad_parameters_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="meters"):
        downbeats.bar_positions(np.full(8, 0.5), meters=(1,))
    with pytest.raises(ValueError, match="shape"):
        activations.load().logits(np.zeros((3, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="positive"):
        features.band_spectrogram([np.zeros(100)], 0)


def test_a_waltz_cut_from_a_four_four_song_is_analyzed_in_three(tmp_path: Path):
    song = synthesize(110.0, 8, "house", total_bars=24, sample_rate=22050, humanize_ms=2.0, lead_in=0.6)
    samples, _, downbeats = three_four(song.samples, song.sample_rate, np.array(song.truth.beats))
    path = tmp_path / "waltz.wav"
    write_wav(path, samples, song.sample_rate)
    data = analyze_file(path)
    assert data.beats_per_bar == 3
    found_downbeats = np.array(data.downbeats)
    hits = [np.min(np.abs(found_downbeats - time)) <= 0.07 for time in downbeats]
    assert np.mean(hits) >= 0.9


def _chords_changing_on_bar_lines(beats_per_bar: int, first_downbeat: int, count: int = 64) -> np.ndarray:
    """Band levels (frames x bands) of a song whose sound changes on every bar line, 10 frames a beat."""
    bars = (np.arange(count) - first_downbeat) // beats_per_bar
    chords = np.random.default_rng(beats_per_bar).uniform(0.0, 3.0, (bars.max() - bars.min() + 1, 6))
    return np.repeat(chords[bars - bars.min()], 10, axis=0)


@pytest.mark.parametrize(("beats_per_bar", "first_downbeat"), [(4, 1), (3, 2)])
def test_the_bar_phase_follows_the_spectrum_where_the_network_is_unsure(beats_per_bar: int, first_downbeat: int):
    levels = _chords_changing_on_bar_lines(beats_per_bar, first_downbeat)
    beat_frames = np.arange(64) * 10.0
    novelty = downbeats.bar_novelty(levels, beat_frames, beats_per_bar)
    unsure = np.random.default_rng(3).uniform(0.3, 0.4, 64)
    positions = downbeats.bar_phase(unsure, novelty, beats_per_bar)
    assert positions.tolist() == ((np.arange(64) - first_downbeat) % beats_per_bar + 1).tolist()


def test_a_network_sure_of_its_downbeats_outweighs_a_spectrum_that_does_not_change():
    chance = np.where(np.arange(64) % 4 == 3, 0.9, 0.1)
    positions = downbeats.bar_phase(chance, np.full(64, 1.0), 4)
    assert positions.tolist() == ((np.arange(64) - 3) % 4 + 1).tolist()
    with pytest.raises(ValueError, match="one value per beat"):
        downbeats.bar_phase(chance, np.ones(10), 4)


def test_a_grid_locked_half_a_beat_off_moves_onto_the_beat():
    period = 0.5
    beats_off = np.arange(1, 40) * period + period / 2
    network = activations.Activations(np.zeros(1100), np.zeros(1100), 50.0)
    network.beat[::25] = 0.9
    network.beat[12::25] = 0.2

    def strength(times: np.ndarray) -> np.ndarray:
        return network.near(times, downbeats.SEARCH_SECONDS)[0]

    moved = beats.on_the_beat(beats_off, strength)
    assert moved == pytest.approx(np.arange(1, 40) * period)
    on_the_beat_already = np.arange(40) * period
    assert beats.on_the_beat(on_the_beat_already, strength) is on_the_beat_already


def test_training_can_continue_from_saved_weights():
    import torch

    from bench.train_tracker import load_weights

    torch.manual_seed(2)
    trained = to_numpy_network(build_model(12))
    model = build_model(12)
    load_weights(model, trained)
    model.eval()
    inputs = np.random.default_rng(3).standard_normal((12, 300)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(inputs[None]))[0].numpy()
    np.testing.assert_allclose(trained.logits(inputs), expected, rtol=1e-4, atol=1e-4)


def test_augmented_excerpts_keep_the_feature_layout():
    from bench.train_tracker import augmented

    rng = np.random.default_rng(4)
    power = rng.exponential(1.0, (6, 200))
    logarithmic = np.log1p(power)
    rise = np.maximum(np.diff(logarithmic, axis=1, prepend=logarithmic[:, :1]), 0.0)
    inputs = np.concatenate([logarithmic, rise]).astype(np.float32)
    changed = augmented(inputs, rng)
    assert changed.shape == inputs.shape
    assert not np.allclose(changed, inputs)
    expected_rise = np.maximum(np.diff(changed[:6], axis=1, prepend=changed[:6, :1]), 0.0)
    np.testing.assert_allclose(changed[6:], expected_rise, atol=1e-6)
    assert changed.min() >= 0.0
