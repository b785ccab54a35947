"""Train the tempo-level model shipped in ``generators/analysis/models/tempo_level.json``.

Run from the checkout after any retraining of the beat network (the model reads its activations)::

    nice -n 10 python -m bench.train_tempo_level [--synthetic 24] [--out PATH]

Songs: the ``train`` split of the real-music development set
(``$TOONBEAT_REALSET/manifest.json``; the ``test`` split is never read here)
and drum-machine songs at 60-190 BPM with random arrangements, noise and
reverb (a third cut to 3/4), each at every time stretch of
``train_tracker.STRETCHES``; a development-set song is heard through the
network members that never learned it (``activations.Ensemble.unseen_by``),
as a new song would be. For each song the true beat grid, its double and
its two halves are each taken as what a tracker found; the candidates
``tempo_level.candidates`` makes from it are scored and the one that is the
true beat is the label. A softmax over each candidate set, linear in the
standardized features, is fitted with an L2 penalty chosen by 5-fold
cross-validation over songs (all stretches of a song in one fold).
Seeded and deterministic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from addon.core.files import atomic_path
from generators.analysis import activations, features, tempo_level

from .train_tracker import STRETCHES, SYNTHETIC_STYLES, stretched, training_song

REALSET = Path(os.environ.get("TOONBEAT_REALSET", Path.home() / ".cache" / "toonbeat" / "realset"))
PENALTIES = (0.01, 0.1, 1.0, 10.0, 100.0)
FOLDS = 5
MATCH_SECONDS = 0.07
MATCH_SHARE = 0.8
"""A candidate is the true beat when its tempo is within 4 % and this share of its beats lie within
``MATCH_SECONDS`` of a true beat."""


@dataclass(frozen=True)
class CandidateSet:
    """The features of one candidate set and which row is the true beat."""

    song: str
    features: np.ndarray
    label: int


def song_sets(
    name: str, samples: np.ndarray, sample_rate: int, beats: np.ndarray, ensemble: activations.Ensemble | None = None
) -> list[CandidateSet]:
    """Candidate sets of one song at every stretch, heard by ``ensemble`` (the shipped one by default)."""
    spectrogram = features.band_spectrogram(features.blocks_of(samples), sample_rate)
    sets = []
    for stretch in STRETCHES:
        view = stretched(spectrogram, stretch) if stretch != 1 else spectrogram
        network = activations.activations(view, ensemble)
        flux = tempo_level.spectral_flux(view, network.frame_rate)
        truth = beats * stretch
        halfway = (truth[:-1] + truth[1:]) / 2
        for start in (truth, np.sort(np.concatenate([truth, halfway])), truth[0::2], truth[1::2]):
            options = tempo_level.candidates(start)
            matches = [_is_truth(option, truth) for option in options]
            if len(options) > 1 and sum(matches) == 1:
                rows = np.array([tempo_level.level_features(option, network, flux) for option in options])
                sets.append(CandidateSet(name, rows, matches.index(True)))
    return sets


def _is_truth(candidate: np.ndarray, truth: np.ndarray) -> bool:
    if abs(np.median(np.diff(candidate)) / np.median(np.diff(truth)) - 1) > 0.04:
        return False
    distance = np.abs(candidate[:, None] - truth[None, :]).min(axis=1)
    return bool(np.mean(distance <= MATCH_SECONDS) >= MATCH_SHARE)


def train_songs() -> Iterator[tuple[dict[str, Any], np.ndarray, int]]:
    """The development set's ``train`` songs: manifest entry, samples and sample rate (none without the set)."""
    import soundfile

    manifest = REALSET / "manifest.json"
    if not manifest.exists():
        print(f"no development set at {REALSET}; training on synthetic songs only", file=sys.stderr)
        return
    for song in json.loads(manifest.read_text())["songs"]:
        if song["split"] == "train":
            samples, rate = soundfile.read(str(REALSET / song["audio"]), dtype="float32", always_2d=True)
            yield song, samples, rate
            print(f"  {song['id']}", file=sys.stderr, flush=True)


def real_sets() -> list[CandidateSet]:
    """Candidate sets of the development set's ``train`` songs, each read by the network members that never saw it."""
    return [
        s
        for song, samples, rate in train_songs()
        for s in song_sets(song["id"], samples, rate, np.array(song["beats"]), activations.load().unseen_by(song["id"]))
    ]


