"""Drawings traced for Grease Pencil once: each traced image is kept under the user's Toonbeat folder.

Tracing a 768 px drawing takes about 0.4 s on one core, and a character of six
looping moves has about a hundred drawings. The shapes of every traced image are
saved as JSON named by the SHA-256 of the image file and the tracing version
(``traced/<hash>.json``), so importing the character again (or another
character drawn from the same files) reads them back instead of tracing again.
A damaged saved tracing is traced again and replaced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from ..core.files import write_json_atomically
from ..core.tracing import TRACING_VERSION, Tracing, trace, tracing_from_dict, tracing_to_dict
from ..preferences import user_data_folder
from .images import read_pixels

CACHE_FOLDER = "traced"


def saved_tracing(path: Path) -> Path:
    """Where the tracing of the image at ``path`` is kept: named by the image's content and the tracing version."""
    digest = hashlib.sha256(path.read_bytes() + f"tracing {TRACING_VERSION}".encode()).hexdigest()
    return user_data_folder(CACHE_FOLDER) / f"{digest[:32]}.json"


def untraced(paths: Iterable[Path]) -> list[Path]:
    """The images among ``paths`` without a saved tracing yet: what importing them will trace."""
    return [path for path in paths if not saved_tracing(path).is_file()]


def traced(path: Path) -> Tracing:
    """The shapes of the image at ``path``: read from the saved tracing of its content, else traced and saved."""
    saved = saved_tracing(path)
    if saved.is_file():
        try:
            return tracing_from_dict(json.loads(saved.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    pixels = read_pixels(path)
    tracing = trace(pixels.rgba, pixels.width, pixels.height)
    write_json_atomically(tracing_to_dict(tracing), saved)
    return tracing
