"""MusicGen melody conditioning through transformers, on a tiny random-weight melody checkpoint.

The melody model's feature extractor takes the chroma with torchaudio, which the
generation test environment lacks; the audiocraft environment has it (and transformers),
so ``python3 build.py test`` runs this file there, and only there. Where torchaudio
does not import, these tests fail: a skip would pass the melody untested.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from generators.music import command
from generators.music.backends import MusicModelSpec, Sampling, load_backend
from generators.music.musicgen import MusicRequest, compose
from tests import tiny_models

MELODY_SAMPLE_RATE = 44_100  # not the model's 16 kHz: the melody is resampled on the way in


def test_torchaudio_imports_in_this_environment():
    """build.py deletes torchaudio's compiled parts in the audiocraft environment; what remains must import."""
    import torchaudio.functional

    assert callable(torchaudio.functional.resample)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_models.tiny_musicgen_melody(tmp_path_factory.mktemp("musicgen-melody"))


@pytest.fixture(scope="module")
def backend(checkpoint: Path):
    return load_backend(MusicModelSpec(model=str(checkpoint), backend="transformers", device="cpu"))


def tone(path: Path, notes_hz: list[float], seconds_each: float, sr: int = MELODY_SAMPLE_RATE,
         channels: int = 2) -> Path:
    """A WAV of sine notes played one after another (a hummed tune, as far as chroma can tell)."""
    t = np.arange(round(seconds_each * sr)) / sr
    mono = np.concatenate([0.4 * np.sin(2 * np.pi * hz * t) for hz in notes_hz]).astype(np.float32)
    soundfile.write(path, np.stack([mono] * channels, axis=1), sr, subtype="FLOAT")
    return path


def short_request(melody: Path | None, **changes) -> MusicRequest:
    settings = dict(prompt="industrial techno, 128 BPM", seconds=3.0, seed=4, window_seconds=3.0,
                    context_seconds=1.0, crossfade_seconds=0.5, sampling=Sampling(top_k=20),
                    melody=None if melody is None else str(melody))
    settings.update(changes)
    return MusicRequest(**settings)


class RecordingBackend:
    """The real backend, keeping the melody each window was given."""

    def __init__(self, backend) -> None:
        self.backend, self.melodies = backend, []
        for name in ("name", "model_id", "sample_rate", "channels", "max_window_seconds", "supports_melody"):
            setattr(self, name, getattr(backend, name))

    def generate(self, *args, melody=None, **kwargs):
        self.melodies.append(melody)
        return self.backend.generate(*args, melody=melody, **kwargs)


def test_the_melody_checkpoint_loads_as_a_melody_model(backend):
    assert backend.supports_melody and backend.name == "transformers"
    assert type(backend.model).__name__ == "MusicgenMelodyForConditionalGeneration"


def test_the_melody_conditions_the_music(backend, tmp_path):
    a_tune = tone(tmp_path / "a.wav", [440.0, 493.9, 554.4], 1.0)  # A B C#
    c_tune = tone(tmp_path / "c.wav", [261.6, 329.6, 392.0], 1.0)  # C E G
    first = compose(backend, short_request(a_tune))
    again = compose(backend, short_request(a_tune))
    other = compose(backend, short_request(c_tune))
    without = compose(backend, short_request(None))
    assert first.shape == (1, 3 * 16_000)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert not np.allclose(first, without)


def test_each_window_follows_its_own_stretch_of_the_melody(backend, tmp_path):
    """Three windows of 3 s with 1 s of context start at 0, 2 and 4 s of the track; a 5 s melody loops."""
    sr = backend.sample_rate
    melody_file = tone(tmp_path / "tune.wav", [440.0, 523.3, 659.3, 587.3, 392.0], 1.0, sr=sr, channels=1)
    recording = RecordingBackend(backend)
    track = compose(recording, short_request(melody_file, seconds=7.0))
    assert track.shape == (1, 7 * sr)
    melody = soundfile.read(melody_file, dtype="float32")[0]
    expected = [melody[0:3 * sr], melody[2 * sr:5 * sr], np.concatenate([melody[4 * sr:], melody[:2 * sr]])]
    assert len(recording.melodies) == 3
    for given, wanted in zip(recording.melodies, expected, strict=True):
        np.testing.assert_array_equal(given, wanted)


def test_changing_the_melody_late_changes_only_the_music_after_it(backend, tmp_path):
    """The first window (0-3 s) hears the same melody in both; the tune changes at 3 s."""
    same_start = [440.0, 523.3, 659.3]
    one = tone(tmp_path / "one.wav", [*same_start, 587.3, 392.0, 349.2, 329.6], 1.0)
    two = tone(tmp_path / "two.wav", [*same_start, 277.2, 311.1, 370.0, 415.3], 1.0)
    first = compose(backend, short_request(one, seconds=7.0))
    second = compose(backend, short_request(two, seconds=7.0))
    sr = backend.sample_rate
    crossfade_starts = round(2.5 * sr)  # the second window's crossfade over the end of its context
    np.testing.assert_array_equal(first[:, :crossfade_starts], second[:, :crossfade_starts])
    assert not np.allclose(first[:, 3 * sr:], second[:, 3 * sr:])


def test_the_music_command_follows_a_hummed_melody_file(checkpoint, tmp_path, capsys):
    hum = tone(tmp_path / "hum.wav", [392.0, 440.0, 493.9, 523.3], 1.0)
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())

    def music(out: Path, *options: str) -> np.ndarray:
        args = parser.parse_args(["music", "--prompt", "dark techno", "--seconds", "5", "--window", "3",
                                  "--context", "1", "--crossfade", "0.5", "--model", str(checkpoint),
                                  "--device", "cpu", "--backend", "transformers", "--top-k", "20", "-o", str(out),
                                  *options])
        assert args.run(args) == 0
        audio, sr = soundfile.read(out, always_2d=True)
        assert sr == 48_000 and audio.shape == (5 * 48_000, 1)
        return audio

    with_hum = music(tmp_path / "song.wav", "--melody", str(hum))
    without = music(tmp_path / "plain.wav")
    side = json.loads((tmp_path / "song.music.json").read_text())
    assert side["settings"]["melody"] == str(hum) and side["model"] == str(checkpoint)
    assert json.loads((tmp_path / "plain.music.json").read_text())["settings"]["melody"] is None
    assert not np.allclose(with_hum, without, atol=1e-3)
    assert "wrote" in capsys.readouterr().out
