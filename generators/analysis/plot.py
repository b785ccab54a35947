"""A picture of an analysis: loudness, band energy, beats, downbeats, sections and drops."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from scipy import ndimage

from addon.core.beatfile import BeatData
from addon.core.files import atomic_path
from addon.core.overwrite import MADE_BY, PNG_SOFTWARE_KEY

SECTION_COLOURS = {
    "intro": "#cfe8ff",
    "verse": "#e3e3e3",
    "chorus": "#ffd9f0",
    "build": "#fff0b3",
    "drop": "#ffc9b9",
    "breakdown": "#d5f5d0",
    "outro": "#e2d9ff",
}
MAX_BEAT_LINES = 700
"""Above this many beats only downbeats are drawn, so the picture stays readable."""


def plot_beats(data: BeatData, path: str | os.PathLike[str], title: str | None = None) -> None:
    """Draw ``data`` to a PNG at ``path`` (written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    duration = data.audio.duration
    rate = data.energy.frame_rate
    times = np.arange(len(data.energy.overall)) / rate
    beat_seconds = 60.0 / data.tempo if data.tempo > 0 else 0.5
    figure, (top, bottom) = pyplot.subplots(
        2, 1, figsize=(16, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]}, layout="constrained"
    )
    for axis in (top, bottom):
        for section in data.sections:
            axis.axvspan(section.start, section.end, color=SECTION_COLOURS.get(section.label, "#eeeeee"), lw=0)
    overall = np.asarray(data.energy.overall)
    peaks = ndimage.maximum_filter1d(overall, max(1, int(0.25 * rate))) if len(overall) else overall
    top.fill_between(times, -peaks, peaks, color="#8fa3b8", lw=0, label="loudness (peak)")
    level = _smooth(overall, beat_seconds * rate)
    top.fill_between(times, -level, level, color="#2c3e50", lw=0, label="loudness (mean)")
    if len(data.beats) <= MAX_BEAT_LINES:
        top.vlines(data.beats, -1.08, -0.97, color="#333333", lw=0.6, label="beats")
    if len(data.downbeats) <= MAX_BEAT_LINES / 2:
        top.vlines(data.downbeats, -1.08, 1.0, color="#1f77b4", lw=0.5, alpha=0.35, label="downbeats")
    readable = duration / 40
    for drop in data.drops:
        top.axvline(drop, color="#d62728", lw=2.0)
    for section in data.sections:
        if section.end - section.start >= readable:
            top.text((section.start + section.end) / 2, 1.2, section.label, ha="center", va="bottom", fontsize=10)
    if data.drops:
        top.plot([], [], color="#d62728", lw=2.0, label="drops")
    top.set_ylim(-1.1, 1.4)
    top.set_yticks([])
    top.set_ylabel("loudness")
    for band, colour in (("low", "#8e44ad"), ("mid", "#27ae60"), ("high", "#e67e22")):
        bottom.plot(
            times,
            _smooth(np.asarray(getattr(data.energy, band)), beat_seconds * rate),
            color=colour,
            lw=1.2,
            label=band,
        )
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("band energy (beat mean)")
    bottom.set_xlabel("seconds")
    bottom.set_xlim(0, duration)
    bottom.legend(loc="lower right", ncol=3, fontsize=8)
    top.legend(loc="lower right", ncol=5, fontsize=8)
    name = Path(data.audio.path).name or "audio"
    top.set_title(
        title
        or f"{name}: {data.tempo:.1f} BPM, {len(data.beats)} beats, {len(data.sections)} sections, "
        f"{len(data.drops)} drops",
        loc="left",
    )
    _save_atomically(figure, Path(path))
    pyplot.close(figure)


def _smooth(values: np.ndarray, width: float) -> np.ndarray:
    """Moving average of ``values`` over ``width`` samples."""
    return ndimage.uniform_filter1d(values, max(1, int(width))) if len(values) else values


def _save_atomically(figure: object, target: Path) -> None:
    with atomic_path(target) as temporary:
        figure.savefig(temporary, format="png", dpi=100,  # type: ignore[attr-defined]
                       metadata={PNG_SOFTWARE_KEY: MADE_BY})
