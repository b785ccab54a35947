"""Beat and downbeat activations: small dilated temporal convolutional networks, run in numpy.

Each network reads the fine-band spectrogram at about 50 frames per second
(log-compressed band power and its rise since the previous frame) and gives,
for every frame, the probability that a beat and that a downbeat falls there.
The shipped model is an ensemble (as madmom's trackers are): its members were
trained with different development-set songs held out, and their
probabilities are averaged. Which songs each member never saw is stored with
it, so the trainers of the models that read these activations (tempo level,
bars) see every training song through members that did not learn it. The
weights live in ``models/beat_tcn.npz`` (trained by ``python -m
bench.train_tracker``); inference needs only numpy, so the add-on, the demo
and CI run it without torch.

Architecture: a 3-tap input convolution to ``channels`` channels, then
residual blocks ``x + elu(conv(x))`` of 5-tap convolutions dilated 1, 2, 4, ...
(each frame sees about +-20 s of music), then a 1x1 convolution to two logits.

References
----------
.. [1] Böck, S., & Davies, M. E. P. (2020). Deconstruct, analyse, reconstruct:
   How to improve tempo, beat, and downbeat estimation. ISMIR.
.. [2] Böck, S., Krebs, F., & Widmer, G. (2016). Joint beat and downbeat tracking
   with recurrent neural networks. ISMIR.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import BandSpectrogram, frames_in
from .onsets import loud_level

MODEL_PATH = Path(__file__).with_name("models") / "beat_tcn.npz"

FRAME_RATE_DIVISOR = 2
"""The network runs at the spectrogram's frame rate divided by this (about 50 fps)."""

LOG_COMPRESSION = 1000.0
"""``c`` in ``log(1 + c * power / reference)``; the reference is the song's loud band power (``onsets.loud_level``)."""