def synthetic_sets(count: int, seed: int) -> list[CandidateSet]:
    """Candidate sets of ``count`` random drum-machine songs (noise, reverb, a third in 3/4)."""
    rng = np.random.default_rng(seed)
    sets = []
    for number in range(count):
        samples, rate, beats, _ = training_song(
            rng,
            float(rng.uniform(60.0, 190.0)),
            int(rng.integers(1 << 30)),
            str(rng.choice(SYNTHETIC_STYLES)),
            number % 3 == 2,
        )
        sets += song_sets(f"synthetic {number}", samples, rate, beats)
    return sets


def fit(sets: list[CandidateSet], penalty: float, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Weights of the softmax over each set's candidates, L2 ``penalty``, on features standardized by mean/scale."""
    standardized = [((s.features - mean) / scale, s.label) for s in sets]

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = penalty * float(weights @ weights), 2 * penalty * weights
        for rows, label in standardized:
            scores = rows @ weights
            top = scores.max()
            probability = np.exp(scores - top)
            probability /= probability.sum()
            total += float(top + np.log(np.exp(scores - top).sum()) - scores[label])
            gradient += probability @ rows - rows[label]
        return total, gradient

    start = np.zeros(sets[0].features.shape[1])
    return np.asarray(optimize.minimize(loss, start, jac=True, method="L-BFGS-B").x)


def accuracy(sets: list[CandidateSet], model: tempo_level.LevelModel) -> float:
    """Share of ``sets`` whose true candidate ``model`` scores highest."""
    return float(np.mean([int(np.argmax(model.scores(s.features))) == s.label for s in sets]))


def standardization(sets: list[CandidateSet]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of every candidate's features."""
    rows = np.concatenate([s.features for s in sets])
    return rows.mean(axis=0), np.maximum(rows.std(axis=0), 1e-6)


def cross_validated(sets: list[CandidateSet], penalty: float, seed: int) -> float:
    """Accuracy over ``FOLDS`` folds of songs (every stretch and start of a song in one fold)."""
    songs = sorted({s.song for s in sets})
    fold_of = dict(zip(songs, np.random.default_rng(seed).permutation(len(songs)) % FOLDS, strict=True))
    right = 0.0
    for fold in range(FOLDS):
        training = [s for s in sets if fold_of[s.song] != fold]
        held = [s for s in sets if fold_of[s.song] == fold]
        mean, scale = standardization(training)
        model = tempo_level.LevelModel(fit(training, penalty, mean, scale), mean, scale)
        right += accuracy(held, model) * len(held)
    return right / len(sets)


def chosen_model(sets: list[CandidateSet], seed: int) -> tempo_level.LevelModel:
    """The softmax fitted on all of ``sets`` with the L2 penalty that cross-validates best (the scores printed)."""
    print(f"{len(sets)} candidate sets from {len({s.song for s in sets})} songs", file=sys.stderr)
    scores = {penalty: cross_validated(sets, penalty, seed) for penalty in PENALTIES}
    for penalty, score in scores.items():
        print(f"L2 {penalty:g}: cross-validated accuracy {score:.3f}", file=sys.stderr)
    penalty = max(PENALTIES, key=lambda p: (scores[p], p))
    mean, scale = standardization(sets)
    model = tempo_level.LevelModel(fit(sets, penalty, mean, scale), mean, scale)
    print(f"L2 {penalty:g}: training accuracy {accuracy(sets, model):.3f}", file=sys.stderr)
    return model


def write_model(model: dict[str, object], out: Path) -> None:
    """Write ``model`` (a ``to_json`` dict) to ``out`` atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as temporary:
        Path(temporary).write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def train_and_write(description: str, model_path: Path, features: tuple[str, ...], synthetic: int,
                    real: Callable[[], list[CandidateSet]], made: Callable[[int, int], list[CandidateSet]]) -> int:
    """The command line of a trainer: ``real()`` sets plus ``made(count, seed)`` synthetic ones, the model
    chosen by cross-validation written to ``--out`` (``model_path`` by default), fitted on ``features``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--synthetic", type=int, default=synthetic, help="drum-machine songs to add")
    parser.add_argument("--seed", type=int, default=10, help="seed of the songs and folds")
    parser.add_argument("--out", type=Path, default=model_path, help="model file to write (.json)")
    args = parser.parse_args()
    sets = real() + made(args.synthetic, args.seed)
    write_model(chosen_model(sets, args.seed).to_json(features), args.out)
    return 0


def main() -> int:
    return train_and_write(__doc__.splitlines()[0], tempo_level.MODEL_PATH, tempo_level.FEATURES, 24, real_sets,
                           synthetic_sets)


if __name__ == "__main__":
    sys.exit(main())
