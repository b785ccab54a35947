"""Retiming frame sequences: in-between frames from optical flow, for slow motion and fitting a cycle to the beat.

The default interpolator is OpenCV's DIS optical flow (``opencv-python-headless``, in
the gen extra): the flow both ways between two frames, each frame warped part of the
way along it, and the two warps blended by how near the new frame is to each. Where
OpenCV is missing, FFmpeg's ``minterpolate`` filter (motion-compensated) does the job.

Frames are ``(height, width, 3 or 4)`` uint8 arrays; an alpha channel is warped with
the colours. A looping cycle wraps: the frames after the last one are in-betweens
toward the first.

Examples
--------
>>> frames = [np.zeros((32, 32, 3), np.uint8), np.full((32, 32, 3), 200, np.uint8)]
>>> len(retime(frames, 5, loop=False))
5
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ToonbeatError

INTERPOLATORS = ("auto", "dis", "ffmpeg")
DIS_PATCH_PX, DIS_STRIDE_PX = 8, 2


def available_interpolator(choice: str = "auto") -> str:
    """``dis`` where OpenCV is installed, else ``ffmpeg`` where FFmpeg is on the PATH; a named one if it is there."""
    if choice not in INTERPOLATORS:
        raise ToonbeatError(f"unknown interpolator {choice!r} (choose from {', '.join(INTERPOLATORS)})")
    has_opencv = importlib.util.find_spec("cv2") is not None
    has_ffmpeg = shutil.which("ffmpeg") is not None
    if choice == "dis" and not has_opencv:
        raise ToonbeatError("the dis interpolator needs OpenCV: pip install opencv-python-headless")
    if choice == "ffmpeg" and not has_ffmpeg:
        raise ToonbeatError("the ffmpeg interpolator needs ffmpeg on the PATH")
    if choice != "auto":
        return choice
    if has_opencv:
        return "dis"
    if has_ffmpeg:
        return "ffmpeg"
    raise ToonbeatError("retiming needs OpenCV (pip install opencv-python-headless) or ffmpeg on the PATH")


def interpolate_dis(first: np.ndarray, second: np.ndarray, t: float) -> np.ndarray:
    """The frame ``t`` (0 to 1) of the way from ``first`` to ``second``, by DIS optical flow both ways.

    Each frame is warped toward the moment ``t`` along its flow (assumed straight and
    even over the interval), and the two warps are blended ``1 - t`` to ``t``.
    """
    import cv2

    if first.shape != second.shape:
        raise ToonbeatError(f"frames of different sizes cannot be interpolated: {first.shape} and {second.shape}")
    if t <= 0.0:
        return first.copy()
    if t >= 1.0:
        return second.copy()
    dis: Any = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)  # the stubs of 4.x and 5.x differ
    dis.setPatchSize(DIS_PATCH_PX)  # smaller, denser patches than the preset's 12 / 4: flat cartoon
    dis.setPatchStride(DIS_STRIDE_PX)  # shapes have little texture to match, and thin outlines
    dis.setFinestScale(0)  # refine down to full resolution, where the outlines are
    grey_a, grey_b = (cv2.cvtColor(np.ascontiguousarray(f[..., :3]), cv2.COLOR_RGB2GRAY) for f in (first, second))
    forward = dis.calc(grey_a, grey_b, None)  # where each pixel of first moves to in second
    backward = dis.calc(grey_b, grey_a, None)
    height, width = grey_a.shape
    grid = np.dstack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)))
    # The pixel at x at time t came from x + t * backward in first and goes to x + (1 - t) * forward in second.
    from_first = _warp(first, grid + t * backward)
    from_second = _warp(second, grid + (1 - t) * forward)
    blended = (1 - t) * from_first.astype(np.float32) + t * from_second.astype(np.float32)
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)


def retime(frames: Sequence[np.ndarray], frame_count: int, *, loop: bool = True,
           interpolator: str = "auto") -> list[np.ndarray]:
    """``frame_count`` frames spread evenly over the span of ``frames``, in-betweens interpolated.

    With ``loop`` the span is one whole cycle (``len(frames)`` steps, the last step
    back to the first frame); without it, from the first frame to the last, both kept.
    Output frame ``i`` sits at input position ``i * len(frames) / frame_count`` (loop)
    or ``i * (len(frames) - 1) / (frame_count - 1)``.
    """
    if not frames:
        raise ToonbeatError("no frames to retime")
    if frame_count < 1:
        raise ToonbeatError(f"retiming needs at least one output frame, not {frame_count}")
    method = available_interpolator(interpolator)
    steps = len(frames) if loop else len(frames) - 1
    positions = [i * steps / (frame_count if loop else max(frame_count - 1, 1)) for i in range(frame_count)]
    if method == "ffmpeg":
        return _retime_ffmpeg(frames, positions, loop)
    result = []
    for position in positions:
        index = int(np.floor(position + 1e-9))
        t = position - index
        first, second = frames[index % len(frames)], frames[(index + 1) % len(frames)]
        result.append(first.copy() if t < 1e-6 else interpolate_dis(first, second, t))
    return result


def psnr(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of an 8-bit ``estimate`` against ``truth`` (infinite when equal)."""
    error = np.mean((estimate.astype(np.float64) - truth.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255.0**2 / error))


def _warp(image: np.ndarray, sample_at: np.ndarray) -> np.ndarray:
    """``image`` sampled at ``sample_at`` (``(height, width, 2)`` pixel x, y), bilinear, edges clamped."""
    import cv2

    return np.asarray(cv2.remap(np.ascontiguousarray(image), sample_at[..., 0], sample_at[..., 1],
                                interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))


def _retime_ffmpeg(frames: Sequence[np.ndarray], positions: list[float], loop: bool) -> list[np.ndarray]:
    """FFmpeg ``minterpolate`` at a rate that lands on every position (or 24 a step), then the frame at each."""
    from PIL import Image

    source = list(frames) + ([frames[0]] if loop else [])
    source += [source[-1], source[-1]]  # minterpolate stops short of its last input frames: hold the end
    # Output frames per input step: the fewest that put a frame on every position, at most 24 (then the nearest).
    denominators = next((d for d in range(1, 25) if all(abs(p * d - round(p * d)) < 1e-6 for p in positions)), 24)
    with tempfile.TemporaryDirectory(prefix="toonbeat-retime-") as folder:
        work = Path(folder)
        for index, frame in enumerate(source):
            Image.fromarray(frame).save(work / f"in_{index:05d}.png")
        has_alpha = frames[0].shape[-1] == 4
        command = ["ffmpeg", "-v", "error", "-y", "-framerate", "1", "-i", str(work / "in_%05d.png"),
                   "-vf", f"minterpolate=fps={denominators}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir",
                   "-pix_fmt", "rgba" if has_alpha else "rgb24", str(work / "out_%05d.png")]
        completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        if completed.returncode != 0:
            raise ToonbeatError(f"ffmpeg minterpolate failed: {completed.stderr.strip().splitlines()[-1:]}")
        produced = sorted(work.glob("out_*.png"))
        result = []
        for position in positions:
            index = min(round(position * denominators), len(produced) - 1)
            result.append(np.asarray(Image.open(produced[index])).copy())
        return result
