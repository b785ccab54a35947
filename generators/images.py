"""The generators' side of Toonbeat's image rules (Pillow): the add-on's pixel limit, checked on the
header before decoding, and PNGs marked as Toonbeat's so a later run may replace them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, PngImagePlugin

from addon.core.input_limits import MAX_IMAGE_PIXELS, check_image_pixels
from addon.core.overwrite import MADE_BY, PNG_SOFTWARE_KEY
from addon.core.png import read_png_info

from .errors import ToonbeatError

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def toonbeat_png_info() -> PngImagePlugin.PngInfo:
    """The text chunk that marks a PNG as Toonbeat's; pass it as ``image.save(..., pnginfo=...)``."""
    info = PngImagePlugin.PngInfo()
    info.add_text(PNG_SOFTWARE_KEY, MADE_BY)
    return info


def open_image(path: str | Path) -> Image.Image:
    """Open and decode the image at ``path``; ``ToonbeatError`` naming the file when it is unreadable or
    has more pixels than Toonbeat decodes (checked on the header, before any pixel is decoded)."""
    try:
        if Path(path).suffix.lower() == ".png":
            read_png_info(path)
        image = Image.open(path)
        check_image_pixels(path, *image.size)
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ToonbeatError(f"{path}: cannot read the image ({error})") from error
    return image
