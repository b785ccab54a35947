"""Blender asset catalogs (``blender_assets.cats.txt``) for Toonbeat's library, without ``bpy``.

A catalog's UUID is ``uuid5`` of its path, so the same catalog has the same UUID on
every machine: a library filled on a cloud GPU and synced home lands in the catalogs
the artist already has. The catalog file is only ever added to: lines Blender or the
artist wrote (their own catalogs, renamed ones, comments) are kept as they are.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from .files import write_bytes_atomically

CATALOG_FILE = "blender_assets.cats.txt"
ROOT_CATALOG = "Toonbeat"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/toonbeat/toonbeat/asset-catalogs")
_HEADER = (
    "# This is an Asset Catalog Definition file for Blender.\n"
    "#\n"
    "# Empty lines and lines starting with `#` will be ignored.\n"
    "# The first non-ignored line should be the version indicator.\n"
    '# Other lines are of the format "UUID:catalog/path/for/assets:simple catalog name"\n'
    "\n"
    "VERSION 1\n"
    "\n"
)


def catalog_uuid(path: str) -> str:
    """The stable UUID of the catalog at ``path`` (``"Toonbeat/Songs/Industrial"``)."""
    return str(uuid.uuid5(_NAMESPACE, _normalized(path)))


def simple_name(path: str) -> str:
    """Blender's "simple name" of a catalog: its path with ``-`` for ``/``."""
    return _normalized(path).replace("/", "-")


def read_catalogs(library: str | os.PathLike[str]) -> dict[str, str]:
    """The catalogs defined in ``library``'s catalog file, as ``{uuid: path}`` (empty when there is none)."""
    file = Path(library) / CATALOG_FILE
    if not file.exists():
        return {}
    catalogs: dict[str, str] = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        fields = line.split(":")
        if line.startswith("#") or len(fields) < 2:
            continue
        catalogs[fields[0].strip()] = fields[1].strip()
    return catalogs


def ensure_catalogs(library: str | os.PathLike[str], paths: list[str]) -> str:
    """Add each of ``paths`` and its parents to ``library``'s catalog file if missing; returns the last's UUID.

    Existing lines are never changed or removed, so a catalog the artist renamed in
    Blender keeps its new name (the UUID is what assets refer to).
    """
    if not paths:
        raise ValueError("ensure_catalogs needs at least one catalog path")
    file = Path(library) / CATALOG_FILE
    existing = read_catalogs(library)
    wanted: list[str] = []
    for path in paths:
        parts = _normalized(path).split("/")
        wanted.extend("/".join(parts[: depth + 1]) for depth in range(len(parts)))
    missing = [p for p in dict.fromkeys(wanted) if catalog_uuid(p) not in existing]
    if missing:
        text = file.read_text(encoding="utf-8") if file.exists() else _HEADER
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join(f"{catalog_uuid(p)}:{p}:{simple_name(p)}\n" for p in missing)
        write_bytes_atomically(text.encode("utf-8"), file)
    return catalog_uuid(paths[-1])


def _normalized(path: str) -> str:
    parts = [part.strip() for part in path.replace("\\", "/").split("/") if part.strip()]
    if not parts or any(":" in part for part in parts):
        raise ValueError(f"not a catalog path: {path!r}")
    return "/".join(parts)
