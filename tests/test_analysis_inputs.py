"""Every audio file a user may hand over: the formats that work, and one clear error for the ones that cannot."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy import signal

from generators.analysis import analyze_file
from generators.errors import ToonbeatError
from generators.music.drum_machine import synthesize

BPM = 126.0


@pytest.fixture(scope="module")
def stereo() -> np.ndarray:
    """Twelve bars of techno at 48 kHz, stereo float32."""
    return synthesize(BPM, 3, "techno", total_bars=12, sample_rate=48000).samples


FORMATS = {
    # file name: sample rate, channels, subtype, container
    "8khz-mono.wav": (8000, 1, "PCM_16", "WAV"),
    "u8.wav": (22050, 2, "PCM_U8", "WAV"),
    "24bit-96khz-6ch.wav": (96000, 6, "PCM_24", "WAV"),
    "int32.wav": (44100, 2, "PCM_32", "WAV"),
    "float-192khz.wav": (192000, 2, "FLOAT", "WAV"),
    "song.flac": (44100, 2, "PCM_16", "FLAC"),
    "song.ogg": (44100, 2, "VORBIS", "OGG"),
    "song.mp3": (44100, 2, "MPEG_LAYER_III", "MP3"),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_rate_and_channel_count_is_analyzed(tmp_path: Path, stereo: np.ndarray, name: str):
    rate, channels, subtype, container = FORMATS[name]
    audio = signal.resample_poly(stereo, rate, 48000, axis=0) if rate != 48000 else stereo
    audio = audio.mean(axis=1) if channels == 1 else np.tile(audio, (1, channels // 2))
    path = tmp_path / name
    soundfile.write(path, audio, rate, subtype=subtype, format=container)
    data = analyze_file(path)
    assert data.tempo == pytest.approx(BPM, rel=0.01)
    assert (data.audio.sample_rate, data.audio.channels) == (rate, channels)
    assert data.audio.duration == pytest.approx(len(stereo) / 48000, abs=0.1)
    assert len(data.beats) == pytest.approx(12 * 4, abs=1)


FFMPEG_FORMATS = {
    # file name: ffmpeg's arguments after the song's input; whether the codec keeps the timing (raw AAC and WMA
    # have no container to say how many samples the encoder put before the song)
    "song.m4a": (["-c:a", "aac", "-b:a", "160k"], True),
    "video.mp4": (["-f", "lavfi", "-i", "color=c=red:s=64x36:r=24", "-shortest", "-c:v", "libx264", "-c:a", "aac"],
                  True),
    "song.webm": (["-c:a", "libopus", "-b:a", "128k"], True),
    "song.mka": (["-c:a", "flac"], True),
    "song.aac": (["-c:a", "aac", "-b:a", "160k"], False),
    "song.wma": (["-c:a", "wmav2", "-b:a", "160k"], False),
}


def _ffmpeg(target: Path, *arguments: str) -> Path:
    """Run Debian's ffmpeg with ``arguments``, writing ``target``."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments, str(target)], check=True)
    return target


@pytest.mark.parametrize("name", list(FFMPEG_FORMATS))
def test_what_libsndfile_cannot_read_is_decoded_through_ffmpeg(tmp_path: Path, stereo: np.ndarray, name: str):
    wav = tmp_path / "song.wav"
    soundfile.write(wav, stereo, 48000, subtype="PCM_16")
    arguments, keeps_timing = FFMPEG_FORMATS[name]
    data = analyze_file(_ffmpeg(tmp_path / name, "-i", str(wav), *arguments))
    reference = analyze_file(wav)
    assert data.tempo == pytest.approx(BPM, rel=0.01)
    assert (data.audio.sample_rate, data.audio.channels) == (48000, 2)
    assert data.audio.duration == pytest.approx(reference.audio.duration, abs=0.1)
    beats, truth = np.array(data.beats), np.array(reference.beats)
    if keeps_timing:
        assert len(beats) == len(truth)
        assert np.max(np.abs(beats - truth)) <= 0.005
    else:  # shifted by the encoder's delay, up to 46 ms here: a beat at the very start may fall before it
        assert abs(len(beats) - len(truth)) <= 1
        assert np.max(np.min(np.abs(beats[:, None] - truth[None, :]), axis=1)) <= 0.05
    assert np.min(np.abs(np.array(data.downbeats)[:, None] - np.array(reference.downbeats)), axis=1).max() <= 0.05


