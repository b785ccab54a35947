"""The analysis benchmark's tracks: synthetic electronic music with exact ground truth.

Each track is a drum-machine song (``generators.music.drum_machine``) with
humanized timing, a lead-in of silence and its own seed, optionally degraded
with a synthetic room reverb and pink noise at a given signal-to-noise ratio.
The set covers what trips beat trackers in electronic music: off-beat hats
and bass, swing and syncopated hats, distorted kicks, half-time grooves,
tempo ramps and jumps, drumless breakdowns, hats-only intros, noise and reverb.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import signal

from generators.music.drum_machine import Part, Song, default_arrangement, synthesize


@dataclass(frozen=True)
class BenchmarkTrack:
    """One benchmark case: how to synthesize it and how to degrade it."""

    name: str
    description: str
    make: Callable[[], Song]
    snr_db: float | None = None
    reverb: float = 0.0

    def render(self) -> Song:
        """The song with its degradation applied (ground truth unchanged)."""
        song = self.make()
        if self.snr_db is None and self.reverb == 0.0:
            return song
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        samples = degrade(song.samples, song.sample_rate, rng, snr_db=self.snr_db, reverb=self.reverb)
        return Song(samples, song.sample_rate, song.truth)


def degrade(
    samples: np.ndarray, sample_rate: int, rng: np.random.Generator, *, snr_db: float | None, reverb: float
) -> np.ndarray:
    """Add a room reverb (``reverb`` = wet/dry energy ratio, RT60 1.6 s) and pink noise at ``snr_db``."""
    out = samples.astype(np.float64)
    if reverb > 0:
        t = np.arange(int(1.6 * sample_rate)) / sample_rate
        impulse = rng.standard_normal((len(t), 2)) * np.exp(-6.9 * t / 1.6)[:, None]
        impulse *= np.sqrt(reverb / np.sum(impulse**2, axis=0))
        wet = np.stack([signal.oaconvolve(out[:, c], impulse[:, c])[: len(out)] for c in range(2)], axis=1)
        out = out + wet
    if snr_db is not None:
        noise = pink_noise(len(out), rng)
        signal_power = np.mean(out**2)
        out = out + noise * np.sqrt(signal_power / 10 ** (snr_db / 10) / np.mean(noise**2))
    return (out * (0.89 / np.max(np.abs(out)))).astype(np.float32)


def pink_noise(count: int, rng: np.random.Generator) -> np.ndarray:
    """Stereo noise with a 1/f power spectrum, shape ``(count, 2)``."""
    spectrum = np.fft.rfft(rng.standard_normal((count, 2)), axis=0)
    scale = 1.0 / np.sqrt(np.maximum(np.arange(spectrum.shape[0]), 1.0))
    return np.fft.irfft(spectrum * scale[:, None], count, axis=0)


def _hats_only_intro() -> Song:
    parts = list(default_arrangement("house"))
    parts[0] = Part("intro", 8, kick="none", snare="none", hats="offbeat", open_hats=True, bass=False)
    return synthesize(bpm=125.0, seed=21, style="house", arrangement=parts, humanize_ms=3.0, lead_in=0.8)


def _swing_techno() -> Song:
    parts = [
        Part("intro", 8, snare="none", hats="syncopated", bass=False, swing=0.25),
        Part("build", 8, snare="roll", hats="syncopated", pad=True, riser=True, swing=0.25),
        Part("drop", 16, hats="syncopated", stabs=True, metal=True, crash=True, swing=0.25),
        Part("breakdown", 8, kick="none", snare="none", hats="syncopated", bass=False, pad=True, swing=0.25),
        Part("drop", 16, hats="syncopated", open_hats=True, stabs=True, crash=True, swing=0.25),
        Part("outro", 8, snare="none", hats="syncopated", bass=False, swing=0.25),
    ]
    return synthesize(bpm=132.0, seed=22, style="techno", arrangement=parts, humanize_ms=4.0, lead_in=0.25)


def _half_time() -> Song:
    parts = [
        Part("intro", 8, kick="half", snare="none", hats="eighths", bass=False),
        Part("build", 8, kick="half", snare="roll", hats="sixteenths", pad=True, riser=True),
        Part("drop", 16, kick="half", snare="half", hats="eighths", stabs=True, metal=True, crash=True),
        Part("breakdown", 8, kick="none", snare="none", hats="none", bass=False, pad=True, riser=True),
        Part("drop", 16, kick="half", snare="half", hats="sixteenths", stabs=True, crash=True),
        Part("outro", 8, kick="half", snare="none", hats="eighths", bass=False, pad=True),
    ]
    return synthesize(bpm=140.0, seed=23, style="industrial", arrangement=parts, humanize_ms=3.0, lead_in=0.5)


def _tempo_change() -> Song:
    parts = [
        Part("intro", 8, snare="none", bass=False, bpm=120.0),
        Part("build", 8, snare="roll", hats="sixteenths", pad=True, riser=True, bpm=120.0, bpm_end=126.0),
        Part("drop", 16, open_hats=True, stabs=True, crash=True, bpm=126.0),
        Part("breakdown", 8, kick="none", snare="none", hats="none", bass=False, pad=True, bpm=126.0),
        Part("drop", 16, open_hats=True, stabs=True, crash=True, bpm=130.0),
        Part("outro", 8, snare="none", bass=False, bpm=130.0),
    ]
    return synthesize(bpm=120.0, seed=24, style="house", arrangement=parts, humanize_ms=3.0, lead_in=0.3)


def _drumless_breakdown() -> Song:
    parts = [
        Part("intro", 8, snare="none", hats="sixteenths", bass=False),
        Part("drop", 16, hats="sixteenths", stabs=True, crash=True),
        Part("breakdown", 8, kick="none", snare="none", hats="none", bass=False, pad=True),
        Part("drop", 16, hats="sixteenths", open_hats=True, stabs=True, crash=True),
        Part("outro", 8, snare="none", hats="sixteenths", bass=False),
    ]
    return synthesize(bpm=126.0, seed=25, style="techno", arrangement=parts, humanize_ms=3.0, lead_in=1.2)


def tracks() -> list[BenchmarkTrack]:
    """Every benchmark track, in table order."""
    return [
        BenchmarkTrack(
            "house 124",
            "house, off-beat open hats and bass",
            lambda: synthesize(124.0, 11, "house", humanize_ms=3.0, lead_in=0.37),
        ),
        BenchmarkTrack(
            "deep house 118", "slower house", lambda: synthesize(118.0, 12, "house", humanize_ms=4.0, lead_in=1.1)
        ),
        BenchmarkTrack("techno 132 swing", "syncopated, swung hats", _swing_techno),
        BenchmarkTrack("techno 126 breakdown", "8-bar drumless breakdown, then a drop", _drumless_breakdown),
        BenchmarkTrack(
            "industrial 135",
            "distorted kick, metallic hits",
            lambda: synthesize(135.0, 14, "industrial", humanize_ms=3.0, lead_in=0.6),
        ),
        BenchmarkTrack(
            "industrial 150",
            "fast, distorted",
            lambda: synthesize(150.0, 15, "industrial", humanize_ms=2.0, lead_in=0.1),
        ),
        BenchmarkTrack("half-time 140", "kick on 1, snare on 3", _half_time),
        BenchmarkTrack("tempo 120-126-130", "ramp in the build, jump after the breakdown", _tempo_change),
        BenchmarkTrack("hats-only intro 125", "8 bars of off-beat hats before the kick", _hats_only_intro),
        BenchmarkTrack(
            "house 128 +reverb 12 dB",
            "room reverb, pink noise at 12 dB SNR",
            lambda: synthesize(128.0, 16, "house", humanize_ms=3.0, lead_in=0.2),
            snr_db=12.0,
            reverb=0.5,
        ),
        BenchmarkTrack(
            "techno 130 +reverb 6 dB",
            "room reverb, pink noise at 6 dB SNR",
            lambda: synthesize(130.0, 17, "techno", humanize_ms=3.0, lead_in=0.9),
            snr_db=6.0,
            reverb=0.7,
        ),
        BenchmarkTrack(
            "industrial 128 0 dB",
            "room reverb, pink noise at 0 dB SNR",
            lambda: synthesize(128.0, 18, "industrial", humanize_ms=3.0, lead_in=0.4),
            snr_db=0.0,
            reverb=0.5,
        ),
    ]


def holdout_tracks(count: int = 10, seed: int = 1000) -> list[BenchmarkTrack]:
    """Randomized tracks never used while tuning the analysis: arrangement, tempo, style, sounds and degradation."""
    rng = np.random.default_rng(seed)
    result = []
    for number in range(count):
        track_seed = int(rng.integers(1 << 30))
        style = str(rng.choice(["house", "techno", "industrial"]))
        bpm = float(np.round(rng.uniform(100.0, 150.0), 1))
        parts = random_arrangement(rng)
        humanize = float(rng.uniform(1.0, 6.0))
        lead_in = float(rng.uniform(0.0, 2.0))
        snr = None if rng.random() < 0.5 else float(np.round(rng.uniform(0.0, 20.0)))
        reverb = 0.0 if rng.random() < 0.5 else float(np.round(rng.uniform(0.2, 0.8), 1))
        name = f"held-out {number + 1}: {style} {bpm:g}"
        description = " / ".join(f"{p.label} {p.bars}" for p in parts)

        make = partial(synthesize, bpm, track_seed, style, arrangement=parts, humanize_ms=humanize, lead_in=lead_in)
        result.append(BenchmarkTrack(name, description, make, snr_db=snr, reverb=reverb))
    return result


def random_arrangement(rng: np.random.Generator) -> list[Part]:
    """A plausible random arrangement: intro, optional build, drops and breakdowns, outro."""
    swing = float(rng.choice([0.0, 0.0, 0.15, 0.3]))
    half = rng.random() < 0.15
    kick = "half" if half else "four"

    def drums(label: str, bars: int, **changes: object) -> Part:
        base = {
            "kick": kick,
            "snare": "half" if half else str(rng.choice(["clap", "snare"])),
            "hats": str(rng.choice(["offbeat", "eighths", "sixteenths", "syncopated"])),
            "open_hats": bool(rng.random() < 0.5),
            "stabs": bool(rng.random() < 0.7),
            "metal": bool(rng.random() < 0.3),
            "swing": swing,
        }
        base.update(changes)
        return Part(label, bars, **base)  # type: ignore[arg-type]

    parts = [
        drums(
            "intro",
            int(rng.choice([8, 16])),
            snare="none",
            bass=False,
            stabs=False,
            kick="none" if rng.random() < 0.25 else kick,
        )
    ]
    for _ in range(int(rng.choice([1, 2]))):
        if rng.random() < 0.7:
            parts.append(drums("build", int(rng.choice([4, 8])), snare="roll", pad=True, riser=True, hats="sixteenths"))
        parts.append(drums("drop", int(rng.choice([8, 16])), crash=True))
        parts.append(
            Part(
                "breakdown",
                int(rng.choice([8, 16])),
                kick="none",
                snare="none",
                hats=str(rng.choice(["none", "none", "offbeat"])),
                bass=False,
                pad=True,
                stabs=bool(rng.random() < 0.5),
                riser=bool(rng.random() < 0.5),
                swing=swing,
            )
        )
    parts.append(drums("drop", int(rng.choice([8, 16])), crash=True))
    parts.append(
        drums("outro", int(rng.choice([8, 16])), snare="none", bass=False, stabs=False, pad=bool(rng.random() < 0.5))
    )
    return parts
