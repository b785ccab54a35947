"""Decode rendered videos with ffmpeg to check what a viewer sees and hears."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import numpy as np


def probe(path: Path) -> dict:
    """ffprobe's streams and format of ``path``."""
    output = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def stream(info: dict, kind: str) -> dict:
    """The first stream of ``kind`` (``video`` or ``audio``)."""
    return next(s for s in info["streams"] if s["codec_type"] == kind)


def frame_brightness(path: Path, width: int = 64, height: int = 36) -> tuple[np.ndarray, np.ndarray]:
    """Presentation time (s) and mean grey level (0-255) of every video frame."""
    times = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0",
         str(path)], capture_output=True, text=True, check=True).stdout.split()
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-vf", f"scale={width}:{height}",
         "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height * width)
    return np.array([float(t.strip(",")) for t in times]), frames.mean(axis=1)


def audio_track(path: Path, rate: int = 48000) -> tuple[np.ndarray, float]:
    """The mono audio samples and the presentation time of the first one."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(rate),
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    start = float(stream(probe(path), "audio").get("start_time", 0.0))
    return np.frombuffer(raw, dtype=np.float32), start


def click_times(samples: np.ndarray, rate: int, start: float, threshold: float = 0.3) -> list[float]:
    """When each click begins: the first sample above ``threshold`` after 0.1 s of quiet."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    clicks = [loud[0]] if len(loud) else []
    clicks += [b for a, b in itertools.pairwise(loud) if b - a > 0.1 * rate]
    return [start + index / rate for index in clicks]


def brightness_peaks(times: np.ndarray, brightness: np.ndarray, rise: float = 20.0) -> list[float]:
    """Times of frames brighter than both neighbours by at least ``rise`` above the darkest frame."""
    floor = float(brightness.min())
    return [float(times[i]) for i in range(1, len(brightness) - 1)
            if brightness[i] >= brightness[i - 1] and brightness[i] > brightness[i + 1]
            and brightness[i] > floor + rise]
