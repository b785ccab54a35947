"""Train the bar model shipped in ``generators/analysis/models/bars.json``.

Run from the checkout after any retraining of the beat network (the model reads its activations)::

    nice -n 10 python -m bench.train_bars [--synthetic 12] [--out PATH]

Songs: the ``train`` split of the real-music development set
(``$TOONBEAT_REALSET/manifest.json``; the ``test`` split is never read here)
and drum-machine songs at 70-180 BPM with random arrangements, noise and
reverb (a third cut to 3/4). Each song gives two candidate sets
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

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from addon.core.files import atomic_path
from generators.analysis import activations, analyze, downbeats, features, onsets

from .train_tempo_level import (
    PENALTIES,
    REALSET,
    CandidateSet,
    accuracy,
    cross_validated,
    fit,
    standardization,
)
from .train_tracker import SYNTHETIC_STYLES, training_song

MIN_TRACKED_F = 0.5
MATCH_SECONDS = 0.07
"""A found downbeat is right within this time of a true one (the benchmark's window)."""


def song_sets(
    group: str, samples: np.ndarray, sample_rate: int, beats: np.ndarray, positions: np.ndarray
) -> list[CandidateSet]:
    """The candidate sets of one song: on its true ``beats`` and on the tracked ones."""
    import mir_eval

    spectrogram = features.band_spectrogram(features.blocks_of(samples), sample_rate)
    envelopes = onsets.onset_envelopes(spectrogram)
    evidence = downbeats.bar_evidence(spectrogram, envelopes, onsets.band_levels(spectrogram.power))
    network = activations.activations(spectrogram)
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
    """Candidate sets of the development set's ``train`` songs in 3/4 and 4/4, grouped by source package."""
    import soundfile

    manifest = REALSET / "manifest.json"
    if not manifest.exists():
        print(f"no development set at {REALSET}; training on synthetic songs only", file=sys.stderr)
        return []
    sets = []
    for song in json.loads(manifest.read_text())["songs"]:
        if song["split"] == "train" and song["beats_per_bar"] in downbeats.METERS:
            samples, rate = soundfile.read(str(REALSET / song["audio"]), dtype="float32", always_2d=True)
            group = song["source"].split("=")[0].split("/")[0]
            sets += song_sets(group, samples, rate, np.array(song["beats"]), np.array(song["beat_positions"]))
            print(f"  {song['id']}", file=sys.stderr, flush=True)
    return sets


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=12, help="drum-machine songs to add")
    parser.add_argument("--seed", type=int, default=10, help="seed of the songs and folds")
    parser.add_argument("--out", type=Path, default=downbeats.MODEL_PATH, help="model file to write (.json)")
    args = parser.parse_args()
    sets = real_sets() + synthetic_sets(args.synthetic, args.seed)
    print(f"{len(sets)} candidate sets from {len({s.song for s in sets})} song groups", file=sys.stderr)
    scores = {penalty: cross_validated(sets, penalty, args.seed) for penalty in PENALTIES}
    for penalty, score in scores.items():
        print(f"L2 {penalty:g}: cross-validated accuracy {score:.3f}", file=sys.stderr)
    penalty = max(PENALTIES, key=lambda p: (scores[p], p))
    mean, scale = standardization(sets)
    model = downbeats.BarModel(fit(sets, penalty, mean, scale), mean, scale)
    print(f"L2 {penalty:g}: training accuracy {accuracy(sets, model):.3f}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out) as temporary:
        Path(temporary).write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
