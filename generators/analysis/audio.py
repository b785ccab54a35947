"""Opening audio files for analysis: checks with clear errors, streamed mono blocks, the file hash.

Everything libsndfile decodes is accepted: WAV (8/16/24/32-bit integer and
float), FLAC, OGG Vorbis and MP3 (libsndfile 1.1 or newer), mono to
multichannel, at any sample rate. Every problem becomes one ``ToonbeatError``
that names the file and what is wrong with it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from addon.core.input_limits import unreadable_reason
from generators.errors import ToonbeatError

MIN_DURATION = 2.0
"""Shortest audio Toonbeat analyses (seconds)."""

SILENCE_PEAK = 10 ** (-80 / 20)
"""A file whose loudest sample stays below -80 dBFS counts as silent."""

BLOCK_FRAMES = 1 << 18
"""Frames decoded per block (about 6 s at 44.1 kHz)."""

_TRUNCATION_TOLERANCE = 0.02
"""A decoder may deliver this fraction fewer frames than announced before the file counts as truncated."""


@dataclass(frozen=True)
class AudioSource:
    """An audio file that opened and passed the checks that need no decoding."""

    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str

    @property
    def duration(self) -> float:
        """Announced length in seconds."""
        return self.frames / self.sample_rate


def open_audio(path: str | os.PathLike[str]) -> AudioSource:
    """Check that ``path`` is an audio file at least ``MIN_DURATION`` long and describe it."""
    source = Path(path)
    if source.is_dir():
        raise ToonbeatError(f"{source}: is a folder, not an audio file")
    reason = unreadable_reason(source)
    if reason is not None:
        raise ToonbeatError(f"{source}: {reason}")
    if source.stat().st_size == 0:
        raise ToonbeatError(f"{source}: the file is empty")
    try:
        info = soundfile.info(str(source))
    except (RuntimeError, TypeError) as error:
        raise ToonbeatError(f"{source}: not an audio file Toonbeat can read ({_reason(error)})") from error
    if info.samplerate <= 0 or info.channels <= 0:
        raise ToonbeatError(f"{source}: the audio header is invalid")
    announced = AudioSource(source, info.samplerate, info.channels, info.frames, info.format)
    if announced.duration < MIN_DURATION:
        raise ToonbeatError(
            f"{source}: the audio is {announced.duration:.2f} s long; Toonbeat needs at least {MIN_DURATION:g} s"
        )
    _raise_if_wav_truncated(announced)
    _raise_if_ogg_truncated(announced)
    return announced


def mono_blocks(source: AudioSource, block_frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """Decode ``source`` block by block as mono float32, checking for corrupt, truncated or silent audio."""
    delivered = 0
    peak = 0.0
    try:
        with soundfile.SoundFile(str(source.path)) as stream:
            while True:
                block = stream.read(block_frames, dtype="float32", always_2d=True)
                if not len(block):
                    break
                mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
                if not np.all(np.isfinite(mono)):
                    raise ToonbeatError(f"{source.path}: the audio contains invalid (NaN or infinite) samples")
                delivered += len(mono)
                peak = max(peak, float(np.max(np.abs(mono))))
                yield mono
    except RuntimeError as error:
        raise ToonbeatError(f"{source.path}: the audio data is corrupt or truncated ({_reason(error)})") from error
    if delivered < source.frames * (1 - _TRUNCATION_TOLERANCE):
        raise ToonbeatError(
            f"{source.path}: the file is truncated (decoded {delivered / source.sample_rate:.2f} s "
            f"of {source.duration:.2f} s)"
        )
    if delivered < MIN_DURATION * source.sample_rate:
        raise ToonbeatError(f"{source.path}: only {delivered / source.sample_rate:.2f} s of audio could be decoded")
    if peak < SILENCE_PEAK:
        raise ToonbeatError(f"{source.path}: the audio is silent")


def _reason(error: BaseException) -> str:
    """libsndfile's message without its own copy of the path."""
    text = str(error).strip()
    if "Format not recognised" in text or "unknown format" in text.lower():
        return "format not recognised"
    if text.startswith("Error opening") and "': " in text:
        text = text.split("': ", 1)[1]
    return text.removeprefix("Error : ").rstrip(".") or type(error).__name__


def _raise_if_wav_truncated(source: AudioSource) -> None:
    """libsndfile quietly shortens a WAV whose data chunk runs past the end of the file; refuse it instead."""
    if source.format not in ("WAV", "WAVEX"):
        return
    size = source.path.stat().st_size
    with open(source.path, "rb") as stream:
        header = stream.read(12)
        if len(header) < 12 or header[:4] != b"RIFF":
            return
        while True:
            chunk = stream.read(8)
            if len(chunk) < 8:
                return
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"data":
                if length in (0, 0xFFFFFFFF):
                    return
                missing = stream.tell() + length - size
                if missing > 0:
                    raise ToonbeatError(
                        f"{source.path}: the file is truncated ({missing} bytes of audio data are missing)"
                    )
                return
            stream.seek(length + (length & 1), os.SEEK_CUR)


def _raise_if_ogg_truncated(source: AudioSource) -> None:
    """An Ogg stream ends with a page flagged end-of-stream; a cut-off file lacks it."""
    if source.format != "OGG":
        return
    size = source.path.stat().st_size
    with open(source.path, "rb") as stream:
        stream.seek(max(0, size - 65536))
        tail = stream.read()
    last_page = tail.rfind(b"OggS")
    if last_page < 0 or last_page + 5 >= len(tail) or not tail[last_page + 5] & 0x04:
        raise ToonbeatError(f"{source.path}: the file is truncated (the Ogg stream has no end)")
