"""Where the library is, registering it with Blender's Asset Browser, and filling it as Toonbeat works."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import bpy

from ..core import library
from ..core.background_process import BackgroundProcess
from ..core.library import LibraryEntry
from ..preferences import preferences, user_data_folder
from ..render.chunks import blender_child_command

ASSET_LIBRARY_NAME = "Toonbeat"

LOG = logging.getLogger("toonbeat")


def library_folder(context: bpy.types.Context | None = None) -> Path:
    """The library folder: the preference, else ``$TOONBEAT_LIBRARY``, else Toonbeat's user data folder."""
    chosen = preferences(context).library_path
    if chosen:
        return Path(bpy.path.abspath(chosen))
    if os.environ.get(library.LIBRARY_ENV):
        return library.default_library()
    return user_data_folder("library")


def register_asset_library(folder: Path) -> bool:
    """List ``folder`` among the Preferences' asset libraries (once); returns whether it was added."""
    libraries = bpy.context.preferences.filepaths.asset_libraries
    wanted = str(folder.resolve())
    if any(Path(bpy.path.abspath(known.path)).resolve() == Path(wanted) for known in libraries if known.path):
        return False
    libraries.new(name=ASSET_LIBRARY_NAME, directory=wanted)
    return True


class AssetMaker:
    """The one background Blender that makes the library's missing asset files; the panel shows its state."""

    def __init__(self) -> None:
        self.process: BackgroundProcess | None = None
        self.message = ""
        self._again: Path | None = None

    def start(self, folder: Path) -> None:
        """Make ``folder``'s missing asset files in a Blender of their own (after the one running, if any).

        Without a window (``blender -b``, Blender as a module) no timer would ever
        poll it, and nothing can freeze: then it runs to its end before returning.
        """
        command = [*blender_child_command(), "library-assets", str(folder)]
        if bpy.app.background:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = (done.stdout + done.stderr).strip().splitlines() or [f"exit code {done.returncode}"]
            self.message = lines[-1] if done.returncode == 0 else f"Asset files failed: {lines[-1]}"
            return
        if self.process is not None:
            self._again = folder
            return
        self.process = BackgroundProcess(command)
        self.message = "Making asset files..."
        if not bpy.app.timers.is_registered(self._poll):
            bpy.app.timers.register(self._poll, first_interval=0.5)

    def _poll(self) -> float | None:
        if self.process is None:
            return None
        code = self.process.poll()
        if code is None:
            return 0.5
        self.message = self.process.last_line if code == 0 else f"Asset files failed: {self.process.last_line}"
        self.process = None
        if self._again is not None:
            folder, self._again = self._again, None
            self.start(folder)
        return None


ASSET_MAKER = AssetMaker()


def keep(context: bpy.types.Context, kind: str, source: Path, **details: object) -> LibraryEntry | None:
    """Add what a step just made or imported to the library, when the preferences ask for it.

    Returns the entry (a new version only when the files changed), or None when
    adding is switched off, the source already lives in the library, or adding
    failed: the step itself has succeeded, so a library problem is only shown in
    the Library panel, never raised. A new entry's asset file is made in the background.
    """
    folder = library_folder(context)
    if not preferences(context).add_to_library or Path(source).resolve().is_relative_to(folder.resolve()):
        return None
    try:
        entry, added = library.add(folder, kind, source, **details)  # type: ignore[arg-type]
    except (ValueError, OSError) as error:
        ASSET_MAKER.message = f"Not added to the library: {error}"
        LOG.warning("Toonbeat: %s", ASSET_MAKER.message)
        return None
    if added:
        ASSET_MAKER.start(folder)
    return entry
