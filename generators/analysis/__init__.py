"""Beat analysis: tempo, beats, downbeats, sections, drops, onsets and energy of a song.

``analyze_file(path)`` returns an ``addon.core.beatfile.BeatData``; save it with
``addon.core.beatfile.save``. ``toonbeat analyze`` is the command line for it.
This package imports nothing heavy, so importing it keeps ``--help`` instant.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from addon.core.beatfile import BeatData

    from .analyze import Progress


TRACKERS = ("toonbeat", "beat-this")
"""The beat trackers ``analyze_file`` offers: Toonbeat's own, or Beat This! where it is installed."""


def analyze_file(
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    tracker: str = "toonbeat",
    beat_this_checkpoint: Path | None = None,
) -> BeatData:
    """Analyze the audio file at ``path``; see ``generators.analysis.analyze.analyze_file``."""
    from .analyze import analyze_file as run_analysis

    return run_analysis(path, progress=progress, tracker=tracker, beat_this_checkpoint=beat_this_checkpoint)
