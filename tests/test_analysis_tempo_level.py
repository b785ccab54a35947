"""The tempo level: the grid, its double or a half, whichever the evidence says is the notated beat."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench import train_tempo_level
from generators.analysis import tempo_level
from generators.analysis.activations import Activations
from generators.music.drum_machine import synthesize

FRAME_RATE = 50.0


def _music(beat_seconds: float, seconds: float = 60.0, strong_every: int = 1) -> tuple[Activations, np.ndarray]:
    """Activations and flux of music whose beats (every ``strong_every``-th pulse heard) fall every ``beat_seconds``."""
    count = int(seconds * FRAME_RATE)
    beat, downbeat, flux = np.full(count, 0.02), np.full(count, 0.01), np.full(count, 0.05)
    for number, time in enumerate(np.arange(0.5, seconds - 0.5, beat_seconds)):
        frame = round(time * FRAME_RATE)
        heard = number % strong_every == 0
        beat[frame] = 0.9 if heard else 0.03
        flux[frame] = 1.0 if heard else 0.2
        if number % (4 * strong_every) == 0:
            downbeat[frame] = 0.8
    return Activations(beat, downbeat, FRAME_RATE), flux


def _grid(bpm: float, seconds: float = 60.0) -> np.ndarray:
    return np.arange(0.5, seconds - 0.5, 60.0 / bpm)


def test_candidates_are_the_grid_its_double_and_its_halves_within_the_notated_range():
    tempi = [60.0 / np.median(np.diff(c)) for c in tempo_level.candidates(_grid(100.0))]
    assert tempi == pytest.approx([100.0, 200.0], rel=1e-6)
    tempi = [60.0 / np.median(np.diff(c)) for c in tempo_level.candidates(_grid(150.0))]
    assert tempi == pytest.approx([150.0, 75.0, 75.0], rel=1e-6)
    assert [len(c) for c in tempo_level.candidates(_grid(150.0))][1:] == [
        len(_grid(150.0)[0::2]),
        len(_grid(150.0)[1::2]),
    ]


def test_a_grid_locked_at_twice_the_beat_the_network_hears_is_halved_on_the_heard_phase():
    network, flux = _music(60.0 / 180.0, strong_every=2)
    found = tempo_level.choose(_grid(180.0), network, flux)
    assert 60.0 / np.median(np.diff(found)) == pytest.approx(90.0, rel=1e-6)
    assert found[0] == pytest.approx(0.5)


def test_a_grid_locked_at_half_the_beat_the_network_hears_is_doubled():
    network, flux = _music(60.0 / 140.0)
    found = tempo_level.choose(_grid(70.0), network, flux)
    assert 60.0 / np.median(np.diff(found)) == pytest.approx(140.0, rel=1e-6)


def test_a_grid_on_the_beat_the_network_hears_is_kept():
    network, flux = _music(60.0 / 128.0)
    grid = _grid(128.0)
    assert np.array_equal(tempo_level.choose(grid, network, flux), grid)


def test_a_short_grid_is_kept_as_it_is():
    network, flux = _music(60.0 / 140.0)
    grid = _grid(70.0)[: tempo_level.MIN_BEATS - 1]
    assert np.array_equal(tempo_level.choose(grid, network, flux), grid)


def test_the_shipped_model_names_the_features_it_was_trained_on(tmp_path):
    model = tempo_level.load()
    assert model.weights.shape == model.mean.shape == model.scale.shape == (len(tempo_level.FEATURES),)
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**model.to_json(), "features": ["something else"]}))
    with pytest.raises(ValueError, match=r"bench\.train_tempo_level"):
        tempo_level.load(stale)


def test_training_labels_the_true_level_and_the_fit_learns_it():
    song = synthesize(150.0, 3, "house", total_bars=16, sample_rate=22050)
    sets = train_tempo_level.song_sets("house", song.samples, song.sample_rate, np.array(song.truth.beats))
    assert len(sets) >= 2 * len(train_tempo_level.STRETCHES)
    for candidate_set in sets:
        assert candidate_set.features.shape[1] == len(tempo_level.FEATURES)
        assert 0 <= candidate_set.label < len(candidate_set.features)
    mean, scale = train_tempo_level.standardization(sets)
    model = tempo_level.LevelModel(train_tempo_level.fit(sets, 0.01, mean, scale), mean, scale)
    assert train_tempo_level.accuracy(sets, model) == 1.0
