"""The bar tracker's parts: the numpy network equals its torch twin; the ensemble and its held-out songs;
downbeat chances; a waltz in three."""

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
    ensemble = activations.load()
    assert len(ensemble.members) >= 2
    assert all(ensemble.held_out), "every member holds out some development-set songs"
    assert sum(map(len, ensemble.held_out)) == len(frozenset().union(*ensemble.held_out)), "folds overlap"
    for network in ensemble.members:
        assert network.output_weight.shape[0] == 2
        assert network.input_weight.shape[1] == 2 * (len(features.fine_band_edges()) - 1)
    assert activations.MODEL_PATH.stat().st_size < 2 * 2**20


def test_each_member_holds_out_whole_source_packages_and_the_trainers_read_songs_through_those_members():
    from bench.train_tracker import Example, folds_of, train_ensemble

    rng = np.random.default_rng(4)

    def example(song: str, group: str | None) -> Example:
        target = (rng.random(200) < 0.05).astype(np.float32)
        return Example(song, song, group, rng.standard_normal((12, 200)).astype(np.float32), target, target)

    songs = [("a-1", "a"), ("a-2", "a"), ("a-3", "a"), ("b-1", "b"), ("b-2", "b"), ("c-1", "c"), ("d-1", "d")]
    examples = [example(song, group) for song, group in songs] + [example("synthetic 0", None)]
    assert folds_of(examples, 2) == {"a": 0, "b": 1, "c": 1, "d": 0}
    ensemble = train_ensemble(examples, folds=2, steps=2, seed=1)
    assert ensemble.held_out == (frozenset({"a-1", "a-2", "a-3", "d-1"}), frozenset({"b-1", "b-2", "c-1"}))
    assert ensemble.unseen_by("b-2").members == (ensemble.members[1],)
    assert ensemble.unseen_by("synthetic 0") is ensemble
    inputs = examples[0].features
    both = ensemble.probabilities(inputs)
    alone = [1 / (1 + np.exp(-member.logits(inputs).astype(np.float64))) for member in ensemble.members]
    np.testing.assert_allclose(both, (alone[0] + alone[1]) / 2)
    saved = activations.Ensemble.from_arrays(ensemble.to_arrays())
    assert saved.held_out == ensemble.held_out
    np.testing.assert_allclose(saved.probabilities(inputs), both)

    seeded = train_ensemble(examples, folds=2, steps=2, seed=1, seeds=2)
    assert seeded.held_out == ensemble.held_out * 2
    for first, again in zip(seeded.members[:2], ensemble.members, strict=True):
        np.testing.assert_array_equal(first.output_weight, again.output_weight)
    assert seeded.unseen_by("b-2").members == (seeded.members[1], seeded.members[3])


def test_a_single_network_file_loads_as_a_one_member_ensemble(tmp_path: Path):
    network = activations.load().members[0]
    path = tmp_path / "single.npz"
    np.savez(path, **network.to_arrays())
    loaded = activations.load(path)
    assert len(loaded.members) == 1 and loaded.held_out == (frozenset(),)
    np.testing.assert_array_equal(loaded.members[0].output_weight, network.output_weight)


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
    with pytest.raises(ValueError, match="shape"):
        activations.load().probabilities(np.zeros((3, 10), dtype=np.float32))
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
