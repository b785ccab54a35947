"""Sections and drops from bar-synchronous features.

Every bar gets a description: the level and onset strength of the low, mid
and high ranges, the kick's accents and the loudness. Section boundaries fall
on bar lines: a dynamic programme picks the bar lines with the most novelty
(the next bars differ from the previous ones), paying a price per section and
preferring sections a multiple of 4 or 8 bars long, as electronic music is
built in phrases. Labels follow how that music is arranged: full-energy
sections with a kick are drops, the rising section that leads into a drop is
a build, quieter sections at the ends are the intro and outro and sections
without a kick in between are breakdowns. A drop is the start of a drop
section that follows any other section.

References
----------
.. [1] Foote, J. (2000). Automatic audio segmentation using a measure of audio novelty.
   IEEE International Conference on Multimedia and Expo (novelty between the music before and after a point).
.. [2] Jensen, K. (2007). Multiple scale music segmentation using rhythm, timbre, and harmony.
   EURASIP Journal on Advances in Signal Processing (segmentation as a dynamic programme with a price per segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from addon.core.beatfile import Section

from .features import centred_window
from .onsets import OnsetEnvelopes

STEPS_PER_BAR = 16
"""A bar's rhythm is its onset strength at this many even steps (16th notes in 4/4)."""

STEP_REACH_SECONDS = 0.01
"""The onset strength of a step is the largest within this many seconds of it."""
RHYTHM_WEIGHT = 1.0
"""Weight of the 16th-note onset pattern against the band levels (log units) in a bar's novelty vector."""

NOVELTY_CONTEXT_BARS = (2, 4)
"""Bars on either side of a bar line compared by the novelty, at two scales (short sections and long ones)."""

SECTION_PRICE = 1.5
"""Novelty (in units of the song's median bar novelty) a bar line needs to pay for a new section."""

PHRASE_PRICE = {8: 0.0, 4: 0.4, 2: 2.0, 1: 3.0}
"""Price of a section whose length in bars is a multiple of the key (the largest that divides it)."""

MIN_SECTION_BARS = 2
"""No section is shorter than this many bars (a song shorter than that is one section)."""

SHORT_SECTION_BARS = 4
SHORT_SECTION_PRICE = 1.5
"""Extra price of a section shorter than ``SHORT_SECTION_BARS`` bars."""

KICK_PRESENT = 0.4
"""A section has a kick when its kick accents reach this fraction of the strongest section's."""

FULL = 0.9
"""A drop is at least this fraction as full as the fullest steady section with a kick."""

RISING = 0.4
"""Rise of the mid and high levels over a section (log units) that makes it a build."""


@dataclass(frozen=True)
class BarFeatures:
    """Per-bar description of the music.

    Attributes
    ----------
    lines : np.ndarray [shape=(n_bars + 1,)]
        Bar lines in seconds (the last one ends the last bar).
    vectors : np.ndarray [shape=(n_bars, n_features)]
        Band levels and 16th-note onset pattern of each bar, for novelty.
    fullness : np.ndarray [shape=(n_bars,)]
        How much of the song's range each band uses in the bar (0..1): the mean,
        over the low range and over the rest, of each band's level scaled
        between the song's quiet (5th percentile) and loud (95th) bars.
    kick : np.ndarray [shape=(n_bars,)]
        Mean low-range accent strength.
    brightness : np.ndarray [shape=(n_bars,)]
        Mean mid plus high level (log units); rises through builds.
    """

    lines: np.ndarray
    vectors: np.ndarray
    fullness: np.ndarray
    kick: np.ndarray
    brightness: np.ndarray


