"""Limits on what Toonbeat reads, and why a file cannot be read, each as one clear message.

A small file can ask for a lot: a 20000 x 20000 PNG of a few kilobytes decodes to
1.6 GB, JSON nested 100,000 deep overflows Python's stack. These checks run on
headers and parsed documents before any decoding or arithmetic.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

MAX_IMAGE_PIXELS = 8192 * 8192
"""Largest image (width x height) Toonbeat decodes: 8K square, 256 MiB as RGBA."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and lists in a JSON file Toonbeat reads (a beat file needs 3)."""


class InputLimitError(ValueError):
    """An input over one of Toonbeat's limits; the message names the file, the field and the limit."""


def check_image_pixels(source: str | os.PathLike[str], width: int, height: int) -> None:
    """Raise ``InputLimitError`` when a ``width`` x ``height`` image is over :data:`MAX_IMAGE_PIXELS`."""
    if width * height > MAX_IMAGE_PIXELS:
        raise InputLimitError(
            f"{source}: the image is {width} x {height} pixels ({width * height:,}); "
            f"Toonbeat reads images of at most {MAX_IMAGE_PIXELS:,} pixels (e.g. 8192 x 8192)")


def check_json_depth(document: Any, source: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``InputLimitError`` when ``document`` nests objects and lists more than ``limit`` deep."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    raise InputLimitError(f"{source}: JSON nested more than {limit} levels deep")
                pending.append((child, depth + 1))


def unreadable_reason(path: str | os.PathLike[str]) -> str | None:
    """Why the regular file at ``path`` cannot be read (``None`` when it can): missing, a folder,
    a symlink loop, a broken link or no read permission."""
    target = Path(path)
    try:
        os.stat(target)
    except OSError as error:
        if error.errno == errno.ENOENT and target.is_symlink():
            return f"is a broken link (to {os.readlink(target)})"
        return _STAT_ERRORS.get(error.errno or 0, error.strerror or str(error))
    if target.is_dir():
        return "is a folder, not a file"
    return None if os.access(target, os.R_OK) else "no permission to read it"


_STAT_ERRORS = {
    errno.ELOOP: "is a symlink loop (the link points back to itself)",
    errno.EACCES: "cannot be reached (no permission to a folder on its path)",
    errno.ENOENT: "no such file",
}