@dataclass(frozen=True)
class Activations:
    """Per-frame probabilities of a beat and of a downbeat.

    Attributes
    ----------
    beat : np.ndarray [shape=(n,)]
        Probability that a beat (downbeats included) falls on each frame.
    downbeat : np.ndarray [shape=(n,)]
        Probability that a downbeat falls on each frame.
    frame_rate : float
        Frames per second; frame ``i`` is centred on ``i / frame_rate`` seconds.
    """

    beat: np.ndarray
    downbeat: np.ndarray
    frame_rate: float

    def near(self, times: np.ndarray, reach_seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The strongest beat and downbeat probabilities within ``reach_seconds`` of each of ``times`` (seconds)."""
        window = _window(times, reach_seconds, self.frame_rate, len(self.beat))
        return self.beat[window].max(axis=1), self.downbeat[window].max(axis=1)

    def beat_at(self, times: np.ndarray) -> np.ndarray:
        """The beat probability at ``times`` (seconds), linearly interpolated between frames."""
        return np.interp(times, np.arange(len(self.beat)) / self.frame_rate, self.beat)


def strongest_near(values: np.ndarray, times: np.ndarray, reach_seconds: float, frame_rate: float) -> np.ndarray:
    """The largest of ``values`` (one per frame at ``frame_rate``) within ``reach_seconds`` of each of ``times``."""
    return values[_window(times, reach_seconds, frame_rate, len(values))].max(axis=1)


def _window(times: np.ndarray, reach_seconds: float, frame_rate: float, length: int) -> np.ndarray:
    """Frame indices ``[len(times), 2 * reach + 1]`` around each of ``times`` (seconds), within ``length`` frames."""
    reach = frames_in(reach_seconds, frame_rate)
    last = length - 1
    frames = np.clip(np.round(np.asarray(times) * frame_rate).astype(int), 0, last)
    return np.clip(frames[:, None] + np.arange(-reach, reach + 1)[None, :], 0, last)


def network_input(spectrogram: BandSpectrogram) -> tuple[np.ndarray, float]:
    """The network's input features and their frame rate.

    Every other spectrogram frame is kept, smoothed with its neighbours
    (weights 1/4, 1/2, 1/4) so that frame ``j`` stays centred on ``j / rate``.

    Returns
    -------
    features : np.ndarray [shape=(2 * n_fine_bands, n_frames), dtype=float32]
        Log-compressed band power, then its positive difference from the previous frame.
    frame_rate : float
        Frames per second of ``features``.
    """
    power = spectrogram.fine_power.astype(np.float32)
    if len(power) == 0:
        raise ValueError("the spectrogram has no frames")
    padded = np.concatenate([power[:1], power, power[-1:]])
    smooth = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    pooled = smooth[::FRAME_RATE_DIVISOR]
    reference = float(loud_level(pooled))
    logarithmic = np.log1p(LOG_COMPRESSION * pooled / max(reference, 1e-12))
    rise = np.maximum(np.diff(logarithmic, axis=0, prepend=logarithmic[:1]), 0.0)
    features = np.concatenate([logarithmic, rise], axis=1).T
    return np.ascontiguousarray(features, dtype=np.float32), spectrogram.frame_rate / FRAME_RATE_DIVISOR


@dataclass(frozen=True)
class TemporalConvNet:
    """The network's weights, applied with numpy.

    Attributes
    ----------
    input_weight : np.ndarray [shape=(channels, n_features, 3)]
    input_bias : np.ndarray [shape=(channels,)]
    block_weights : tuple of np.ndarray [shape=(channels, channels, 5)]
    block_biases : tuple of np.ndarray [shape=(channels,)]
    output_weight : np.ndarray [shape=(2, channels)]
    output_bias : np.ndarray [shape=(2,)]
    """

    input_weight: np.ndarray
    input_bias: np.ndarray
    block_weights: tuple[np.ndarray, ...]
    block_biases: tuple[np.ndarray, ...]
    output_weight: np.ndarray
    output_bias: np.ndarray

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Beat and downbeat logits ``[2, n_frames]`` of ``features`` ``[n_features, n_frames]``."""
        if features.ndim != 2 or features.shape[0] != self.input_weight.shape[1]:
            raise ValueError(f"features must have shape ({self.input_weight.shape[1]}, n_frames), got {features.shape}")
        hidden = _elu(_dilated_conv(features, self.input_weight, self.input_bias, 1))
        for number, (weight, bias) in enumerate(zip(self.block_weights, self.block_biases, strict=True)):
            hidden = hidden + _elu(_dilated_conv(hidden, weight, bias, 2**number))
        return self.output_weight @ hidden + self.output_bias[:, None]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The weights by name, as ``save`` writes them and ``load`` reads them."""
        arrays = {
            "input_weight": self.input_weight,
            "input_bias": self.input_bias,
            "output_weight": self.output_weight,
            "output_bias": self.output_bias,
        }
        for number, (weight, bias) in enumerate(zip(self.block_weights, self.block_biases, strict=True)):
            arrays[f"block{number}_weight"] = weight
            arrays[f"block{number}_bias"] = bias
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TemporalConvNet:
        """The network of the named weights ``arrays`` (see ``to_arrays``)."""
        blocks = sum(1 for name in arrays if name.startswith("block") and name.endswith("_weight"))
        as32 = {name: np.asarray(value, dtype=np.float32) for name, value in arrays.items()}
        return cls(
            input_weight=as32["input_weight"],
            input_bias=as32["input_bias"],
            block_weights=tuple(as32[f"block{n}_weight"] for n in range(blocks)),
            block_biases=tuple(as32[f"block{n}_bias"] for n in range(blocks)),
            output_weight=as32["output_weight"],
            output_bias=as32["output_bias"],
        )


def _dilated_conv(signal: np.ndarray, weight: np.ndarray, bias: np.ndarray, dilation: int) -> np.ndarray:
    """Zero-padded, centred 1-D convolution (cross-correlation, as torch's ``Conv1d``) of ``[channels, n]``.

    The taps' shifted copies are stacked so the whole convolution is one matrix product (ten times
    faster than one product per tap, whose weight slices are not contiguous).
    """
    taps = weight.shape[2]
    reach = (taps // 2) * dilation
    padded = np.pad(signal, ((0, 0), (reach, reach)))
    length = signal.shape[1]
    shifted = np.concatenate([padded[:, tap * dilation : tap * dilation + length] for tap in range(taps)])
    flat = weight.transpose(0, 2, 1).reshape(weight.shape[0], -1)
    return flat @ shifted + bias[:, None]


def _elu(values: np.ndarray) -> np.ndarray:
    return np.where(values > 0, values, np.expm1(np.minimum(values, 0.0)))


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


@dataclass(frozen=True)
class Ensemble:
    """Networks whose probabilities are averaged, each with the training songs it never saw.

    Attributes
    ----------
    members : tuple of TemporalConvNet
    held_out : tuple of frozenset of str
        For each member, the ids of the development-set songs left out of its training.
    """

    members: tuple[TemporalConvNet, ...]
    held_out: tuple[frozenset[str], ...]

    def __post_init__(self) -> None:
        if not self.members or len(self.members) != len(self.held_out):
            raise ValueError("an ensemble needs at least one member and one held-out set per member")

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Mean beat and downbeat probabilities ``[2, n_frames]`` of ``features`` ``[n_features, n_frames]``."""
        return np.mean([_sigmoid(member.logits(features).astype(np.float64)) for member in self.members], axis=0)

    def unseen_by(self, song: str) -> Ensemble:
        """The members trained without ``song`` (all of them for a song no member held out)."""
        keep = [index for index, held in enumerate(self.held_out) if song in held]
        if not keep:
            return self
        return Ensemble(tuple(self.members[i] for i in keep), tuple(self.held_out[i] for i in keep))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The weights and held-out ids by name, as ``load`` reads them."""
        arrays: dict[str, np.ndarray] = {}
        for number, (member, held) in enumerate(zip(self.members, self.held_out, strict=True)):
            arrays |= {f"member{number}.{name}": value for name, value in member.to_arrays().items()}
            arrays[f"member{number}.held_out"] = np.array(sorted(held), dtype=str)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Ensemble:
        """The ensemble of ``to_arrays``; a single network's arrays (no ``member`` prefix) are one member."""
        if not any(name.startswith("member") for name in arrays):
            return cls((TemporalConvNet.from_arrays(arrays),), (frozenset(),))
        count = 1 + max(int(name.split(".")[0].removeprefix("member")) for name in arrays)
        members, held_out = [], []
        for number in range(count):
            prefix = f"member{number}."
            own = {name.removeprefix(prefix): value for name, value in arrays.items() if name.startswith(prefix)}
            held_out.append(frozenset(str(song) for song in own.pop("held_out", ())))
            members.append(TemporalConvNet.from_arrays(own))
        return cls(tuple(members), tuple(held_out))


@lru_cache(maxsize=2)
def load(path: Path = MODEL_PATH) -> Ensemble:
    """The shipped ensemble (read once per process)."""
    with np.load(path) as archive:
        return Ensemble.from_arrays({name: archive[name] for name in archive.files})


def activations(spectrogram: BandSpectrogram, ensemble: Ensemble | None = None) -> Activations:
    """Beat and downbeat probabilities of every network frame of ``spectrogram`` (the shipped ensemble's)."""
    features, frame_rate = network_input(spectrogram)
    probabilities = (ensemble or load()).probabilities(features)
    return Activations(probabilities[0], np.minimum(probabilities[1], probabilities[0]), frame_rate)
