"""The tempo's alternatives: rival main tempi at 2:3, 3:4, 4:3 and 3:2 of the best one, each worth a track."""

from __future__ import annotations

import numpy as np
import pytest

from generators.analysis import tempo

FRAME_RATE = 100.0


def _pulses(strengths: dict[float, float], seconds: float = 60.0) -> np.ndarray:
    """An onset envelope with a pulse on every beat of each tempo of ``strengths`` (BPM: strength), from 0.5 s."""
    envelope = np.zeros(int(seconds * FRAME_RATE))
    for bpm, strength in strengths.items():
        envelope[np.round(np.arange(0.5, seconds - 1.0, 60.0 / bpm) * FRAME_RATE).astype(int)] += strength
    return envelope


@pytest.mark.parametrize("bpm, rival", [(96.0, 128.0), (100.0, 150.0)])
def test_a_rival_tempo_at_four_thirds_or_three_halves_is_kept_as_an_alternative(bpm: float, rival: float):
    curve = tempo.estimate([_pulses({bpm: 2.0, rival: 1.0})], [1.0], FRAME_RATE)
    found = [curve.bpm, *curve.alternatives]
    assert any(abs(t / bpm - 1) < 0.01 for t in found)
    assert any(abs(t / rival - 1) < 0.01 for t in found)
    for alternative in curve.alternatives:
        assert min(abs(alternative / curve.bpm - ratio) for ratio in tempo.ALTERNATIVE_RATIOS) < 0.01


def test_alternatives_stay_within_the_notated_range():
    curve = tempo.estimate([_pulses({180.0: 1.0, 135.0: 1.0})], [1.0], FRAME_RATE)
    assert all(tempo.MIN_BPM <= t <= tempo.MAX_BPM for t in curve.alternatives)
    assert 4 / 3 * curve.bpm > tempo.MAX_BPM or any(abs(t / curve.bpm - 4 / 3) < 0.01 for t in curve.alternatives)
