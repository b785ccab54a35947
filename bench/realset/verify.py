"""Check the set's beat times against its audio: ``python -m bench.realset.verify``.

For every song of the manifest, librosa's onset strength is read at the beat times, at the half-beat
between them, and at beat times shifted by -50..50 ms. Exact beats put the most onset energy on the beat
(ratio to the half-beat above 1) and the best shift near zero (onset envelopes peak a frame or two after an
attack). Prints one row per song and the totals.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import librosa
import numpy as np

from .manifest import default_folder

HOP = 256
SHIFTS_S = np.arange(-0.05, 0.0501, 0.005)


def beat_alignment(path: Path, beats: np.ndarray) -> tuple[float, float]:
    """``(on-beat / half-beat onset strength, best shift in seconds)`` of one song."""
    samples, sr = librosa.load(path, sr=22050, mono=True)
    envelope = librosa.onset.onset_strength(y=samples, sr=sr, hop_length=HOP)
    times = librosa.frames_to_time(np.arange(len(envelope)), sr=sr, hop_length=HOP)

    def strength(at: np.ndarray) -> float:
        return float(np.interp(at, times, envelope).mean())

    halves = (beats[:-1] + beats[1:]) / 2
    shifted = [strength(beats + shift) for shift in SHIFTS_S]
    return strength(beats) / max(strength(halves), 1e-9), float(SHIFTS_S[int(np.argmax(shifted))])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None, help="the set's folder (default $TOONBEAT_REALSET)")
    args = parser.parse_args(argv)
    folder = args.folder or default_folder()
    songs = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["songs"]
    ratios, shifts = [], []
    print("| id | on-beat / half-beat onset strength | best shift (ms) |\n| --- | --- | --- |")
    for song in songs:
        ratio, shift = beat_alignment(folder / song["audio"], np.array(song["beats"]))
        ratios.append(ratio)
        shifts.append(shift)
        print(f"| {song['id']} | {ratio:.2f} | {shift * 1000:+.0f} |", flush=True)
    print(f"\n{len(songs)} songs: ratio median {np.median(ratios):.2f}, min {min(ratios):.2f}; "
          f"best shift median {np.median(shifts) * 1000:+.0f} ms, within 20 ms on "
          f"{np.mean(np.abs(shifts) <= 0.02) * 100:.0f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
