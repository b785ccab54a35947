"""Full-length MusicGen tracks: windowed continuation, seamless joins, loudness for video.

MusicGen writes about 30 s at a time. A longer track is built window by window:
each new window continues the model's own codes for the last ``context_seconds`` of
the previous window (kept, not re-encoded from the decoded audio) and is joined to
it with a crossfade over the end of that context (``crossfade.join_window``), so the
seam falls where both sides play the same music.
The result is resampled to 44.1 or 48 kHz, normalised to an integrated loudness with
a true-peak ceiling, and written as WAV beside a JSON side file that records how it
was made.

Examples
--------
>>> from generators.music.musicgen import MusicRequest, generate_track
>>> request = MusicRequest(prompt="dark industrial techno, 128 BPM", seconds=180)  # doctest: +SKIP
>>> result = generate_track(request, "out/track.wav")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from addon.core.files import write_json_atomically

from ..errors import CancelledError, ToonbeatError
from ..gpu import gpu_memory_guard
from ..parameters import choices_of
from ..version import toonbeat_version
from .backends import (
    OUT_OF_MEMORY_REMEDY,
    MusicBackend,
    MusicModelSpec,
    Sampling,
    Window,
    load_backend,
)
from .crossfade import join_window
from .loudness import LoudnessReport, normalize_loudness
from .params import MusicParams

OUTPUT_SAMPLE_RATES = choices_of(MusicParams, "sample_rate")  # declared once, with the other music parameters
SIDE_FILE_FORMAT = "toonbeat.music"
SIDE_FILE_SUFFIX = ".music.json"  # beside track.wav; not track.json, which is where a beat file would go


@dataclass(frozen=True)
class MusicRequest:
    """One track to generate. Times in seconds, loudness in LUFS, peaks in dBTP."""

    prompt: str
    seconds: float = 180.0
    seed: int = 0
    sampling: Sampling = field(default_factory=Sampling)
    window_seconds: float = 30.0
    context_seconds: float = 10.0
    crossfade_seconds: float = 2.0
    sample_rate: int = 48_000
    target_lufs: float = -14.0
    true_peak_db: float = -1.0
    melody: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self, max_window_seconds: float = 30.0) -> None:
        """Raise ``ToonbeatError`` naming the first setting that cannot work."""
        problems = [
            (self.seconds > 0, f"seconds must be positive, got {self.seconds}"),
            (0 < self.window_seconds <= max_window_seconds,
             f"window_seconds must be in (0, {max_window_seconds:g}], got {self.window_seconds}"),
            (0 < self.context_seconds < self.window_seconds,
             f"context_seconds must be positive and below window_seconds, got {self.context_seconds}"),
            (0 < self.crossfade_seconds <= self.context_seconds,
             f"crossfade_seconds must be positive and at most context_seconds, got {self.crossfade_seconds}"),
            (self.sample_rate in OUTPUT_SAMPLE_RATES,
             f"sample_rate must be one of {OUTPUT_SAMPLE_RATES}, got {self.sample_rate}"),
            (self.sampling.temperature > 0, f"temperature must be positive, got {self.sampling.temperature}"),
            (self.sampling.top_k >= 0, f"top_k must be 0 or more, got {self.sampling.top_k}"),
            (0 <= self.sampling.top_p <= 1, f"top_p must be in [0, 1], got {self.sampling.top_p}"),
            (self.sampling.cfg_coef >= 0, f"cfg_coef must be 0 or more, got {self.sampling.cfg_coef}"),
        ]
        for ok, problem in problems:
            if not ok:
                raise ToonbeatError(problem)


@dataclass(frozen=True)
class MusicProgress:
    """Where a generation stands: seconds of audio done and to do, and the estimated seconds of work left."""

    seconds_done: float
    seconds_total: float
    seconds_left: float | None
    window: int
    windows: int

    @property
    def fraction(self) -> float:
        """Done, from 0 to 1."""
        return min(1.0, self.seconds_done / self.seconds_total)


ProgressCallback = Callable[[MusicProgress], None]


@dataclass(frozen=True)
class TrackResult:
    """The written files and what loudness normalisation did."""

    wav: Path
    side_file: Path
    seconds: float
    loudness: LoudnessReport


def window_plan(seconds: float, window_seconds: float, context_seconds: float) -> list[float]:
    """New seconds of music each window adds: the first window is whole, later ones add ``window - context``.

    Examples
    --------
    >>> window_plan(70, 30, 10)
    [30, 20, 20]
    >>> window_plan(12, 30, 10)
    [12]
    """
    plan = [min(seconds, window_seconds)]
    step = window_seconds - context_seconds
    while sum(plan) < seconds - 1e-9:
        plan.append(min(step, seconds - sum(plan)))
    return plan


def compose(backend: MusicBackend, request: MusicRequest, progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> np.ndarray:
    """Generate ``request.seconds`` of music window by window at the model's sample rate.

    Returns
    -------
    np.ndarray, shape ``(channels, samples)``, float32, exactly ``seconds * backend.sample_rate`` long

    Raises
    ------
    CancelledError
        as soon as ``cancel`` is set: between windows, and inside a window at the next token step.
    """
    import torch

    request.check(backend.max_window_seconds)
    sr = backend.sample_rate
    plan = window_plan(request.seconds, request.window_seconds, request.context_seconds)
    melody = _load_melody(request.melody, sr) if request.melody else None
    context_samples, overlap_samples = round(request.context_seconds * sr), round(request.crossfade_seconds * sr)
    started, done_seconds = time.monotonic(), 0.0
    track: np.ndarray | None = None
    previous: Window | None = None

    for index, new_seconds in enumerate(plan):
        _check_cancel(cancel)

        def on_step(step: int, steps: int, index: int = index, new_seconds: float = new_seconds,
                    done_seconds: float = done_seconds) -> None:
            _check_cancel(cancel)
            if progress is not None:
                seconds_done = done_seconds + new_seconds * step / max(steps, 1)
                progress(_progress(seconds_done, request.seconds, started, index, len(plan)))

        torch.manual_seed(request.seed + index)
        context = None if previous is None else previous.tail(request.context_seconds)
        window_start = 0 if track is None else track.shape[1] - context_samples
        window_seconds = new_seconds + (0.0 if track is None else request.context_seconds)
        window_melody = None if melody is None else _looped(melody, window_start, round(window_seconds * sr))
        with gpu_memory_guard(f"generating window {index + 1} of {len(plan)}", OUT_OF_MEMORY_REMEDY):
            previous = backend.generate(request.prompt, window_seconds, request.sampling, on_step,
                                        context=context, melody=window_melody).cut(round(window_seconds * sr))
        window = previous.audio.astype(np.float32)
        track = window if track is None else join_window(track, window, context_samples, overlap_samples)
        done_seconds += new_seconds
        if progress is not None:
            progress(_progress(done_seconds, request.seconds, started, index + 1, len(plan)))
    assert track is not None
    return _fit_length(track, round(request.seconds * sr))


def generate_track(request: MusicRequest, out_path: str | os.PathLike[str], *, spec: MusicModelSpec | None = None,
                   backend: MusicBackend | None = None, progress: ProgressCallback | None = None,
                   cancel: threading.Event | None = None) -> TrackResult:
    """Generate a track and write ``out_path`` (WAV) and its side file (``<name>.music.json``).

    ``backend`` is an already loaded model (the service keeps them loaded); without
    it, ``spec`` (default: MusicGen small, backend by what is installed) is loaded.
    Nothing is written unless the whole track was generated.
    """
    spec = spec or MusicModelSpec()
    request.check()
    out = Path(out_path)
    if out.suffix.lower() != ".wav":
        raise ToonbeatError(f"{out}: the music is written as WAV; give a path ending in .wav")
    out.parent.mkdir(parents=True, exist_ok=True)
    backend = backend or load_backend(spec)
    audio = compose(backend, request, progress=progress, cancel=cancel)
    audio = resample(audio, backend.sample_rate, request.sample_rate)
    audio, report = normalize_loudness(audio, request.sample_rate, request.target_lufs, request.true_peak_db)
    side_file = out.with_suffix(SIDE_FILE_SUFFIX)
    side = {
        "format": SIDE_FILE_FORMAT,
        "version": 1,
        "toonbeat_version": toonbeat_version(),
        "prompt": request.prompt,
        "model": backend.model_id,
        "backend": backend.name,
        "seed": request.seed,
        "duration": audio.shape[1] / request.sample_rate,
        "sample_rate": request.sample_rate,
        "model_sample_rate": backend.sample_rate,
        "settings": {key: value for key, value in asdict(request).items() if key not in ("prompt", "seed", "extra")},
        "loudness": asdict(report),
        **request.extra,
    }
    _write_atomically(out, side_file, audio, request.sample_rate, side)
    return TrackResult(out, side_file, audio.shape[1] / request.sample_rate, report)


def resample(audio: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Polyphase resampling of ``(channels, samples)`` audio from ``sr_from`` to ``sr_to`` Hz."""
    from scipy import signal

    if sr_from == sr_to:
        return audio
    ratio = Fraction(sr_to, sr_from)
    return signal.resample_poly(audio, ratio.numerator, ratio.denominator, axis=1).astype(np.float32)


