"""Opening audio files for analysis: checks with clear errors, streamed mono blocks, the file hash.

Everything libsndfile decodes is accepted: WAV (8/16/24/32-bit integer and
float), FLAC, AIFF, Ogg Vorbis and Opus, and MP3 (libsndfile 1.1 or newer),
mono to multichannel, at any sample rate. What libsndfile cannot read is
decoded by FFmpeg through PyAV when it is one of the containers in
``FFMPEG_CONTAINERS``: M4A/AAC (and the sound of MP4 and MOV videos), raw
AAC, Matroska/WebM and WMA. Those are recognised by their first bytes and
opened with that one demuxer, so a file never reaches FFmpeg's other demuxers
(playlists, which would read other files or the network). Every problem
becomes one ``ToonbeatError`` that names the file and what is wrong with it.
"""

from __future__ import annotations

import itertools
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

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

FFMPEG_CONTAINERS: tuple[tuple[Callable[[bytes], bool], str, str], ...] = (
    (lambda head: head[4:8] == b"ftyp", "mov", "M4A/MP4"),
    (lambda head: head[:4] == b"\x1a\x45\xdf\xa3", "matroska", "Matroska/WebM"),
    (lambda head: head[:4] == b"\x30\x26\xb2\x75", "asf", "WMA"),
    (lambda head: head[:2] in (b"\xff\xf1", b"\xff\xf9"), "aac", "AAC"),
)
"""The containers decoded through FFmpeg: how their first bytes look, FFmpeg's demuxer and their name."""

_ESTIMATED_LENGTH = {"aac"}
"""Demuxers whose length is estimated from the bit rate (raw AAC has no index): no truncation check."""


@dataclass(frozen=True)
class AudioSource:
    """An audio file that opened and passed the checks that need no decoding.

    ``demuxer`` is the FFmpeg demuxer that decodes it, or empty when libsndfile does.
    """

    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str
    demuxer: str = ""

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
        announced = _open_with_ffmpeg(source, error)
    else:
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
    for block in _ffmpeg_blocks(source, block_frames) if source.demuxer else _libsndfile_blocks(source, block_frames):
        mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
        if not np.all(np.isfinite(mono)):
            raise ToonbeatError(f"{source.path}: the audio contains invalid (NaN or infinite) samples")
        delivered += len(mono)
        peak = max(peak, float(np.max(np.abs(mono))))
        yield mono
    if source.demuxer not in _ESTIMATED_LENGTH and delivered < source.frames * (1 - _TRUNCATION_TOLERANCE):
        raise ToonbeatError(
            f"{source.path}: the file is truncated (decoded {delivered / source.sample_rate:.2f} s "
            f"of {source.duration:.2f} s)"
        )
    if delivered < MIN_DURATION * source.sample_rate:
        raise ToonbeatError(f"{source.path}: only {delivered / source.sample_rate:.2f} s of audio could be decoded")
    if peak < SILENCE_PEAK:
        raise ToonbeatError(f"{source.path}: the audio is silent")


def _libsndfile_blocks(source: AudioSource, block_frames: int) -> Iterator[np.ndarray]:
    """``[frames, channels]`` float32 blocks decoded by libsndfile."""
    try:
        with soundfile.SoundFile(str(source.path)) as stream:
            while len(block := stream.read(block_frames, dtype="float32", always_2d=True)):
                yield block
    except RuntimeError as error:
        raise ToonbeatError(f"{source.path}: the audio data is corrupt or truncated ({_reason(error)})") from error


def _open_with_ffmpeg(source: Path, libsndfile_error: BaseException) -> AudioSource:
    """Describe ``source`` through FFmpeg when its first bytes name one of ``FFMPEG_CONTAINERS``."""
    with open(source, "rb") as stream:
        head = stream.read(16)
    found = next(((demuxer, name) for looks_like, demuxer, name in FFMPEG_CONTAINERS if looks_like(head)), None)
    if found is None:
        raise ToonbeatError(f"{source}: not an audio file Toonbeat can read ({_reason(libsndfile_error)})")
    demuxer, name = found
    av = _pyav(source, name)
    try:
        with av.open(str(source.resolve()), format=demuxer) as container:
            if not container.streams.audio:
                raise ToonbeatError(f"{source}: the {name} file has no audio track")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                seconds = (container.duration or 0) / av.time_base
            rate, channels = stream.rate, stream.channels
    except av.FFmpegError as error:
        raise ToonbeatError(f"{source}: the {name} file cannot be read ({_ffmpeg_reason(error)})") from error
    if rate <= 0 or channels <= 0:
        raise ToonbeatError(f"{source}: the audio header is invalid")
    return AudioSource(source, rate, channels, round(seconds * rate), name, demuxer)


def _ffmpeg_blocks(source: AudioSource, block_frames: int) -> Iterator[np.ndarray]:
    """``[frames, channels]`` float32 blocks decoded by FFmpeg, at the announced sample rate."""
    av = _pyav(source.path, source.format)
    pending: list[np.ndarray] = []
    held = 0
    try:
        with av.open(str(source.path.resolve()), format=source.demuxer) as container:
            resampler = av.AudioResampler(format="fltp", rate=source.sample_rate)
            for frame in itertools.chain(container.decode(container.streams.audio[0]), [None]):  # None: flush
                for converted in resampler.resample(frame):
                    pending.append(converted.to_ndarray().T)
                    held += converted.samples
                if held >= block_frames or (frame is None and held):
                    yield np.ascontiguousarray(np.concatenate(pending), dtype=np.float32)
                    pending, held = [], 0
    except av.FFmpegError as error:
        reason = _ffmpeg_reason(error)
        raise ToonbeatError(f"{source.path}: the audio data is corrupt or truncated ({reason})") from error


def _pyav(source: Path, name: str) -> ModuleType:
    """The ``av`` module (PyAV), or a ``ToonbeatError`` saying how to install it."""
    try:
        import av
    except ImportError as error:
        raise ToonbeatError(f"{source}: reading {name} needs PyAV: pip install av") from error
    return av


def _ffmpeg_reason(error: BaseException) -> str:
    """FFmpeg's message without its error number and the path."""
    return str(getattr(error, "strerror", None) or error).rstrip(".")


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
