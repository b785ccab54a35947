"""Background folders: one PNG per section label, and which image a section shows."""

from __future__ import annotations

from pathlib import Path

from .png import ImageError, read_png_info

SECTION_LABELS = ("intro", "build", "drop", "breakdown", "outro")
"""The section labels Toonbeat's analysis gives, so the backgrounds drawn by default: one image each."""

# Where a label has no image of its own, the first of these that exists stands in.
_STAND_INS = {
    "intro": ("breakdown", "outro", "build"),
    "verse": ("intro", "build", "breakdown"),
    "chorus": ("drop",),
    "build": ("intro", "verse"),
    "drop": ("chorus", "build"),
    "breakdown": ("intro", "outro"),
    "outro": ("intro", "breakdown"),
}


def read_backgrounds(folder: str | Path) -> dict[str, Path]:
    """The background images of ``folder`` by label (file name without ``.png``, lower case).

    A folder with one image of any name serves every section.
    """
    root = Path(folder)
    if root.is_file():
        read_png_info(root)
        return {root.stem.lower(): root.resolve()}
    if not root.is_dir():
        raise ImageError(f"{root}: no such background folder or image")
    images = {path.stem.lower(): path.resolve() for path in sorted(root.glob("*.png")) if path.is_file()}
    if not images:
        raise ImageError(f"{root}: no PNG backgrounds (expected intro.png, drop.png, ... or one image)")
    for path in images.values():
        read_png_info(path)
    return images


def background_for(label: str, images: dict[str, Path]) -> Path:
    """The image a section labelled ``label`` shows: its own, a related section's, or the first one."""
    for candidate in (label, *_STAND_INS.get(label, ())):
        if candidate in images:
            return images[candidate]
    return images[sorted(images)[0]]
