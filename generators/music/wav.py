"""Writing WAVs: atomically, and marked as Toonbeat's (``ISFT`` in the ``INFO`` list, see ``addon.core.overwrite``)."""

from __future__ import annotations

import os

import numpy as np
import soundfile

from addon.core.files import atomic_path
from addon.core.overwrite import MADE_BY


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> None:
    """Write ``samples`` (float in -1..1, ``(n,)`` or ``(n, channels)``) as a PCM WAV, whole or not at all."""
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with atomic_path(path) as temporary, soundfile.SoundFile(temporary, "w", sample_rate, channels, subtype=subtype,
                                                            format="WAV") as stream:
        stream.software = MADE_BY
        stream.write(np.clip(samples, -1.0, 1.0))