def _write_atomically(wav: Path, side_file: Path, audio: np.ndarray, sr: int, side: dict[str, Any]) -> None:
    """The WAV through a temporary file renamed into place, then the side file the same way."""
    from .wav import write_wav

    write_wav(wav, audio.T, sr, subtype="PCM_24")
    write_json_atomically(side, side_file)


def _load_melody(path: str, sr: int) -> np.ndarray:
    """A melody file as mono float32 at ``sr`` Hz."""
    import soundfile

    try:
        data, file_sr = soundfile.read(path, dtype="float32", always_2d=True)
    except (OSError, RuntimeError) as error:
        raise ToonbeatError(f"{path}: cannot read the melody ({error})") from error
    mono = data.mean(axis=1)[np.newaxis, :]
    return resample(mono, int(file_sr), sr)[0]


def _looped(melody: np.ndarray, start: int, length: int) -> np.ndarray:
    """``length`` samples of ``melody`` from ``start``, looping it when the track outlasts it."""
    return np.take(melody, np.arange(start, start + length), mode="wrap")


def _fit_length(audio: np.ndarray, samples: int) -> np.ndarray:
    """Cut or zero-pad ``(channels, samples)`` audio to exactly ``samples`` (a codec frame may round up)."""
    if audio.shape[1] >= samples:
        return audio[:, :samples]
    return np.pad(audio, ((0, 0), (0, samples - audio.shape[1])))


def _progress(done: float, total: float, started: float, window: int, windows: int) -> MusicProgress:
    elapsed = time.monotonic() - started
    left = elapsed / done * (total - done) if done > 0 else None
    return MusicProgress(seconds_done=done, seconds_total=total, seconds_left=left, window=window, windows=windows)


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError("music generation cancelled")

