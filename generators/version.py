"""Toonbeat's version, for the side files and the service that record it."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def toonbeat_version() -> str:
    """The installed package's version, or the checkout's ``pyproject.toml`` version when run from source."""
    if _PYPROJECT.is_file():
        with open(_PYPROJECT, "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    try:
        return metadata.version("toonbeat")
    except metadata.PackageNotFoundError:
        return "unknown"