def bar_features(
    envelopes: OnsetEnvelopes, band_levels: np.ndarray, low_bands: np.ndarray, bar_lines: np.ndarray
) -> BarFeatures:
    """Describe each bar between consecutive ``bar_lines`` (seconds).

    ``band_levels`` is the log-compressed power of every frame and band and
    ``low_bands`` marks the bands of the low range. A bar's novelty vector is
    its mean band levels (the sound: which instruments play) and the onset
    strength of each range at the bar's sixteen 16th notes (the rhythm).
    """
    frames = np.clip(np.round(bar_lines * envelopes.frame_rate).astype(int), 0, None)
    sound = np.stack([_mean_between(band_levels[:, band], frames) for band in range(band_levels.shape[1])], axis=1)
    steps = bar_lines[:-1, None] + np.diff(bar_lines)[:, None] * (np.arange(STEPS_PER_BAR) / STEPS_PER_BAR)
    step_frames = np.clip(np.round(steps * envelopes.frame_rate).astype(int), 0, len(band_levels) - 1)
    reach = centred_window(STEP_REACH_SECONDS, envelopes.frame_rate)
    rhythm = [ndimage.maximum_filter1d(onset, reach)[step_frames] for onset in envelopes.onsets.values()]
    return BarFeatures(
        lines=bar_lines,
        vectors=np.concatenate([sound, RHYTHM_WEIGHT * np.concatenate(rhythm, axis=1)], axis=1),
        fullness=_fullness(sound, low_bands),
        kick=_mean_between(envelopes.accents["low"], frames),
        brightness=_mean_between(envelopes.level["mid"] + envelopes.level["high"], frames),
    )


def _fullness(sound: np.ndarray, low_bands: np.ndarray) -> np.ndarray:
    """Per-bar fullness (see ``BarFeatures``) of the bar-mean band levels ``sound``."""
    quiet, loud = np.percentile(sound, 5, axis=0), np.percentile(sound, 95, axis=0)
    used = np.clip((sound - quiet) / np.maximum(loud - quiet, 1e-6), 0.0, 1.0)
    if not low_bands.any() or low_bands.all():
        return used.mean(axis=1)
    return 0.5 * (used[:, low_bands].mean(axis=1) + used[:, ~low_bands].mean(axis=1))


