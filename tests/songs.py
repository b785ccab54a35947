"""Test songs with exact timing: clicks on a beat grid, and their beat files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from addon.core import beatfile
from addon.core.beatfile import AudioInfo, BeatData, Energy, Section
from addon.core.files import file_sha256


def click_song(path: Path, bpm: float = 120.0, seconds: float = 8.0, sample_rate: int = 48000,
               sections: tuple[tuple[float, str], ...] = ((0.0, "drop"),), first_beat: float = 0.0) -> BeatData:
    """Write a WAV with a short click on every beat and return its exact beat data (4/4, flat energy)."""
    beats = np.arange(first_beat, seconds - 1e-9, 60.0 / bpm)
    samples = np.zeros(round(seconds * sample_rate), dtype=np.float32)
    click_length = int(0.01 * sample_rate)
    click = 0.8 * np.sin(2 * np.pi * 1000 * np.arange(click_length) / sample_rate).astype(np.float32)
    for time in beats:
        start = round(time * sample_rate)
        samples[start:start + click_length] += click[: len(samples) - start]
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    starts = [start for start, _ in sections] + [seconds]
    frame_rate = 10.0
    envelope = (1.0,) * int(seconds * frame_rate)
    return BeatData(
        tempo=bpm,
        beats=tuple(float(b) for b in beats),
        beat_positions=tuple(i % 4 + 1 for i in range(len(beats))),
        beats_per_bar=4,
        downbeats=tuple(float(b) for b in beats[::4]),
        onsets=tuple(float(b) for b in beats),
        sections=tuple(Section(starts[i], starts[i + 1], label) for i, (_, label) in enumerate(sections)),
        drops=tuple(start for start, label in sections if label == "drop" and start > 0),
        energy=Energy(frame_rate, envelope, envelope, envelope, envelope),
        audio=AudioInfo(str(path), seconds, sample_rate, 1, file_sha256(path)),
        analyzer={"name": "tests.click_song", "version": "1"},
    )


def click_song_with_beat_file(folder: Path, **options: object) -> tuple[Path, Path, BeatData]:
    """``click_song`` plus its beat file saved beside it: ``(wav, json, beats)``."""
    wav = folder / "clicks.wav"
    beats = click_song(wav, **options)  # type: ignore[arg-type]
    json_path = folder / "clicks.beats.json"
    beatfile.save(beats, json_path)
    return wav, json_path, beats
