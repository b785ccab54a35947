"""Train the bar model shipped in ``generators/analysis/models/bars.json``.

Run from the checkout after any retraining of the beat network (the model reads its activations)::

    nice -n 10 python -m bench.train_bars [--synthetic 12] [--out PATH]

Songs: the ``train`` split of the real-music development set
(``$TOONBEAT_REALSET/manifest.json``; the ``test`` split is never read here)
and drum-machine songs at 70-180 BPM with random arrangements, noise and
reverb (a third cut to 3/4); a development-set song is heard through the
network members that never learned it (``activations.Ensemble.unseen_by``).
Each song gives two candidate sets
(``downbeats.candidates``: every meter and phase): one on its true beats,
labelled with its true meter and bar phase, and one on the beats the analysis
tracks, labelled with the candidate whose downbeats score the highest
F-measure against the true ones (when that reaches ``MIN_TRACKED_F``). A
softmax over each set, linear in the standardized features, is fitted with
an L2 penalty chosen by cross-validation over song groups (every song of one
source package, and so of one composer or tool, in one fold). Seeded and
deterministic.
"""

from __future__ import annotations

import sys

import numpy as np

from generators.analysis import activations, analyze, downbeats, features, onsets

from .train_tempo_level import CandidateSet, train_and_write, train_songs
from .train_tracker import SYNTHETIC_STYLES, package, training_song

MIN_TRACKED_F = 0.5
MATCH_SECONDS = 0.07
"""A found downbeat is right within this time of a true one (the benchmark's window)."""


def song_sets(
    group: str, samples: np.ndarray, sample_rate: int, beats: np.ndarray, positions: np.ndarray,
    ensemble: activations.Ensemble | None = None,
) -> list[CandidateSet]:
    """The candidate sets of one song: on its true ``beats`` and on the tracked ones (heard by ``ensemble``)."""
    import mir_eval

    spectrogram = features.band_spectrogram(features.blocks_of(samples), sample_rate)
    envelopes = onsets.onset_envelopes(spectrogram)
    evidence = downbeats.bar_evidence(spectrogram, envelopes, onsets.band_levels(spectrogram.power))
    network = activations.activations(spectrogram, ensemble)
    options = downbeats.candidates()
    sets = []
    label = options.index(_true_candidate(positions))
    sets.append(CandidateSet(group, downbeats.bar_features(beats, network, evidence), label))
    tracked = analyze.notated_beats(spectrogram, envelopes, network)
    truth = beats[positions == 1]
    index = np.arange(len(tracked))
    scores = [
        mir_eval.beat.f_measure(truth, tracked[index % meter == phase], MATCH_SECONDS) for meter, phase in options
    ]
    if len(tracked) >= 2 and max(scores) >= MIN_TRACKED_F:
        sets.append(CandidateSet(group, downbeats.bar_features(tracked, network, evidence), int(np.argmax(scores))))
    return sets


def _true_candidate(positions: np.ndarray) -> tuple[int, int]:
    """The (meter, phase) most of the true bar ``positions`` (1 = downbeat) follow."""
    meter = int(positions.max())
    index = np.arange(len(positions))
    return meter, int(np.bincount((index - positions + 1) % meter, minlength=meter).argmax())


def real_sets() -> list[CandidateSet]:
    """Candidate sets of the development set's ``train`` songs in 3/4 and 4/4, grouped by source package, each
    read by the network members that never saw it."""
    return [
        candidate_set
        for song, samples, rate in train_songs()
        if song["beats_per_bar"] in downbeats.METERS
        for candidate_set in song_sets(
            package(song), samples, rate, np.array(song["beats"]), np.array(song["beat_positions"]),
            activations.load().unseen_by(song["id"]),
        )
    ]


def synthetic_sets(count: int, seed: int) -> list[CandidateSet]:
    """Candidate sets of ``count`` random drum-machine songs (noise, reverb, a third in 3/4), one group each."""
    rng = np.random.default_rng(seed)
    sets = []
    for number in range(count):
        in_three = number % 3 == 2
        samples, rate, beats, downbeat_times = training_song(
            rng,
            float(rng.uniform(70.0, 180.0)),
            int(rng.integers(1 << 30)),
            str(rng.choice(SYNTHETIC_STYLES)),
            in_three,
        )
        meter = 3 if in_three else 4
        first = int(np.argmin(np.abs(beats - downbeat_times[0])))
        positions = (np.arange(len(beats)) - first) % meter + 1
        sets += song_sets(f"synthetic {number}", samples, rate, beats, positions)
        print(f"  synthetic {number}", file=sys.stderr, flush=True)
    return sets


def main() -> int:
    return train_and_write(__doc__.splitlines()[0], downbeats.MODEL_PATH, downbeats.FEATURES, 12, real_sets,
                           synthetic_sets)


if __name__ == "__main__":
    sys.exit(main())
