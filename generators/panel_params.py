"""Write ``addon/core/generator_params.json``: the generators' parameter defaults and limits, for the panel.

Run ``python -m generators.panel_params`` after changing a parameter model; a test fails until you do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from addon.core.files import write_bytes_atomically

from .art.params import BackgroundParams, CharacterParams
from .music.params import MusicParams
from .parameters import panel_limits
from .video.params import ClipParams

PANEL_PARAMS = Path(__file__).resolve().parents[1] / "addon" / "core" / "generator_params.json"


def described() -> dict[str, Any]:
    """The document ``addon/core/generator_params.json`` should hold."""
    return panel_limits({"music": MusicParams, "character": CharacterParams, "backgrounds": BackgroundParams,
                         "clip": ClipParams})


def text() -> str:
    """The file's text."""
    return json.dumps(described(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    write_bytes_atomically(text().encode(), PANEL_PARAMS)
    print(f"wrote {PANEL_PARAMS}")
