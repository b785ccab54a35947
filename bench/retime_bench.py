"""Retiming benchmark: in-between frames against the true ones, PSNR and time per frame.

A procedural shot (a club backdrop panning behind the cyborg DJ, who slides across
and bobs) is rendered at twice the frame rate; the even frames are the input, the odd
frames the truth. Each interpolator makes the odd frames from the even ones: DIS
optical flow (Toonbeat's default), FFmpeg ``minterpolate`` (the fallback), a plain
cross-fade, and holding the previous frame. Reported: mean and worst PSNR (dB) over
the in-betweens and milliseconds per in-between (wall clock; a shared machine
inflates it).

Run: ``python bench/retime_bench.py [--frames 12] [--width 512 --height 288]``
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generators.art.characters.poses import POSES
from generators.art.procedural import DESIGNS
from generators.art.scenes.backdrop import paint_backdrop
from generators.video.retime import interpolate_dis, psnr, retime


def shot(frames: int, width: int, height: int) -> list[np.ndarray]:
    """``2 * frames - 1`` RGB frames of the shot at twice the rate: the even ones are the input."""

    backdrop = paint_backdrop("industrial_club", "drop", (width * 2, height), 3).convert("RGB")
    figure = DESIGNS["cyborg_dj"]().render(POSES["dance"], round(height * 0.8))
    result = []
    for step in range(2 * frames - 1):
        t = step / 2
        frame = backdrop.crop((round(4 * t), 0, round(4 * t) + width, height))
        x = round(width * 0.15 + 9 * t - figure.width / 2 + width * 0.2)
        y = round(height * 0.18 + 8 * math.sin(2 * math.pi * t / 8))
        frame.paste(figure, (x, y), figure)
        result.append(np.asarray(frame).copy())
    return result


def measure(name: str, make: Callable[[list[np.ndarray]], list[np.ndarray]], frames: list[np.ndarray]) -> str:
    inputs, truth = frames[0::2], frames[1::2]
    start = time.perf_counter()
    made = make(inputs)
    per_frame_ms = (time.perf_counter() - start) / len(truth) * 1000
    scores = [psnr(estimate, true) for estimate, true in zip(made, truth, strict=True)]
    return f"| {name} | {statistics.mean(scores):.1f} | {min(scores):.1f} | {per_frame_ms:.0f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=288)
    args = parser.parse_args()
    frames = shot(args.frames, args.width, args.height)

    def pairs(inputs: list[np.ndarray], blend: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> list[np.ndarray]:
        return [blend(a, b) for a, b in itertools.pairwise(inputs)]

    def ffmpeg(inputs: list[np.ndarray]) -> list[np.ndarray]:
        return retime(inputs, 2 * len(inputs) - 1, loop=False, interpolator="ffmpeg")[1::2]

    def cross_fade(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ((a.astype(np.float64) + b) / 2).round().astype(np.uint8)

    print(f"{args.frames} input frames at {args.width}x{args.height}; {args.frames - 1} in-betweens scored\n")
    print("| interpolator | mean PSNR (dB) | worst PSNR (dB) | ms per in-between |")
    print("| --- | --- | --- | --- |")
    print(measure("DIS optical flow (default)", lambda i: pairs(i, lambda a, b: interpolate_dis(a, b, 0.5)), frames))
    print(measure("FFmpeg minterpolate (fallback)", ffmpeg, frames))
    print(measure("cross-fade", lambda i: pairs(i, cross_fade), frames))
    print(measure("hold the previous frame", lambda i: pairs(i, lambda a, _b: a), frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
