"""Does this audio file still match the beat file made from it?"""

from __future__ import annotations

import wave
from pathlib import Path

from .beatfile import BeatData
from .files import known_sha256
from .input_limits import unreadable_reason

_UNKNOWN_HASH = "0" * 64
_DURATION_TOLERANCE = 0.05


class AudioMismatchError(ValueError):
    """The audio and the beat file disagree: the beat file belongs to another recording."""


def wav_duration(path: str | Path) -> float | None:
    """Length in seconds of a PCM WAV file, or ``None`` when the standard library cannot read it."""
    try:
        with wave.open(str(path), "rb") as handle:
            return handle.getnframes() / handle.getframerate()
    except (wave.Error, EOFError, OSError):
        return None


def check_audio_matches(audio: str | Path, beats: BeatData) -> None:
    """Raise ``AudioMismatchError`` when ``audio`` is not the file ``beats`` describes
    (``FileNotFoundError`` when it cannot be read).

    Legacy beat files carry no hash and pass unless the WAV is shorter than the last beat.
    """
    path = Path(audio)
    reason = unreadable_reason(path)
    if reason is not None:
        raise FileNotFoundError(f"{path}: cannot read the audio file: {reason}")
    if beats.audio.sha256 != _UNKNOWN_HASH:
        actual = known_sha256(path)
        if actual != beats.audio.sha256:
            duration = wav_duration(path)
            length = f" ({duration:.2f} s against {beats.audio.duration:.2f} s)" if duration is not None else ""
            raise AudioMismatchError(
                f"{path} does not match its beat file: the beat file was made from other audio{length}; "
                "analyze this file again"
            )
        return
    duration = wav_duration(path)
    if duration is not None and beats.beats and duration + _DURATION_TOLERANCE < beats.beats[-1]:
        raise AudioMismatchError(
            f"{path} lasts {duration:.2f} s but its beat file has beats up to {beats.beats[-1]:.2f} s"
        )
