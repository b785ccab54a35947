"""The bar model: meter fit of the downbeat chances, the candidates' evidence, and the shipped chooser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from generators.analysis import activations, downbeats

NETWORK_RATE = 50.0
LEVEL_RATE = 100.0
BEAT_SECONDS = 0.5
COUNT = 64


def _truth(beats_per_bar: int, first_downbeat: int, count: int = COUNT) -> np.ndarray:
    return (np.arange(count) - first_downbeat) % beats_per_bar + 1


def _network(downbeat_chance: np.ndarray) -> activations.Activations:
    """Activations with a beat every ``BEAT_SECONDS`` and the given downbeat share of each."""
    frames = int((len(downbeat_chance) + 1) * BEAT_SECONDS * NETWORK_RATE)
    beat, downbeat = np.zeros(frames), np.zeros(frames)
    at = np.round(np.arange(len(downbeat_chance)) * BEAT_SECONDS * NETWORK_RATE).astype(int)
    beat[at] = 0.8
    downbeat[at] = 0.8 * downbeat_chance
    return activations.Activations(beat, downbeat, NETWORK_RATE)


def _evidence(
    truth: np.ndarray | None, seed: int = 0, sound_start: float = 0.0, onsets_from: int = 0
) -> downbeats.BarEvidence:
    """Levels that change on the bar lines of ``truth`` (every beat alike when it is None), no low onsets, an
    onset on every beat from beat ``onsets_from`` on, the sound starting ``sound_start`` seconds in."""
    rng = np.random.default_rng(seed)
    frames_per_beat = int(BEAT_SECONDS * LEVEL_RATE)
    if truth is None:
        per_beat = np.ones((COUNT, 6))
    else:
        bars = np.cumsum(truth == 1)
        per_beat = rng.uniform(0.0, 3.0, (bars.max() + 1, 6))[bars]
    levels = np.repeat(per_beat, frames_per_beat, axis=0)
    flat = np.zeros(len(levels))
    onsets = flat.copy()
    onsets[onsets_from * frames_per_beat :: frames_per_beat] = 1.0
    return downbeats.BarEvidence(levels, levels[:, :3], levels[:, 3:], flat, onsets, sound_start, LEVEL_RATE)


def _beat_times(count: int = COUNT) -> np.ndarray:
    return np.arange(count) * BEAT_SECONDS


@pytest.mark.parametrize(("beats_per_bar", "first_downbeat"), [(4, 2), (3, 1), (4, 0)])
def test_the_true_meter_explains_uncertain_downbeat_chances_best(beats_per_bar: int, first_downbeat: int):
    rng = np.random.default_rng(beats_per_bar + first_downbeat)
    truth = _truth(beats_per_bar, first_downbeat, 96)
    chance = np.where(truth == 1, rng.uniform(0.3, 0.9, 96), rng.uniform(0.05, 0.4, 96))
    other = 7 - beats_per_bar
    assert downbeats.meter_fit(chance, beats_per_bar) > downbeats.meter_fit(chance, other) + 0.05


def test_the_meter_fit_follows_a_bar_cut_short():
    truth = np.concatenate([np.arange(40) % 4 + 1, [1, 2], np.arange(40) % 4 + 1])
    chance = np.where(truth == 1, 0.8, 0.1)
    best_path = (np.log(np.where(truth == 1, chance, 1 - chance)).sum() - np.log(4)) / len(chance)
    assert downbeats.meter_fit(chance, 4) == pytest.approx(
        best_path + downbeats.PHASE_JUMP_LOG_PROBABILITY / 82, abs=1e-3
    )
    assert downbeats.meter_fit(chance, 4) > downbeats.meter_fit(chance, 3)


def test_every_candidate_gets_its_evidence_and_the_true_one_the_strongest():
    truth = _truth(4, 3)
    chance = np.where(truth == 1, 0.6, 0.2)
    rows = downbeats.bar_features(_beat_times(), _network(chance), _evidence(truth))
    options = downbeats.candidates()
    assert rows.shape == (len(options), len(downbeats.FEATURES))
    right = options.index((4, 3))
    log_odds, novelty, meter_fit, three = 0, 1, 4, 5
    assert int(np.argmax(rows[:, log_odds])) == right
    assert int(np.argmax(rows[:, novelty])) == right
    assert rows[right, meter_fit] == 0.0 and rows[options.index((3, 0)), meter_fit] < 0.0
    assert rows[:, three].tolist() == [float(meter == 3) for meter, _ in options]


@pytest.mark.parametrize(("beats_per_bar", "first_downbeat"), [(4, 1), (3, 2), (4, 0)])
def test_the_shipped_model_finds_bars_the_network_and_the_spectrum_agree_on(beats_per_bar: int, first_downbeat: int):
    truth = _truth(beats_per_bar, first_downbeat)
    chance = np.where(truth == 1, 0.7, 0.1)
    bars = downbeats.choose_bars(_beat_times(), _network(chance), _evidence(truth))
    assert bars.beats_per_bar == beats_per_bar
    assert bars.positions.tolist() == truth.tolist()


def test_a_network_sure_of_its_downbeats_outweighs_a_spectrum_that_does_not_change():
    truth = _truth(4, 3)
    chance = np.where(truth == 1, 0.9, 0.1)
    bars = downbeats.choose_bars(_beat_times(), _network(chance), _evidence(None))
    assert bars.positions.tolist() == truth.tolist()


def test_the_spectrum_decides_where_the_network_is_unsure():
    truth = _truth(4, 1)
    unsure = np.random.default_rng(3).uniform(0.3, 0.4, COUNT)
    bars = downbeats.choose_bars(_beat_times(), _network(unsure), _evidence(truth, seed=4))
    assert bars.positions.tolist() == truth.tolist()


@pytest.mark.parametrize(
    ("sound_start", "onsets_from", "nearest"),
    [(3 * BEAT_SECONDS - 0.02, 0, 3), (0.0, 3, 0)],
    ids=["silence before the sound", "a lead-in of noise without onsets"],
)
def test_the_musics_first_beat_is_the_first_with_an_onset_from_the_start_of_the_sound_on(
    sound_start: float, onsets_from: int, nearest: int
):
    evidence = _evidence(None, sound_start=sound_start, onsets_from=onsets_from)
    assert downbeats.first_beat(_beat_times(), evidence) == 3
    assert downbeats.beat_nearest_sound_start(_beat_times(), evidence) == nearest
    rows = downbeats.bar_features(_beat_times(), _network(np.full(COUNT, 0.3)), evidence)
    for name, beat in (("the music's first beat is a downbeat", 3),
                       ("the beat nearest the start of the sound is a downbeat", nearest)):
        column = rows[:, downbeats.FEATURES.index(name)]
        assert column.tolist() == [float(beat % meter == phase) for meter, phase in downbeats.candidates()]


def test_where_nothing_else_tells_the_bar_phase_the_bars_start_where_the_sound_does():
    evidence = _evidence(None, sound_start=3 * BEAT_SECONDS - 0.02)
    bars = downbeats.choose_bars(_beat_times(), _network(np.full(COUNT, 0.3)), evidence)
    assert bars.positions.tolist() == _truth(4, 3).tolist()


def test_a_song_with_fewer_than_two_beats_gets_plain_bars():
    assert downbeats.choose_bars(np.array([1.0]), _network(np.array([0.5])), _evidence(None)).positions.tolist() == [1]
    assert downbeats.choose_bars(np.zeros(0), _network(np.zeros(0)), _evidence(None)).positions.tolist() == []


def test_the_shipped_model_is_small_and_a_model_of_other_features_is_refused(tmp_path: Path):
    model = downbeats.load()
    assert model.weights.shape == model.mean.shape == model.scale.shape == (len(downbeats.FEATURES),)
    assert downbeats.MODEL_PATH.stat().st_size < 16 * 2**10
    stale = json.loads(downbeats.MODEL_PATH.read_text())
    stale["features"] = stale["features"][:-1]
    path = tmp_path / "bars.json"
    path.write_text(json.dumps(stale))
    with pytest.raises(ValueError, match=r"retrain it with python -m bench\.train_bars"):
        downbeats.load(path)
    with pytest.raises(ValueError, match="meter must be"):
        downbeats.meter_fit(np.full(8, 0.5), 1)


@pytest.mark.parametrize("in_three", [False, True])
def test_the_trainer_labels_each_song_with_its_true_meter_and_phase(in_three: bool):
    from bench.train_bars import song_sets
    from bench.train_tracker import three_four
    from generators.music.drum_machine import synthesize

    song = synthesize(120.0, 3, "house", total_bars=16, sample_rate=22050, lead_in=0.75)
    samples, beats = song.samples, np.array(song.truth.beats)
    if in_three:
        samples, beats, _ = three_four(samples, song.sample_rate, beats)
    meter = 3 if in_three else 4
    shifted = beats[1:]
    positions = (np.arange(len(shifted)) - (meter - 1)) % meter + 1
    sets = song_sets("a song", samples, song.sample_rate, shifted, positions)
    assert [s.song for s in sets] == ["a song", "a song"]
    assert downbeats.candidates()[sets[0].label] == (meter, meter - 1)
    assert downbeats.candidates()[sets[1].label][0] == meter
    assert sets[0].features.shape == (len(downbeats.candidates()), len(downbeats.FEATURES))
