"""Train the beat and downbeat network shipped in ``generators/analysis/models/beat_tcn.npz``.

Run from the checkout, in an environment with torch (the bpy-5.0 test env has the CPU wheel)::

    nice -n 10 python -m bench.train_tracker [--steps 1500] [--augment] [--folds 3] [--seeds 1] [--out PATH]

Training songs: the ``train`` split of the real-music development set (read
from ``$TOONBEAT_REALSET/manifest.json``, default ``~/.cache/toonbeat/realset``;
the ``test`` split is never read here) and drum-machine songs with random
arrangements, tempi (70-180 BPM), noise and reverb, a third of them cut to
3/4 by removing the last beat of every bar. Each song is also time-stretched
(its spectrogram's frames resampled, so the tempo moves and the pitch does
not). Network inputs are cached in ``~/.cache/toonbeat/tracker-train``.

The model is an ensemble of ``--folds`` networks (``--seeds`` of them per
fold): the development set's source packages are dealt into that many folds
(all songs of one package, and so of one composer or tool, in one fold), and
each member is trained on every fold but its own, with its own seed; the
songs it never saw are saved with it (``activations.Ensemble``). Seeded: the
same songs, steps and seed give the same weights on the same machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from addon.core.files import atomic_path
from generators.analysis import activations, features
from generators.music.drum_machine import synthesize

from .benchmark_tracks import degrade, random_arrangement

REALSET = Path(os.environ.get("TOONBEAT_REALSET", Path.home() / ".cache" / "toonbeat" / "realset"))
CACHE = Path.home() / ".cache" / "toonbeat" / "tracker-train"
STRETCHES = (0.84, 1.0, 1.19)
"""Time-stretch factors each song is seen at (above 1: longer and slower)."""

SYNTHETIC_STYLES = ("house", "techno", "industrial")
SYNTHETIC_RATE = 22050
"""Sample rate of the drum-machine songs (the analysis decimates to about this rate anyway)."""

CHANNELS = 32
BLOCKS = 9
EXCERPT_FRAMES = 1024
BATCH = 12
LEARNING_RATE = 2e-3
TARGET_SPREAD = 0.5
"""Target value of the frames next to a beat (target widening, as Böck & Davies 2020 do)."""
DOWNBEAT_LOSS_WEIGHT = 2.0
"""Weight of the downbeat head's loss beside the beat head's with ``--augment`` (the shipped weights: 1)."""
BAND_SHIFT = 2
"""Excerpts are moved up or down by up to this many fine bands (a pitch shift of up to about a tone)."""
GAIN_DB = 12.0
"""Excerpts are made up to this much louder or quieter than the song's loud level."""
NOISE_PROBABILITY = 0.3
"""Share of excerpts with noise added (its power per band a random fraction of the excerpt's median)."""


@dataclass(frozen=True)
class Example:
    """One song at one stretch: network input and per-frame targets.

    ``song`` is the development set's id (a synthetic song's name) and
    ``group`` its source package (``None`` for synthetic songs, which every member trains on).
    """

    name: str
    song: str
    group: str | None
    features: np.ndarray
    beat: np.ndarray
    downbeat: np.ndarray


def targets(times: np.ndarray, count: int, frame_rate: float) -> np.ndarray:
    """Per-frame target: 1 at the frame nearest each time, ``TARGET_SPREAD`` beside it."""
    target = np.zeros(count, dtype=np.float32)
    frames = np.round(np.asarray(times) * frame_rate).astype(int)
    frames = frames[(frames >= 0) & (frames < count)]
    for offset in (-1, 1):
        neighbours = np.clip(frames + offset, 0, count - 1)
        target[neighbours] = np.maximum(target[neighbours], TARGET_SPREAD)
    target[frames] = 1.0
    return target


def song_examples(
    name: str, samples: np.ndarray, sample_rate: int, beats: np.ndarray, downbeats: np.ndarray,
    group: str | None = None,
) -> list[Example]:
    """``samples`` at every stretch of ``STRETCHES``, cached by content."""
    key = hashlib.sha256(np.ascontiguousarray(samples[: 44100 * 5]).tobytes() + name.encode()).hexdigest()[:16]
    examples = []
    spectrogram = None
    for stretch in STRETCHES:
        path = CACHE / f"{key}-{stretch:g}.npz"
        if path.exists():
            with np.load(path) as cached:
                inputs, frame_rate = cached["features"], float(cached["frame_rate"])
        else:
            if spectrogram is None:
                spectrogram = features.band_spectrogram(features.blocks_of(samples), sample_rate)
            inputs, frame_rate = activations.network_input(stretched(spectrogram, stretch))
            CACHE.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as temporary, open(temporary, "wb") as handle:
                np.savez(handle, features=inputs.astype(np.float16), frame_rate=frame_rate)
        count = inputs.shape[1]
        examples.append(
            Example(
                f"{name} x{stretch:g}",
                name,
                group,
                inputs.astype(np.float32),
                targets(beats * stretch, count, frame_rate),
                targets(downbeats * stretch, count, frame_rate),
            )
        )
    return examples