def _mean_between(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of ``values`` between consecutive frame ``edges``."""
    edges = np.minimum(edges, len(values))
    sums = np.concatenate([[0.0], np.cumsum(values)])
    return (sums[edges[1:]] - sums[edges[:-1]]) / np.maximum(np.diff(edges), 1)


def novelty(vectors: np.ndarray, context: int) -> np.ndarray:
    """Change at each bar line: the next ``context`` bars' mean against the previous ones', plus the single step.

    Scaled so that the median over the song is 1 (0 at bar 0).
    """
    count = len(vectors)
    sums = np.vstack([np.zeros((1, vectors.shape[1])), np.cumsum(vectors, axis=0)])
    bars = np.arange(1, count)
    after_end = np.minimum(bars + context, count)
    before_start = np.maximum(bars - context, 0)
    after = (sums[after_end] - sums[bars]) / (after_end - bars)[:, None]
    before = (sums[bars] - sums[before_start]) / (bars - before_start)[:, None]
    step = np.linalg.norm(vectors[1:] - vectors[:-1], axis=1)
    values = np.concatenate([[0.0], np.linalg.norm(after - before, axis=1) + 0.5 * step])
    typical = np.median(values[1:]) if count > 1 else 0.0
    return values / typical if typical > 0 else values


def boundaries(features: BarFeatures) -> list[int]:
    """Bar indices where a section starts (0 first): the best trade of novelty against section prices."""
    count = len(features.vectors)
    if count < 2:
        return [0]
    gain = np.mean([novelty(features.vectors, context) for context in NOVELTY_CONTEXT_BARS], axis=0) - SECTION_PRICE
    best = np.full(count + 1, -np.inf)
    best[0] = 0.0
    previous = np.zeros(count + 1, dtype=int)
    starts = np.arange(count + 1)
    for end in range(1, count + 1):
        lengths = end - starts[:end]
        totals = best[:end] - _length_price(lengths) + (gain[end] if end < count else 0.0)
        totals[lengths < min(MIN_SECTION_BARS, count)] = -np.inf
        previous[end] = int(np.argmax(totals))
        best[end] = totals[previous[end]]
    chosen = []
    end = count
    while end > 0:
        end = previous[end]
        chosen.append(end)
    return sorted(chosen)


def _length_price(lengths: np.ndarray) -> np.ndarray:
    """Price of sections of ``lengths`` bars: phrase-length preference plus the short-section price."""
    price = np.zeros(len(lengths))
    for multiple in sorted(PHRASE_PRICE):
        price = np.where(lengths % multiple == 0, PHRASE_PRICE[multiple], price)
    return price + np.where(lengths < SHORT_SECTION_BARS, SHORT_SECTION_PRICE, 0.0)


def label(features: BarFeatures, starts: list[int]) -> list[str]:
    """Label each section that starts at the bars ``starts``.

    A section *rises* when its mid and high levels climb by ``RISING``; it has
    a kick when its kick accents reach ``KICK_PRESENT`` of the strongest
    section's. Steady sections with a kick are drops when they come after a
    section without one or a build, or when they are at least ``FULL`` as full
    as the section before; the first is the intro and the last the outro
    unless they are ``FULL`` as full as the fullest drop. A rising section (or
    a gently rising one that rises on into a build) that leads into a drop is
    a build, except a drumless one right after a drop (a breakdown with a
    riser); the
    remaining sections are intro before the first drop, outro after the last
    and breakdown in between.
    """
    ends = [*starts[1:], len(features.kick)]
    spans = list(zip(starts, ends, strict=True))
    kick = np.array([features.kick[a:b].mean() for a, b in spans])
    fullness = np.array([features.fullness[a:b].mean() for a, b in spans])
    rise = np.array([_rise(features.brightness[a:b]) for a, b in spans])
    has_kick = kick >= KICK_PRESENT * kick.max() if kick.max() > 0 else np.zeros(len(kick), dtype=bool)
    steady = has_kick & (rise <= RISING)
    fullest = fullness[steady].max() if steady.any() else fullness.max()
    count = len(spans)
    labels = [""] * count
    for index in np.flatnonzero(steady):
        if index == 0 or (index == count - 1 and labels[index - 1] == "drop"):
            labels[index] = "drop" if fullness[index] >= FULL * fullest else ""
        elif not steady[index - 1] or rise[index - 1] > RISING or fullness[index] >= FULL * fullness[index - 1]:
            labels[index] = "drop"
    for index in range(count - 2, -1, -1):
        together = _rise(features.brightness[spans[index][0] : spans[index + 1][1]])
        after_drop = index > 0 and labels[index - 1] == "drop" and not has_kick[index]
        leads_into_build = labels[index + 1] == "build" and rise[index] > RISING / 2 and together > RISING
        if (labels[index + 1] in ("drop", "build") and rise[index] > RISING and not after_drop) or leads_into_build:
            labels[index] = "build"
    drops = [i for i, name in enumerate(labels) if name == "drop"]
    for index, name in enumerate(labels):
        if not name:
            labels[index] = "intro" if not drops or index < drops[0] else "outro" if index > drops[-1] else "breakdown"
    return labels


def _rise(values: np.ndarray) -> float:
    """Least-squares change of ``values`` from the first to the last bar (0 for a single bar)."""
    if len(values) < 2:
        return 0.0
    return float(np.polyfit(np.arange(len(values)), values, 1)[0] * (len(values) - 1))


def sections_and_drops(features: BarFeatures, duration: float) -> tuple[list[Section], list[float]]:
    """Sections covering ``[0, duration]`` with boundaries on bar lines, and the drop times (seconds).

    Neighbouring sections with the same label are one section.
    """
    starts = boundaries(features)
    labels = label(features, starts)
    kept = [i for i in range(len(labels)) if i == 0 or labels[i] != labels[i - 1]]
    times = [0.0] + [float(features.lines[starts[i]]) for i in kept[1:]] + [duration]
    sections = [Section(times[n], times[n + 1], labels[i]) for n, i in enumerate(kept)]
    drops = [section.start for section in sections[1:] if section.label == "drop"]
    return sections, drops
