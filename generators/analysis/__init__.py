"""Beat analysis: tempo, beats, downbeats, sections, drops, onsets and energy of a song.

``analyze_file(path)`` returns an ``addon.core.beatfile.BeatData``; save it with
``addon.core.beatfile.save``. ``toonbeat analyze`` is the command line for it.
This package imports nothing heavy, so importing it keeps ``--help`` instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analyze import analyze_file as analyze_file


TRACKERS = ("toonbeat", "beat-this")
"""The beat trackers ``analyze_file`` offers: Toonbeat's own, or Beat This! where it is installed."""


def __getattr__(name: str) -> object:
    """``analyze_file`` from ``analyze`` on first use: numpy and scipy load only when a song is analyzed."""
    if name == "analyze_file":
        from .analyze import analyze_file

        return analyze_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
