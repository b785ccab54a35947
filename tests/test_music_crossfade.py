"""Windows join without a seam: the crossfade keeps level and continuity."""

import numpy as np
import pytest

from generators.music.crossfade import crossfade_gains, join_window, overlap_correlation
from generators.music.musicgen import window_plan

SR = 16_000


def sweep(seconds: float, start: float = 0.0) -> np.ndarray:
    """A rising tone (80 Hz to 2 kHz over a minute) with a slow tremolo, as ``(1, samples)``."""
    t = start + np.arange(round(seconds * SR)) / SR
    phase = 2 * np.pi * (80 * t + (2000 - 80) / 120 * t**2)
    return (0.5 * (1 + 0.3 * np.sin(2 * np.pi * 0.7 * t)) * np.sin(phase))[np.newaxis, :]


def largest_step(audio: np.ndarray) -> float:
    return float(np.abs(np.diff(audio, axis=1)).max())


def test_joining_a_window_that_replays_its_context_exactly_gives_back_the_uncut_signal():
    whole = sweep(12)
    track, window = whole[:, : 8 * SR], whole[:, 6 * SR:]  # the window's first 2 s re-play the track's end
    joined = join_window(track, window, context_samples=2 * SR, overlap_samples=SR)
    np.testing.assert_allclose(joined, whole, atol=1e-6)


def test_a_re_encoded_context_joins_with_no_step_larger_than_the_music_itself_makes():
    whole = sweep(12)
    track = whole[:, : 8 * SR]
    rng = np.random.default_rng(3)
    window = whole[:, 6 * SR:] * 0.9 + 0.01 * rng.standard_normal((1, 6 * SR))  # a codec's lossy replay
    window = np.roll(window, 3, axis=1)  # and a few samples of latency
    joined = join_window(track, window, context_samples=2 * SR, overlap_samples=SR)
    seam = joined[:, 7 * SR - 200: 8 * SR + 200]
    assert largest_step(seam) <= 1.05 * max(largest_step(track[:, -SR:]), largest_step(window[:, 2 * SR: 3 * SR]))
    assert joined.shape == (1, 8 * SR + 4 * SR)


@pytest.mark.parametrize("correlation", [0.0, 0.5, 1.0])
def test_crossfade_gains_keep_the_expected_power_for_any_correlation(correlation):
    fade_out, fade_in = crossfade_gains(1000, correlation)
    power = fade_out**2 + fade_in**2 + 2 * correlation * fade_out * fade_in
    np.testing.assert_allclose(power, 1.0, atol=1e-12)
    assert fade_out[0] > 0.99 and fade_in[-1] > 0.99
    assert np.all(np.diff(fade_out) < 0) and np.all(np.diff(fade_in) > 0)


def test_joining_unrelated_noise_keeps_the_level_through_the_crossfade():
    rng = np.random.default_rng(0)
    track, window = rng.standard_normal((2, 4 * SR)), rng.standard_normal((2, 4 * SR))
    assert overlap_correlation(track[:, -SR:], window[:, :SR]) < 0.05
    joined = join_window(track, window, context_samples=SR, overlap_samples=SR)
    fade = joined[:, 3 * SR: 4 * SR]
    assert fade.std() == pytest.approx(1.0, abs=0.05)
    assert fade[:, SR // 2 - 800: SR // 2 + 800].std() == pytest.approx(1.0, abs=0.08)  # no dip mid-fade


def test_a_join_that_cannot_fit_its_crossfade_is_refused():
    with pytest.raises(ValueError, match="overlap"):
        join_window(sweep(1), sweep(1), context_samples=SR // 2, overlap_samples=SR)


def test_a_three_minute_track_is_one_full_window_then_windows_that_each_add_20_seconds():
    plan = window_plan(180, 30, 10)
    assert plan == [30, 20, 20, 20, 20, 20, 20, 20, 10]
    assert sum(plan) == 180
