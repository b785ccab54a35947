"""Beat This! as an alternative beat and downbeat tracker (``toonbeat analyze --tracker beat-this``).

Beat This! (Foscarin, Schlüter & Widmer 2024; MIT code and weights) is a
transformer over a log-mel spectrogram that gives beats and downbeats without
a tempo model. It needs torch, so it runs only in the generators' environment
and only when the user has installed it (``pip install 'toonbeat[beat-this]'``)
and downloaded a checkpoint (``final0``, from the authors' page linked in the
package's README; Toonbeat never downloads it). Everything after the beats
(meter, sections, drops, onsets, energy) is Toonbeat's own analysis.

References
----------
.. [1] Foscarin, F., Schlüter, J., & Widmer, G. (2024). Beat this! Accurate beat
   tracking without DBN postprocessing. ISMIR.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from generators.errors import ToonbeatError

from .downbeats import METERS, Bars

CHECKPOINT_ENVIRONMENT = "TOONBEAT_BEAT_THIS_CHECKPOINT"
CHECKPOINT_FILE = "beat_this-final0.ckpt"
"""The checkpoint's name where Beat This! itself keeps it (torch hub's ``checkpoints`` folder)."""


def default_checkpoint() -> Path:
    """``$TOONBEAT_BEAT_THIS_CHECKPOINT``, else where Beat This! caches ``final0`` (``$TORCH_HOME/hub/checkpoints``)."""
    if os.environ.get(CHECKPOINT_ENVIRONMENT):
        return Path(os.environ[CHECKPOINT_ENVIRONMENT])
    torch_home = Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch"))
    return torch_home / "hub" / "checkpoints" / CHECKPOINT_FILE


Tracker = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]
"""Beat and downbeat times (seconds) of mono samples at a sample rate."""


def load(checkpoint: Path | None = None) -> Tracker:
    """Beat This! with ``checkpoint`` (``default_checkpoint()`` when None), on the CPU.

    Raises ``ToonbeatError`` naming the missing package or checkpoint, or the checkpoint it cannot use.
    """
    path = checkpoint or default_checkpoint()
    try:
        import beat_this.inference  # noqa: F401 (checked here so that a missing package is named)
    except ImportError as error:
        raise ToonbeatError(
            f"--tracker beat-this needs the Python package {error.name or 'beat_this'!r} in the generators' "
            "environment: pip install 'toonbeat[beat-this]'"
        ) from error
    if not path.is_file():
        raise ToonbeatError(
            f"Beat This!'s checkpoint {path} is missing: download 'final0' (MIT licence) as the beat_this "
            f"package's README says, then pass --beat-this-checkpoint or set {CHECKPOINT_ENVIRONMENT}"
        )
    model = _model(path.resolve())

    def track(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        beats, downbeats = model(samples.astype(np.float64), sample_rate)
        return np.asarray(beats, dtype=float), np.asarray(downbeats, dtype=float)

    return track


@lru_cache(maxsize=1)
def _model(path: Path) -> Any:
    """Beat This!'s ``Audio2Beats`` on the CPU, loaded once for a batch of songs."""
    from beat_this.inference import Audio2Beats

    try:
        return Audio2Beats(checkpoint_path=str(path), device="cpu")
    except (KeyError, RuntimeError, ValueError) as error:
        raise ToonbeatError(f"Beat This! cannot use the checkpoint {path}: {error}") from error


def bars_of(beats: np.ndarray, downbeats: np.ndarray) -> Bars:
    """Meter and each beat's position from a tracker's ``beats`` and ``downbeats`` (seconds).

    The meter is the most common number of beats between downbeats (3 or 4);
    positions count up from each downbeat (a longer bar starts over) and back
    from the first one.
    """
    index = np.arange(len(beats))
    starts = np.unique(np.abs(beats[:, None] - downbeats[None, :]).argmin(axis=0)) if len(beats) else index
    if len(starts) == 0:
        return Bars(index % 4 + 1, 4)
    lengths = np.diff(starts)
    meter = max(METERS, key=lambda m: (int(np.sum(lengths == m)), m))
    last_start = starts[np.maximum(np.searchsorted(starts, index, side="right") - 1, 0)]
    since = np.where(index >= starts[0], index - last_start, index - starts[0])
    return Bars(since % meter + 1, meter)