def stretched(spectrogram: features.BandSpectrogram, stretch: float) -> features.BandSpectrogram:
    """``spectrogram`` played ``stretch`` times as long: its frames linearly resampled."""
    count = int(len(spectrogram.fine_power) * stretch)
    positions = np.arange(count) / stretch
    below = np.minimum(np.floor(positions).astype(int), len(spectrogram.fine_power) - 1)
    above = np.minimum(below + 1, len(spectrogram.fine_power) - 1)
    weight = (positions - below)[:, None].astype(np.float32)
    fine = (1 - weight) * spectrogram.fine_power[below] + weight * spectrogram.fine_power[above]
    return dataclasses.replace(spectrogram, fine_power=fine, power=fine[:, :0], duration=spectrogram.duration * stretch)


def real_examples() -> list[Example]:
    """Every song of the development set's ``train`` split."""
    import soundfile

    manifest = REALSET / "manifest.json"
    if not manifest.exists():
        print(f"no development set at {REALSET}; training on synthetic songs only", file=sys.stderr)
        return []
    songs = [song for song in json.loads(manifest.read_text())["songs"] if song["split"] == "train"]
    examples = []
    for song in songs:
        samples, rate = soundfile.read(str(REALSET / song["audio"]), dtype="float32", always_2d=True)
        examples += song_examples(
            song["id"], samples, rate, np.array(song["beats"]), np.array(song["downbeats"]), package(song)
        )
    print(f"{len(songs)} development-set train songs", file=sys.stderr)
    return examples


def package(song: dict) -> str:
    """The source package of a development-set song (its manifest entry): the unit the folds keep together."""
    return str(song["source"]).split("=")[0]


def folds_of(examples: list[Example], folds: int) -> dict[str, int]:
    """Each source package's fold: the largest packages first, each into the fold with the fewest songs so far."""
    songs: dict[str, set[str]] = {}
    for example in examples:
        if example.group is not None:
            songs.setdefault(example.group, set()).add(example.song)
    sizes = [0] * folds
    assignment = {}
    for group in sorted(songs, key=lambda g: (-len(songs[g]), g)):
        fold = int(np.argmin(sizes))
        assignment[group] = fold
        sizes[fold] += len(songs[group])
    return assignment


def train_ensemble(
    examples: list[Example], folds: int, steps: int, seed: int, start: activations.Ensemble | None = None,
    augment: bool = False, seeds: int = 1,
) -> activations.Ensemble:
    """``folds * seeds`` networks: ``seeds`` per fold of ``folds_of``, each trained on every fold but its own
    (one network per seed on every song when ``folds`` is 1). Member ``r * folds + k`` holds out fold ``k``
    and is seeded ``seed + r * folds + k``, so the first ``folds`` members do not depend on ``seeds``."""
    fold_of = folds_of(examples, folds) if folds > 1 else {}
    members, held_out = [], []
    for number in range(folds * seeds):
        fold = number % folds
        seen = [e for e in examples if fold_of.get(e.group) != fold]
        held = frozenset(e.song for e in examples if fold_of.get(e.group) == fold)
        print(f"member {number}: {len(seen)} examples, {len(held)} songs held out", file=sys.stderr)
        initial = start.members[number % len(start.members)] if start else None
        members.append(train(seen, steps, seed + number, initial, augment))
        held_out.append(held)
    return activations.Ensemble(tuple(members), tuple(held_out))


