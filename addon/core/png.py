"""Read a PNG's size and format from its header, to check images before any strip or plane is made."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {0: "grey", 2: "rgb", 3: "palette", 4: "grey+alpha", 6: "rgba"}


class ImageError(ValueError):
    """An image that cannot be used, with the file and the problem in the message."""


@dataclass(frozen=True)
class PngInfo:
    """What the PNG header says."""

    width: int
    height: int
    bit_depth: int
    color_type: str

    @property
    def has_alpha_channel(self) -> bool:
        """Whether pixels carry their own alpha (palette images may still have a tRNS chunk)."""
        return self.color_type in ("grey+alpha", "rgba")


def read_png_info(path: str | Path) -> PngInfo:
    """The size and format of the PNG at ``path``; ``ImageError`` if missing, unreadable or not a PNG."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(33)
    except OSError as error:
        raise ImageError(f"{path}: cannot read the image ({error.strerror or error})") from error
    if not header.startswith(_SIGNATURE):
        raise ImageError(f"{path}: not a PNG file")
    if len(header) < 33 or header[12:16] != b"IHDR":
        raise ImageError(f"{path}: truncated PNG (no image header)")
    width, height, bit_depth, color_type = struct.unpack(">IIBB", header[16:26])
    if width == 0 or height == 0 or color_type not in _COLOR_TYPES:
        raise ImageError(f"{path}: damaged PNG header")
    return PngInfo(width, height, bit_depth, _COLOR_TYPES[color_type])
