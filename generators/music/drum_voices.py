"""The drum machine's voices: each function renders one hit or note as mono float32 samples.

Every voice takes the sample rate ``sr`` (Hz) and a ``numpy.random.Generator`` so
that a seed gives the same kit every time while different seeds sound different
(pitch, decay, drive and brightness are drawn per kit). Styles change the
character: ``house`` is round and clean, ``techno`` drier and driven,
``industrial`` distorted and metallic.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

FloatArray = np.ndarray


def _times(duration: float, sr: int) -> FloatArray:
    """Sample times in seconds of a hit ``duration`` seconds long."""
    return np.arange(max(1, int(duration * sr)), dtype=np.float64) / sr


def _filtered(x: FloatArray, sr: int, kind: str, cutoff: float | tuple[float, float], order: int = 2) -> FloatArray:
    """Butterworth ``kind`` ('lowpass', 'highpass', 'bandpass') filter; cutoffs in Hz, clamped below Nyquist."""
    nyquist_safe = 0.45 * sr
    edges = np.minimum(np.atleast_1d(np.asarray(cutoff, dtype=np.float64)), nyquist_safe)
    if kind == "bandpass" and edges[0] >= edges[1]:
        edges = np.array([0.5 * edges[1], edges[1]])
    sos = signal.butter(order, edges if kind == "bandpass" else edges[0], btype=kind, fs=sr, output="sos")
    return np.asarray(signal.sosfilt(sos, x))


def _fade_out(x: FloatArray, sr: int, seconds: float = 0.005) -> FloatArray:
    """``x`` with a short linear fade at the end, so a hit never ends in a click."""
    count = min(len(x), int(seconds * sr))
    if count > 1:
        x[-count:] *= np.linspace(1.0, 0.0, count)
    return x


def _peak_normalised(hit: FloatArray, sr: int, fade_seconds: float = 0.005) -> FloatArray:
    """``hit`` scaled to a peak of 1 as float32, faded out at its end."""
    return _fade_out((hit / np.max(np.abs(hit))).astype(np.float32), sr, fade_seconds)


def _drive(x: FloatArray, amount: float) -> FloatArray:
    """Soft-clip ``x`` with a tanh of gain ``amount``, keeping the peak level."""
    return np.tanh(amount * x) / np.tanh(amount)


def _saw(phase: FloatArray) -> FloatArray:
    """A naive sawtooth of ``phase`` in cycles."""
    return 2.0 * (phase - np.floor(phase + 0.5))


def kick(sr: int, rng: np.random.Generator, style: str) -> FloatArray:
    """A kick drum: a sine swept down from a punchy start to a low tail, plus a click."""
    t = _times(0.42, sr)
    low = rng.uniform(44.0, 58.0)
    high = rng.uniform(150.0, 230.0) if style != "industrial" else rng.uniform(200.0, 320.0)
    freq = low + (high - low) * np.exp(-t / rng.uniform(0.025, 0.045))
    body = np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / rng.uniform(0.13, 0.24))
    click = _filtered(rng.standard_normal(len(t)), sr, "highpass", 1500.0) * np.exp(-t / 0.004) * 0.35
    hit = body + click
    if style == "techno":
        hit = _drive(hit, rng.uniform(1.5, 2.5))
    elif style == "industrial":
        grit = _filtered(rng.standard_normal(len(t)), sr, "bandpass", (300.0, 4000.0)) * np.exp(-t / 0.06) * 0.5
        hit = _drive(hit + grit, rng.uniform(4.0, 8.0))
    return _fade_out(hit.astype(np.float32), sr)


def clap(sr: int, rng: np.random.Generator, style: str) -> FloatArray:
    """A hand clap: three quick noise bursts and a short band-passed tail."""
    t = _times(0.3, sr)
    envelope = np.exp(-t / rng.uniform(0.05, 0.09))
    for burst in (0.0, 0.011, 0.022):
        envelope = np.maximum(envelope, np.where(t >= burst, np.exp(-(t - burst) / 0.004), 0.0))
    centre = rng.uniform(1000.0, 1600.0)
    noise = _filtered(rng.standard_normal(len(t)), sr, "bandpass", (centre * 0.6, centre * 2.5))
    hit = noise * envelope
    if style == "industrial":
        hit = _drive(hit * 2.0, 3.0)
    return _peak_normalised(hit, sr)


def snare(sr: int, rng: np.random.Generator, style: str) -> FloatArray:
    """A snare: a tuned body around 180-220 Hz under bright noise."""
    t = _times(0.28, sr)
    body = np.sin(2 * np.pi * rng.uniform(170.0, 230.0) * t) * np.exp(-t / 0.05)
    noise = _filtered(rng.standard_normal(len(t)), sr, "highpass", 1200.0) * np.exp(-t / rng.uniform(0.06, 0.12))
    hit = 0.6 * body + noise
    if style == "industrial":
        hit = _drive(hit, 5.0)
    return _peak_normalised(hit, sr)


def _metal_tone(t: FloatArray, rng: np.random.Generator, base: float) -> FloatArray:
    """Six detuned square waves at inharmonic ratios, the classic drum-machine cymbal source."""
    ratios = np.array([1.0, 1.483, 1.932, 2.546, 2.63, 3.897]) * rng.uniform(0.97, 1.03, 6)
    return np.sum(np.sign(np.sin(2 * np.pi * base * ratios[:, None] * t[None, :])), axis=0)


def closed_hat(sr: int, rng: np.random.Generator, style: str) -> FloatArray:
    """A closed hi-hat: high-passed noise and metal, a few tens of milliseconds long."""
    return _hat(sr, rng, 0.09, metal=0.4, cutoff=6500.0 if style != "industrial" else 4500.0, decay=(0.012, 0.03))


def open_hat(sr: int, rng: np.random.Generator, style: str) -> FloatArray:
    """An open hi-hat: like the closed one but ringing for a few hundred milliseconds."""
    return _hat(sr, rng, 0.35, metal=0.5, cutoff=6000.0 if style != "industrial" else 4000.0, decay=(0.08, 0.16))


def _hat(sr: int, rng: np.random.Generator, seconds: float, *, metal: float, cutoff: float,
         decay: tuple[float, float]) -> FloatArray:
    """A hi-hat ``seconds`` long: noise plus ``metal`` of the metal tone, high-passed at ``cutoff`` Hz,
    decaying with a time constant drawn from ``decay`` (seconds)."""
    t = _times(seconds, sr)
    source = rng.standard_normal(len(t)) + metal * _metal_tone(t, rng, rng.uniform(300.0, 420.0))
    hit = _filtered(source, sr, "highpass", cutoff, order=4)
    hit *= np.exp(-t / rng.uniform(*decay))
    return _peak_normalised(hit, sr)


def metal_hit(sr: int, rng: np.random.Generator) -> FloatArray:
    """An industrial metallic clang: ring-modulated inharmonic partials with a noisy attack."""
    t = _times(0.4, sr)
    partials = rng.uniform(400.0, 3200.0, 5)
    tone = np.sum(np.sin(2 * np.pi * partials[:, None] * t[None, :]), axis=0)
    tone *= np.sin(2 * np.pi * rng.uniform(90.0, 260.0) * t)
    attack = _filtered(rng.standard_normal(len(t)), sr, "highpass", 2000.0) * np.exp(-t / 0.008)
    hit = _drive((tone * 0.4 + attack) * np.exp(-t / rng.uniform(0.06, 0.15)), 3.0)
    return _peak_normalised(hit, sr)


def crash(sr: int, rng: np.random.Generator) -> FloatArray:
    """A crash cymbal: a long bright noise wash that marks a drop."""
    t = _times(2.0, sr)
    source = rng.standard_normal(len(t)) + 0.3 * _metal_tone(t, rng, rng.uniform(380.0, 520.0))
    hit = _filtered(source, sr, "highpass", 4000.0, order=2) * np.exp(-t / rng.uniform(0.5, 0.9))
    return _peak_normalised(hit, sr, 0.05)


def bass_note(frequency: float, duration: float, sr: int, style: str) -> FloatArray:
    """A bass note of ``frequency`` Hz: a low-passed saw (distorted for industrial)."""
    t = _times(duration, sr)
    tone = _saw(frequency * t) + 0.5 * np.sin(2 * np.pi * frequency * t)
    envelope = np.minimum(t / 0.004, 1.0) * np.exp(-t / max(duration, 0.05))
    note = _filtered(tone * envelope, sr, "lowpass", 500.0 if style == "house" else 900.0)
    if style == "industrial":
        note = _drive(note, 4.0)
    return _fade_out(note.astype(np.float32), sr, 0.01)


def chord(frequencies: list[float], duration: float, sr: int, attack: float, cutoff: float) -> FloatArray:
    """A chord of detuned saws: a stab with a fast ``attack`` or a pad with a slow one (seconds)."""
    t = _times(duration, sr)
    tone = np.zeros_like(t)
    for frequency in frequencies:
        for detune in (0.996, 1.0, 1.004):
            tone += _saw(frequency * detune * t + detune)
    release = min(0.2, duration / 3)
    envelope = np.minimum(t / attack, 1.0) * np.minimum((duration - t) / release, 1.0)
    voiced = _filtered(tone * envelope, sr, "lowpass", cutoff)
    return (voiced / max(np.max(np.abs(voiced)), 1e-9)).astype(np.float32)


def riser(duration: float, sr: int, rng: np.random.Generator) -> FloatArray:
    """A build-up riser: noise and a rising tone swelling over ``duration`` seconds."""
    t = _times(duration, sr)
    progress = t / duration
    frequency = 200.0 * 8.0**progress
    tone = _saw(np.cumsum(frequency) / sr) * 0.3
    noise = _filtered(rng.standard_normal(len(t)), sr, "highpass", 800.0)
    swell = (tone + noise) * progress**2
    return _fade_out((swell / max(np.max(np.abs(swell)), 1e-9)).astype(np.float32), sr, 0.02)
