"""Joining generated windows into one track without an audible seam.

Each new window starts with its context: the end of the track so far, re-encoded
and decoded by the model, so the two versions of that stretch are nearly the same
sound. The join crossfades from the track to the window over the last part of the
context, with equal-power gains corrected for how alike the two sides are: for
unrelated material the classic sine/cosine curve, for identical material a linear
(equal-gain) curve, and in between the curve that keeps the expected power
constant (``a**2 + b**2 + 2*r*a*b == 1``). Arrays are ``(channels, samples)``.
"""

from __future__ import annotations

import numpy as np


def overlap_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Normalised correlation (0..1, negative clipped to 0) of two equally long ``(channels, samples)`` arrays."""
    energy = float(np.sqrt(np.sum(first * first) * np.sum(second * second)))
    if energy == 0.0:
        return 0.0
    return float(np.clip(np.sum(first * second) / energy, 0.0, 1.0))


def crossfade_gains(samples: int, correlation: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Fade-out and fade-in gains over ``samples`` that hold the power of a mix with ``correlation``.

    Examples
    --------
    >>> fade_out, fade_in = crossfade_gains(5, correlation=1.0)
    >>> [round(float(v), 3) for v in fade_out + fade_in]
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    angle = (np.arange(samples) + 0.5) / samples * (np.pi / 2)
    fade_out, fade_in = np.cos(angle), np.sin(angle)
    power = fade_out**2 + fade_in**2 + 2 * correlation * fade_out * fade_in
    norm = 1 / np.sqrt(power)
    return fade_out * norm, fade_in * norm


def join_window(track: np.ndarray, window: np.ndarray, context_samples: int, overlap_samples: int) -> np.ndarray:
    """Append a window whose first ``context_samples`` re-play the end of ``track``.

    The last ``overlap_samples`` of the track crossfade into the matching stretch of
    the window (the end of its context); the window's new audio follows.

    Parameters
    ----------
    track : np.ndarray, shape ``(channels, samples)``, the track so far
    window : np.ndarray, shape ``(channels, samples)``, context then new audio
    context_samples : int, how much of the track's end the window was conditioned on
    overlap_samples : int, crossfade length, at most ``context_samples``

    Returns
    -------
    np.ndarray, shape ``(channels, track_samples + window_samples - context_samples)``, the track's dtype
    """
    if not 0 < overlap_samples <= context_samples <= min(track.shape[1], window.shape[1]):
        raise ValueError(f"need 0 < overlap ({overlap_samples}) <= context ({context_samples}) "
                         f"<= both lengths ({track.shape[1]}, {window.shape[1]})")
    old = track[:, track.shape[1] - overlap_samples:]
    new = window[:, context_samples - overlap_samples:context_samples]
    fade_out, fade_in = crossfade_gains(overlap_samples, overlap_correlation(old, new))
    mixed = (old * fade_out + new * fade_in).astype(track.dtype)
    return np.concatenate([track[:, :track.shape[1] - overlap_samples], mixed, window[:, context_samples:]], axis=1)