def three_four(samples: np.ndarray, sample_rate: int, beats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 4/4 song cut to 3/4 by removing the last beat of every bar; new samples, beats and downbeats."""
    edges = np.round(np.append(beats, len(samples) / sample_rate) * sample_rate).astype(int)
    fade = np.linspace(1.0, 0.0, 64, dtype=np.float32)[:, None]
    pieces = [samples[: edges[0]]]
    new_beats, new_downbeats = [], []
    cursor = edges[0]
    for index in range(len(beats)):
        if index % 4 == 3:
            continue
        piece = samples[edges[index] : edges[index + 1]].copy()
        if len(piece) > len(fade):
            piece[-len(fade) :] *= fade
        if index % 4 == 0:
            new_downbeats.append(cursor / sample_rate)
        new_beats.append(cursor / sample_rate)
        pieces.append(piece)
        cursor += len(piece)
    return np.concatenate(pieces), np.array(new_beats), np.array(new_downbeats)


def synthetic_examples(count: int, seed: int) -> list[Example]:
    """``count`` random drum-machine songs (noise, reverb, a third in 3/4) at every stretch."""
    rng = np.random.default_rng(seed)
    examples = []
    for number in range(count):
        style = str(rng.choice(SYNTHETIC_STYLES))
        bpm = float(rng.uniform(70.0, 180.0))
        samples, rate, beats, downbeats = training_song(rng, bpm, int(rng.integers(1 << 30)), style, number % 3 == 2)
        examples += song_examples(f"synthetic {number}", samples, rate, beats, downbeats)
    return examples


def training_song(rng: np.random.Generator, bpm: float, seed: int, style: str,
                  in_three_four: bool) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """A drum-machine song for training: a random arrangement, humanizing and lead-in from ``rng``, then noise
    and reverb each half the time, cut to 3/4 when asked; its samples, sample rate, beats and downbeats."""
    song = synthesize(
        bpm,
        seed,
        style,
        arrangement=random_arrangement(rng),
        sample_rate=SYNTHETIC_RATE,
        humanize_ms=float(rng.uniform(0.0, 8.0)),
        lead_in=float(rng.uniform(0.0, 3.0)),
    )
    snr = None if rng.random() < 0.5 else float(rng.uniform(0.0, 20.0))
    reverb = 0.0 if rng.random() < 0.5 else float(rng.uniform(0.2, 0.8))
    samples = degrade(song.samples, song.sample_rate, rng, snr_db=snr, reverb=reverb)
    beats, downbeats = np.array(song.truth.beats), np.array(song.truth.downbeats)
    if in_three_four:
        samples, beats, downbeats = three_four(samples, song.sample_rate, beats)
    return samples, song.sample_rate, beats, downbeats


def build_model(n_features: int):  # type: ignore[no-untyped-def]
    """The torch twin of ``activations.TemporalConvNet``."""
    import torch
    from torch import nn

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.input = nn.Conv1d(n_features, CHANNELS, 3, padding=1)
            self.blocks = nn.ModuleList(
                nn.Conv1d(CHANNELS, CHANNELS, 5, dilation=2**n, padding=2 * 2**n) for n in range(BLOCKS)
            )
            self.dropout = nn.Dropout(0.1)
            self.output = nn.Conv1d(CHANNELS, 2, 1)

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            hidden = nn.functional.elu(self.input(inputs))
            for block in self.blocks:
                hidden = hidden + self.dropout(nn.functional.elu(block(hidden)))
            return self.output(hidden)

    return Network()


def to_numpy_network(model) -> activations.TemporalConvNet:  # type: ignore[no-untyped-def]
    """The trained weights as the numpy network."""
    arrays = {
        "input_weight": model.input.weight,
        "input_bias": model.input.bias,
        "output_weight": model.output.weight[:, :, 0],
        "output_bias": model.output.bias,
    }
    for number, block in enumerate(model.blocks):
        arrays[f"block{number}_weight"] = block.weight
        arrays[f"block{number}_bias"] = block.bias
    return activations.TemporalConvNet.from_arrays({k: v.detach().numpy() for k, v in arrays.items()})


def augmented(inputs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An excerpt's network input ``[2 * bands, frames]`` shifted in pitch, made louder or quieter, noise added.

    The first half of the rows is ``log1p(c * power / reference)``, so power is
    recovered exactly, scaled, offset by noise power, compressed again; the
    second half (the rise since the previous frame) is recomputed from it.
    """
    bands = inputs.shape[0] // 2
    power = np.expm1(inputs[:bands].astype(np.float64))
    shift = int(rng.integers(-BAND_SHIFT, BAND_SHIFT + 1))
    if shift > 0:
        power = np.concatenate([np.zeros_like(power[:shift]), power[:-shift]])
    elif shift < 0:
        power = np.concatenate([power[-shift:], np.zeros_like(power[:-shift])])
    power *= 10.0 ** (rng.uniform(-GAIN_DB, GAIN_DB) / 10.0)
    if rng.random() < NOISE_PROBABILITY:
        level = np.median(power, axis=1, keepdims=True) * rng.uniform(0.05, 1.0)
        power += level * rng.exponential(1.0, power.shape)
    logarithmic = np.log1p(power)
    rise = np.maximum(np.diff(logarithmic, axis=1, prepend=logarithmic[:, :1]), 0.0)
    return np.concatenate([logarithmic, rise]).astype(np.float32)


def load_weights(model, network: activations.TemporalConvNet) -> None:  # type: ignore[no-untyped-def]
    """Copy the numpy ``network``'s weights into the torch ``model`` (the inverse of ``to_numpy_network``)."""
    import torch

    arrays = network.to_arrays()
    layers = {"input": model.input, "output": model.output} | {f"block{n}": b for n, b in enumerate(model.blocks)}
    with torch.no_grad():
        for name, layer in layers.items():
            weight = torch.from_numpy(arrays[f"{name}_weight"])
            layer.weight.copy_(weight.reshape(layer.weight.shape))
            layer.bias.copy_(torch.from_numpy(arrays[f"{name}_bias"]))


def train(
    examples: list[Example],
    steps: int,
    seed: int,
    initial: activations.TemporalConvNet | None = None,
    augment: bool = False,
) -> activations.TemporalConvNet:
    """Fit the network to random excerpts of ``examples`` for ``steps`` Adam steps (from ``initial``'s weights)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    model = build_model(examples[0].features.shape[0])
    if initial is not None:
        load_weights(model, initial)
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, LEARNING_RATE, total_steps=steps)
    loss_function = torch.nn.BCEWithLogitsLoss(reduction="none")
    downbeat_weight = DOWNBEAT_LOSS_WEIGHT if augment else 1.0
    head_weights = torch.tensor([1.0, downbeat_weight])[None, :, None] / (1.0 + downbeat_weight)
    started = time.perf_counter()
    running = 0.0
    for step in range(steps):
        batch_inputs, batch_targets = [], []
        for index in rng.integers(len(examples), size=BATCH):
            example = examples[index]
            length = example.features.shape[1]
            start = int(rng.integers(max(1, length - EXCERPT_FRAMES)))
            window = slice(start, start + EXCERPT_FRAMES)
            inputs = example.features[:, window]
            if augment:
                inputs = augmented(inputs, rng)
            pad = EXCERPT_FRAMES - inputs.shape[1]
            batch_inputs.append(np.pad(inputs, ((0, 0), (0, pad))))
            wanted = np.stack([example.beat[window], example.downbeat[window]])
            batch_targets.append(np.pad(wanted, ((0, 0), (0, pad))))
        logits = model(torch.from_numpy(np.stack(batch_inputs)))
        loss = (loss_function(logits, torch.from_numpy(np.stack(batch_targets))) * head_weights).sum(dim=1).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if step else value
        if step % 100 == 0 or step == steps - 1:
            elapsed = time.perf_counter() - started
            print(f"step {step}: loss {running:.4f} ({elapsed:.0f} s)", file=sys.stderr, flush=True)
    model.eval()
    return to_numpy_network(model)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500, help="Adam steps per member")
    parser.add_argument("--folds", type=int, default=3, help="folds of the train songs, one held out by each member")
    parser.add_argument("--seeds", type=int, default=1, help="members per fold, each with its own seed")
    parser.add_argument("--synthetic", type=int, default=24, help="drum-machine songs to add")
    parser.add_argument("--seed", type=int, default=10, help="seed of the songs, excerpts and weights")
    parser.add_argument("--out", type=Path, default=activations.MODEL_PATH, help="weights file to write (.npz)")
    parser.add_argument("--start", type=Path, default=None,
                        help="weights (.npz) to continue training from instead of random ones (member by member)")
    parser.add_argument("--augment", action="store_true",
                        help="pitch, gain and noise augmentation; the downbeat loss weighted 2x")
    args = parser.parse_args()
    examples = real_examples() + synthetic_examples(args.synthetic, args.seed)
    print(f"{len(examples)} examples (songs x stretches)", file=sys.stderr)
    start = activations.load(args.start) if args.start else None
    ensemble = train_ensemble(examples, args.folds, args.steps, args.seed, start, args.augment, args.seeds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out) as temporary, open(temporary, "wb") as handle:
        np.savez_compressed(handle, **ensemble.to_arrays())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
