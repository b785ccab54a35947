"""Tempo level: which of a beat grid, its double and its halves is the notated beat.

A beat tracker locks onto a periodic pulse, but the same music fits a grid
at the notated beat, at twice it (eighth notes) and at half it (every other
beat, on either phase). ``choose`` scores each of those candidates with a
small learned linear model (``models/tempo_level.json``, trained by ``python
-m bench.train_tempo_level``) over evidence the music carries at that level:
the network's beat probability on the candidate's beats and halfway between
them, how clearly its downbeat probability groups the beats into bars, the
spectral flux on and between the beats, onsets per beat, the beat
activation's autocorrelation at one and two periods, and the tempo itself
(the notated beat lies from ``tempo.MIN_BPM`` to ``tempo.MAX_BPM``). The
candidate with the highest score is the beat.

References
----------
.. [1] Gkiokas, A., Katsouros, V., & Carayannis, G. (2012). Reducing tempo octave
   errors by periodicity vector coding and SVM learning. ISMIR.
.. [2] Schreiber, H., & Müller, M. (2018). A single-step approach to musical tempo
   estimation using a convolutional neural network. ISMIR.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .activations import Activations, strongest_near
from .features import BandSpectrogram, frames_in
from .onsets import loud_level
from .tempo import MAX_BPM, MIN_BPM, autocorrelation

MODEL_PATH = Path(__file__).with_name("models") / "tempo_level.json"

FEATURES = (
    "log2 tempo / 120",
    "(log2 tempo / 120) squared",
    "log beat probability on the beats over halfway",
    "log bar contrast of the downbeat probability",
    "log flux on the beats over halfway",
    "log onsets per beat",
    "beat activation autocorrelation at one period",
    "beat activation autocorrelation at two periods",
)

RANGE_TOLERANCE = 0.04
"""A candidate may lie this fraction outside ``tempo.MIN_BPM``..``tempo.MAX_BPM``."""

MIN_BEATS = 8
"""Grids with fewer beats are kept as they are."""

SEARCH_SECONDS = 0.04
"""A beat's probability and flux are the strongest within this time of it."""

ONSET_PEAK_SECONDS = 0.05
ONSET_FLOOR = 0.1
"""An onset is a flux peak, the largest within this time, above this fraction of the song's loud flux."""

_EPSILON = 1e-4


@dataclass(frozen=True)
class LevelModel:
    """A linear score over standardized ``FEATURES``: ``weights @ (features - mean) / scale``."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Score of each row of ``features`` ``[n_candidates, n_features]``."""
        return ((features - self.mean) / self.scale) @ self.weights

    def to_json(self, features: tuple[str, ...] = FEATURES) -> dict[str, object]:
        """The model as ``load`` reads it, fitted on ``features``."""
        return {
            "features": list(features),
            "weights": self.weights.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
        }


@lru_cache(maxsize=4)
def load(
    path: Path = MODEL_PATH, features: tuple[str, ...] = FEATURES, trainer: str = "bench.train_tempo_level"
) -> LevelModel:
    """The shipped model fitted on ``features`` by ``python -m trainer`` (read once per process)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != features:
        raise ValueError(f"{path} was trained on other features; retrain it with python -m {trainer}")
    return LevelModel(*(np.array(data[key], dtype=np.float64) for key in ("weights", "mean", "scale")))


def spectral_flux(spectrogram: BandSpectrogram, frame_rate: float) -> np.ndarray:
    """Positive log-power change summed over the fine bands, resampled to ``frame_rate`` frames per second."""
    power = spectrogram.fine_power
    logarithmic = np.log1p(1000.0 * power / max(float(loud_level(power)), 1e-12))
    flux = np.maximum(np.diff(logarithmic, axis=0, prepend=logarithmic[:1]), 0.0).sum(axis=1)
    count = max(1, round(len(flux) * frame_rate / spectrogram.frame_rate))
    times = np.arange(count) / frame_rate
    return np.interp(times, np.arange(len(flux)) / spectrogram.frame_rate, flux)


def candidates(grid: np.ndarray) -> list[np.ndarray]:
    """``grid`` (seconds), its double and its two halves, those whose tempo lies in the notated range."""
    halfway = (grid[:-1] + grid[1:]) / 2
    double = np.sort(np.concatenate([grid, halfway]))
    found = []
    for candidate in (grid, double, grid[0::2], grid[1::2]):
        if len(candidate) >= 2:
            bpm = 60.0 / float(np.median(np.diff(candidate)))
            if MIN_BPM * (1 - RANGE_TOLERANCE) <= bpm <= MAX_BPM * (1 + RANGE_TOLERANCE):
                found.append(candidate)
    return found


def level_features(grid: np.ndarray, network: Activations, flux: np.ndarray) -> np.ndarray:
    """``FEATURES`` of the beat grid ``grid`` (seconds); ``flux`` is per frame of ``network``."""
    period = float(np.median(np.diff(grid)))
    octave = np.log2(60.0 / period / 120.0)
    halfway = (grid[:-1] + grid[1:]) / 2
    on_beat, on_downbeat = network.near(grid, SEARCH_SECONDS)
    between, _ = network.near(halfway, SEARCH_SECONDS)
    contrast = max(
        float(np.mean(on_downbeat[phase::meter]))
        for meter in (3, 4)
        for phase in range(meter)
        if len(on_downbeat[phase::meter])
    ) / (float(np.mean(on_downbeat)) + _EPSILON)
    flux_on = strongest_near(flux, grid, SEARCH_SECONDS, network.frame_rate)
    flux_between = strongest_near(flux, halfway, SEARCH_SECONDS, network.frame_rate)
    lag = period * network.frame_rate
    acf = autocorrelation(network.beat, int(np.ceil(2 * lag)) + 2)
    lags = np.arange(len(acf))
    return np.array(
        [
            octave,
            octave**2,
            np.log((np.mean(on_beat) + _EPSILON) / (np.mean(between) + _EPSILON)),
            np.log(contrast + _EPSILON),
            np.log((np.mean(flux_on) + _EPSILON) / (np.mean(flux_between) + _EPSILON)),
            np.log((_onset_count(flux, network.frame_rate, grid) + 1.0) / len(grid)),
            float(np.interp(lag, lags, acf)),
            float(np.interp(2 * lag, lags, acf, right=0.0)),
        ]
    )


def choose(grid: np.ndarray, network: Activations, flux: np.ndarray, model: LevelModel | None = None) -> np.ndarray:
    """The candidate of ``grid`` (beat times, seconds) that ``model`` scores as the notated beat."""
    options = candidates(grid) if len(grid) >= MIN_BEATS else []
    if len(options) < 2:
        return grid
    features = np.array([level_features(option, network, flux) for option in options])
    return options[int(np.argmax((model or load()).scores(features)))]


def _onset_count(flux: np.ndarray, frame_rate: float, grid: np.ndarray) -> float:
    """Flux peaks (onsets) between the first and the last beat of ``grid``."""
    from scipy import ndimage

    reach = 2 * frames_in(ONSET_PEAK_SECONDS, frame_rate) + 1
    peaks = (flux == ndimage.maximum_filter1d(flux, reach)) & (flux > ONSET_FLOOR * float(loud_level(flux)))
    first, last = (int(np.clip(round(t * frame_rate), 0, len(flux))) for t in (grid[0], grid[-1]))
    return float(np.count_nonzero(peaks[first:last]))