def _write(path: Path, samples: np.ndarray, **options: str) -> Path:
    soundfile.write(path, samples, 44100, **options)
    return path


def _cut(path: Path) -> Path:
    """Keep the first half of the file's bytes."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _damage(path: Path) -> Path:
    """Overwrite 6 kB in the middle of the stream with zeros."""
    data = path.read_bytes()
    path.write_bytes(data[:3000] + bytes(6000) + data[9000:])
    return path


def _text(path: Path) -> Path:
    path.write_text("not audio\n" * 100)
    return path


def _empty(path: Path) -> Path:
    path.touch()
    return path


def _playlist(folder: Path) -> Path:
    """An HLS playlist that names another file: FFmpeg's playlist demuxers would read it."""
    _write(folder / "other.wav", _noise(5.0))
    path = folder / "song.m4a"
    path.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5.0,\nother.wav\n#EXT-X-ENDLIST\n")
    return path


def _m4a(folder: Path, name: str, *options: str) -> Path:
    return _ffmpeg(folder / name, "-i", str(_write(folder / "noise.wav", _noise(5.0))), "-c:a", "aac", *options)


def _noise(seconds: float) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((int(44100 * seconds), 2)) * 0.1


def _bad_input(case: str, folder: Path) -> Path:
    """Create the bad input named ``case`` in ``folder``."""
    makers = {
        "silence": lambda: _write(folder / "silence.wav", np.zeros((44100 * 5, 2))),
        "too short": lambda: _write(folder / "short.wav", _noise(1.0)),
        "truncated wav": lambda: _cut(_write(folder / "cut.wav", _noise(5.0))),
        "truncated flac": lambda: _cut(_write(folder / "cut.flac", _noise(5.0))),
        "truncated ogg": lambda: _cut(_write(folder / "cut.ogg", _noise(5.0))),
        "truncated mp3": lambda: _cut(_write(folder / "cut.mp3", _noise(5.0))),
        "corrupt flac": lambda: _damage(_write(folder / "bad.flac", _noise(5.0))),
        "truncated m4a": lambda: _cut(_m4a(folder, "cut.m4a")),
        "truncated streamable m4a": lambda: _cut(_m4a(folder, "cut.m4a", "-movflags", "+faststart")),
        "video without sound": lambda: _ffmpeg(folder / "silent.mp4", "-f", "lavfi", "-i", "color=c=red:s=64x36:d=3",
                                               "-c:v", "libx264"),
        "playlist": lambda: _playlist(folder),
        "text": lambda: _text(folder / "notes.wav"),
        "empty": lambda: _empty(folder / "empty.wav"),
        "missing": lambda: folder / "missing.wav",
        "folder": lambda: folder,
        "not a number": lambda: _write(
            folder / "nan.wav", np.where(np.arange(44100 * 5) == 100, np.nan, 0.1), subtype="FLOAT"
        ),
    }
    return makers[case]()


PROBLEMS = {
    "silence": "silent",
    "too short": "at least 2 s",
    "truncated wav": "truncated",
    "truncated flac": "corrupt or truncated",
    "truncated ogg": "truncated",
    "truncated mp3": "truncated",
    "corrupt flac": "corrupt or truncated",
    "truncated m4a": "M4A/MP4 file cannot be read",
    "truncated streamable m4a": "corrupt or truncated",
    "video without sound": "no audio track",
    "playlist": "not an audio file",
    "text": "not an audio file",
    "empty": "empty",
    "missing": "no such file",
    "folder": "is a folder",
    "not a number": "NaN",
}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_a_bad_input_gives_one_clear_error_naming_the_file(tmp_path: Path, case: str):
    path = _bad_input(case, tmp_path)
    with pytest.raises(ToonbeatError, match=PROBLEMS[case]) as raised:
        analyze_file(path)
    assert str(path) in str(raised.value)
