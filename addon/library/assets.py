"""Blender assets for library entries: one small .blend per entry version, in the version's folder.

Image and sound data-blocks appear in the Asset Browser only behind experimental
filters, so every entry is wrapped in a **Collection**: the one data-block type that
shows in every Asset Browser from 4.2 on, can be dragged into the 3D View and the
Outliner, and carries custom properties. A character, a background set or a clip
holds an image plane of its preview; a song holds a Speaker playing it; a preset
holds nothing but its description. The collection's ``toonbeat_library`` property
names the entry, so dropping it sets the entry up (``library.drop``).

The asset file is made once and never rewritten, by a Blender process of its own
(``blender -b --command toonbeat library-assets LIBRARY``, which ``toonbeat library
add`` and the add-on's Refresh Library start): Blender writes the previews the Asset
Browser shows only when it saves a whole file, and the artist's open file must not
be touched, so the asset file is the whole file of that process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy
import numpy as np

from ..core import asset_catalogs, beatfile, library
from ..core.files import atomic_path
from ..core.library import LibraryEntry
from ..stage import planes

CARRIER_PROPERTY = "toonbeat_library"
PREVIEW_PIXELS = 128


def make_missing_assets(folder: Path) -> tuple[int, int]:
    """Write the asset file of every entry in the library ``folder`` that has none; returns (entries, written).

    Each is written from an empty file, which replaces whatever this Blender had
    open: call it only in a Blender process started for it (``library-assets``).
    """
    found = library.entries(folder)
    written = 0
    for entry in found:
        if not entry.asset_blend.exists():
            _write_asset_file(entry)
            written += 1
    return len(found), written


def _write_asset_file(entry: LibraryEntry) -> None:
    bpy.ops.wm.read_homefile(use_empty=True)
    _carrier(entry)
    with atomic_path(entry.asset_blend) as temporary:
        bpy.ops.wm.save_as_mainfile(filepath=str(temporary), copy=True, compress=False)


def _carrier(entry: LibraryEntry) -> Any:
    """The asset collection of ``entry``, marked, tagged, in its catalog, with a preview."""
    carrier = bpy.data.collections.new(f"{entry.title} v{entry.version}")
    carrier[CARRIER_PROPERTY] = {"kind": entry.kind, "reference": entry.reference, "folder": entry.relative_folder}
    preview = _preview_pixels(entry)
    if entry.kind == "song":
        _add_speaker(carrier, entry)
    elif entry.preview:
        plane = planes.new_plane(entry.name, entry.folder / entry.preview, (0.5, 1.0), carrier)
        image = plane.data.materials[0].node_tree.nodes["Image"].image
        image.filepath = _relative(entry.folder / entry.preview, entry)
    carrier.asset_mark()
    data = carrier.asset_data
    data.catalog_id = asset_catalogs.ensure_catalogs(entry.library, [entry.catalog])
    data.description = _description(entry)
    data.license = str(entry.origin.get("licence", ""))
    for tag in entry.tags:
        data.tags.new(tag, skip_if_exists=True)
    if preview is not None:
        image = carrier.preview_ensure()
        image.image_size = (PREVIEW_PIXELS, PREVIEW_PIXELS)
        image.image_pixels_float.foreach_set(preview.ravel())  # type: ignore[arg-type]
    return carrier


def _add_speaker(carrier: Any, entry: LibraryEntry) -> None:
    speaker = bpy.data.speakers.new(entry.name)
    speaker.sound = bpy.data.sounds.load(str(entry.main_path), check_existing=True)
    speaker.sound.filepath = _relative(entry.main_path, entry)
    carrier.objects.link(bpy.data.objects.new(entry.name, speaker))


def _relative(path: Path, entry: LibraryEntry) -> str:
    """``path`` relative to the asset file (``//idle.png``), so the library can move or sync as a folder."""
    return "//" + path.relative_to(entry.folder).as_posix()


def _description(entry: LibraryEntry) -> str:
    parts = [entry.kind.title()]
    if entry.bpm is not None:
        parts.append(f"{entry.bpm:g} BPM")
    if entry.sections:
        parts.append("sections: " + ", ".join(entry.sections))
    for key in ("prompt", "model", "seed"):
        if entry.origin.get(key) not in (None, ""):
            parts.append(f"{key}: {entry.origin[key]}")
    return "; ".join(parts)


def _preview_pixels(entry: LibraryEntry) -> np.ndarray | None:
    """A square RGBA float preview, bottom row first (Blender's order): the preview image, or a song's energy."""
    if entry.kind == "song":
        beats = beatfile.load(entry.folder / f"{Path(entry.main).stem}.beats.json")
        return _energy_picture(np.asarray(beats.energy.overall, dtype=np.float32))
    if not entry.preview:
        return None
    image = bpy.data.images.load(str(entry.folder / entry.preview))
    try:
        size: Any = image.size
        width, height = int(size[0]), int(size[1])
        pixels = np.empty(width * height * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
    return _fit_square(pixels.reshape(height, width, 4))


def _fit_square(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` scaled (nearest sample) to fit a transparent square of PREVIEW_PIXELS."""
    height, width = pixels.shape[:2]
    scale = PREVIEW_PIXELS / max(width, height)
    new_width, new_height = max(1, round(width * scale)), max(1, round(height * scale))
    rows = np.minimum((np.arange(new_height) / scale).astype(int), height - 1)
    columns = np.minimum((np.arange(new_width) / scale).astype(int), width - 1)
    square = np.zeros((PREVIEW_PIXELS, PREVIEW_PIXELS, 4), dtype=np.float32)
    top, left = (PREVIEW_PIXELS - new_height) // 2, (PREVIEW_PIXELS - new_width) // 2
    square[top:top + new_height, left:left + new_width] = pixels[rows][:, columns]
    return square


def _energy_picture(energy: np.ndarray) -> np.ndarray:
    """Bars of the song's energy over time, light on dark: a song's preview."""
    square = np.zeros((PREVIEW_PIXELS, PREVIEW_PIXELS, 4), dtype=np.float32)
    square[..., :3], square[..., 3] = (0.08, 0.06, 0.12), 1.0
    if energy.size == 0:
        return square
    # The mean per column from the song's quietest to its loudest: a drum's every hit would fill each column's max.
    means = np.array([column.mean() if column.size else 0.0 for column in np.array_split(energy, PREVIEW_PIXELS)])
    low, span = float(means.min()), max(float(means.max() - means.min()), 1e-9)
    for x, mean in enumerate(means):
        level = 0.15 + 0.85 * (float(mean) - low) / span
        bar = max(1, round(level * (PREVIEW_PIXELS - 8)))
        square[4:4 + bar, x, :3] = (1.0, 0.35 + 0.5 * level, 0.2)
    return square
