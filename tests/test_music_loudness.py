"""BS.1770 loudness, true peak and normalisation, checked against the recommendation's own figures."""

import numpy as np
import pytest

from generators.music.loudness import (
    MAX_LIMITING_DB,
    integrated_loudness,
    k_weighting,
    normalize_loudness,
    true_peak_db,
)


def tone(freq: float, seconds: float, sr: int, dbfs: float = 0.0, phase: float = 0.0) -> np.ndarray:
    return 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * np.arange(round(seconds * sr)) / sr + phase)


def test_k_weighting_at_48k_matches_the_coefficients_printed_in_bs1770():
    b_shelf, a_shelf, b_highpass, a_highpass = k_weighting(48_000)
    np.testing.assert_allclose(b_shelf, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-9)
    np.testing.assert_allclose(a_shelf, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-9)
    np.testing.assert_allclose(b_highpass, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(a_highpass, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-9)


def test_stereo_997_hz_tone_at_minus_23_dbfs_reads_minus_23_lufs():
    left = tone(997, 20, 48_000, dbfs=-23)
    assert integrated_loudness(np.stack([left, left]), 48_000) == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize("sr", [32_000, 44_100, 48_000])
def test_full_scale_1_khz_sine_in_one_channel_reads_minus_3_01_lufs_at_any_sample_rate(sr):
    assert integrated_loudness(tone(1000, 10, sr), sr) == pytest.approx(-3.01, abs=0.05)


def test_silence_below_the_absolute_gate_does_not_pull_the_loudness_down():
    sr = 48_000
    loud = tone(1000, 30, sr, dbfs=-20)
    with_silence = np.concatenate([loud, tone(1000, 20, sr, dbfs=-90)])
    assert integrated_loudness(with_silence, sr) == pytest.approx(integrated_loudness(loud, sr), abs=0.05)


def test_quiet_passages_20_lu_down_are_removed_by_the_relative_gate():
    sr = 48_000
    loud = tone(1000, 30, sr, dbfs=-20)
    with_quiet = np.concatenate([loud, tone(1000, 30, sr, dbfs=-40)])
    assert integrated_loudness(with_quiet, sr) == pytest.approx(integrated_loudness(loud, sr), abs=0.1)


def test_true_peak_finds_the_peak_between_samples():
    between = tone(12_000, 1, 48_000, phase=np.pi / 4)  # samples land at 0.707 of the crest
    assert 20 * np.log10(np.abs(between).max()) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_db(between) == pytest.approx(0.0, abs=0.3)


def test_noise_is_normalised_to_minus_14_lufs_under_a_minus_1_dbtp_ceiling():
    sr = 48_000
    noise = np.random.default_rng(1).standard_normal((2, 10 * sr)) * 0.02
    out, report = normalize_loudness(noise, sr, target_lufs=-14.0, true_peak_ceiling_db=-1.0)
    assert out.shape == noise.shape and out.dtype == np.float32
    assert integrated_loudness(out, sr) == pytest.approx(-14.0, abs=0.1)
    assert true_peak_db(out) <= -1.0 + 0.05
    assert report.output_lufs == pytest.approx(-14.0, abs=0.1) and report.input_lufs < -25


def test_peaks_are_limited_smoothly_and_loudness_is_made_up():
    sr = 48_000
    music = tone(110, 8, sr, dbfs=-20)
    music[sr * 4: sr * 4 + 200] += 0.3  # a short spike 12 dB above the tone
    out, report = normalize_loudness(music, sr, target_lufs=-14.0, true_peak_ceiling_db=-1.0)
    assert report.limited
    assert true_peak_db(out) <= -1.0 + 0.05
    assert integrated_loudness(out, sr) == pytest.approx(-14.0, abs=0.2)
    steady = slice(sr, 2 * sr)  # far from the spike the tone is just scaled, not distorted
    ratio = out[steady].std() / music[steady].std()
    np.testing.assert_allclose(out[steady], music[steady] * ratio, atol=1e-4)


def test_very_peaky_audio_is_not_limited_by_more_than_the_maximum_and_says_how_loud_it_is():
    sr = 48_000
    clicks = np.zeros(10 * sr)
    clicks[:: sr // 2] = 0.5
    out, report = normalize_loudness(clicks, sr, target_lufs=-14.0, true_peak_ceiling_db=-1.0)
    assert report.gain_db <= -1.0 - report.input_true_peak_db + MAX_LIMITING_DB + 1e-9
    assert report.output_lufs < -14.0
    assert report.output_lufs == pytest.approx(integrated_loudness(out, sr), abs=1e-6)


def test_silence_is_returned_unchanged():
    out, report = normalize_loudness(np.zeros((2, 48_000)), 48_000)
    assert not out.any() and report.gain_db == 0.0 and report.output_lufs == float("-inf")
