"""Sections and drops from bar-synchronous features.

Every bar gets a feature vector: the level and onset strength of the kick,
mid and high ranges. Section boundaries fall on bar lines where the
music before and after differ most (novelty peaks); labels follow the way
electronic music is built: full-energy sections with kick are drops, sections
without kick between them are breakdowns, the section leading into a drop is
a build, and quieter sections at the ends are the intro and outro. A drop is
the start of a drop section that follows any other section.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addon.core.beatfile import Section

from .onsets import OnsetEnvelopes

MIN_SECTION_BARS = 4
NOVELTY_CONTEXT_BARS = 4


@dataclass(frozen=True)
class BarFeatures:
    """Per-bar description of the music.

    Attributes
    ----------
    starts : np.ndarray [shape=(n_bars + 1,)]
        Bar lines in seconds (the last one ends the last bar).
    vectors : np.ndarray [shape=(n_bars, n_features)]
        Standardized features of each bar.
    loudness : np.ndarray [shape=(n_bars,)]
        Mean compressed level over all ranges.
    kick : np.ndarray [shape=(n_bars,)]
        Mean kick onset strength.
    high : np.ndarray [shape=(n_bars,)]
        Mean level above 2 kHz.
    """

    starts: np.ndarray
    vectors: np.ndarray
    loudness: np.ndarray
    kick: np.ndarray
    high: np.ndarray


def bar_features(envelopes: OnsetEnvelopes, bar_lines: np.ndarray) -> BarFeatures:
    """Average the onset groups over each bar between consecutive ``bar_lines`` (seconds)."""
    frames = np.clip(np.round(bar_lines * envelopes.frame_rate).astype(int), 0, None)
    columns = []
    names = list(envelopes.onsets)
    for name in names:
        columns.append(_mean_between(envelopes.level[name], frames))
        columns.append(_mean_between(envelopes.onsets[name], frames))
    raw = np.stack(columns, axis=1)
    spread = raw.std(axis=0)
    vectors = (raw - raw.mean(axis=0)) / np.where(spread > 1e-9, spread, 1.0)
    levels = raw[:, 0::2]
    return BarFeatures(
        starts=bar_lines,
        vectors=vectors,
        loudness=levels.mean(axis=1),
        kick=_mean_between(envelopes.accents["low"], frames),
        high=raw[:, 2 * names.index("high")],
    )


def _mean_between(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of ``values`` between consecutive frame ``edges``."""
    edges = np.minimum(edges, len(values))
    sums = np.concatenate([[0.0], np.cumsum(values)])
    return (sums[edges[1:]] - sums[edges[:-1]]) / np.maximum(np.diff(edges), 1)


def boundaries(features: BarFeatures) -> list[int]:
    """Bar indices where a new section starts (0 always included)."""
    count = len(features.vectors)
    if count < 2 * MIN_SECTION_BARS:
        return [0]
    context = NOVELTY_CONTEXT_BARS
    novelty = np.zeros(count)
    for bar in range(1, count):
        before = features.vectors[max(0, bar - context) : bar].mean(axis=0)
        after = features.vectors[bar : bar + context].mean(axis=0)
        step = np.linalg.norm(features.vectors[bar] - features.vectors[bar - 1])
        novelty[bar] = np.linalg.norm(after - before) + 0.5 * step
    threshold = np.median(novelty[1:]) + 0.5 * np.std(novelty[1:])
    chosen = [0]
    for bar in np.argsort(novelty)[::-1]:
        if novelty[bar] < threshold or bar == 0:
            continue
        if bar < MIN_SECTION_BARS or count - bar < MIN_SECTION_BARS:
            continue
        if all(abs(bar - other) >= MIN_SECTION_BARS for other in chosen):
            chosen.append(int(bar))
    return sorted(chosen)


def label(features: BarFeatures, starts: list[int]) -> list[str]:
    """Label each section that starts at the bars ``starts``."""
    ends = [*starts[1:], len(features.vectors)]
    loud = np.array([features.loudness[a:b].mean() for a, b in zip(starts, ends, strict=True)])
    kick = np.array([features.kick[a:b].mean() for a, b in zip(starts, ends, strict=True)])
    high_rise = np.array([_slope(features.high[a:b]) for a, b in zip(starts, ends, strict=True)])
    has_kick = kick >= 0.35 * kick.max() if kick.max() > 0 else np.zeros(len(kick), dtype=bool)
    full = has_kick & (loud >= loud.max() - 0.35 * (loud.max() - loud.min()))
    labels = ["drop" if is_full else "breakdown" for is_full in full]
    for index in range(len(labels)):
        if labels[index] == "drop":
            continue
        before_drop = index + 1 < len(labels) and labels[index + 1] == "drop"
        if index == 0:
            labels[index] = "intro"
        elif index == len(labels) - 1:
            labels[index] = "outro"
        elif before_drop and (has_kick[index] or high_rise[index] > 0):
            labels[index] = "build"
    if len(labels) > 1 and labels[0] == "intro" and labels[1] not in ("drop", "build") and full.any():
        labels[1] = "build" if len(labels) > 2 and labels[2] == "drop" else labels[1]
    return labels


def _slope(values: np.ndarray) -> float:
    """Least-squares slope of ``values`` per bar (0 for a single bar)."""
    if len(values) < 2:
        return 0.0
    return float(np.polyfit(np.arange(len(values)), values, 1)[0])


def sections_and_drops(features: BarFeatures, duration: float) -> tuple[list[Section], list[float]]:
    """Sections covering ``[0, duration]`` with boundaries on bar lines, and the drop times (seconds)."""
    starts = boundaries(features)
    labels = label(features, starts)
    times = [0.0] + [float(features.starts[bar]) for bar in starts[1:]] + [duration]
    sections = [Section(times[i], times[i + 1], labels[i]) for i in range(len(labels))]
    drops = [
        float(features.starts[starts[i]])
        for i in range(1, len(labels))
        if labels[i] == "drop" and labels[i - 1] != "drop"
    ]
    return sections, drops
