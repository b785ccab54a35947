"""Read a PNG's size and format from its header, to check images before any strip or plane is made
(and before any decoding: an image over ``input_limits.MAX_IMAGE_PIXELS`` is refused here);
write 8-bit RGBA PNGs (keyed copies of pose images) marked as Toonbeat's."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from .files import write_bytes_atomically
from .input_limits import check_image_pixels
from .overwrite import MADE_BY, PNG_SOFTWARE_KEY

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


def read_png_info(path: str | Path) -> PngInfo:
    """The size and format of the PNG at ``path``; ``ImageError`` if missing, unreadable or not a PNG,
    ``InputLimitError`` if it has more pixels than Toonbeat decodes."""
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
    check_image_pixels(path, width, height)
    return PngInfo(width, height, bit_depth, _COLOR_TYPES[color_type])


def write_png(path: str | Path, rgba: bytes | bytearray, width: int, height: int) -> None:
    """Write straight 8-bit RGBA pixels, rows from the bottom up (Blender's order), as a PNG.

    The file appears complete or not at all (written beside it, then renamed).
    """
    if len(rgba) != width * height * 4:
        raise ValueError(f"expected {width * height * 4} bytes of RGBA for {width}x{height}, got {len(rgba)}")
    row_bytes = width * 4
    rows = b"".join(b"\0" + bytes(rgba[y * row_bytes:(y + 1) * row_bytes]) for y in reversed(range(height)))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    mark = _chunk(b"tEXt", f"{PNG_SOFTWARE_KEY}\0{MADE_BY}".encode("latin-1"))
    data = (_SIGNATURE + _chunk(b"IHDR", header) + mark + _chunk(b"IDAT", zlib.compress(rows, 6))
            + _chunk(b"IEND", b""))
    write_bytes_atomically(data, path)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
