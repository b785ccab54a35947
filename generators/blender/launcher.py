"""Start Blender for Toonbeat's ``render`` and ``bake``: a ``blender`` binary when there is one,
else Blender as a Python module (PyPI ``bpy``) in a child Python.

Either way the work runs in a child process: a Blender crash cannot take the
caller down, and its chatter (``Video append frame ...``) is filtered out of the
progress lines.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

from ..errors import ToonbeatError

_NOISE = ("append frame", "Fra:", "Saved:", "Time:", "Blender quit", "Read prefs", "Color management")


def find_blender(explicit: str | None = None) -> str | None:
    """The Blender binary to use: ``explicit``, ``$TOONBEAT_BLENDER`` or ``blender`` on PATH."""
    for candidate in (explicit, os.environ.get("TOONBEAT_BLENDER")):
        if candidate:
            found = shutil.which(candidate)
            if found is None:
                raise ToonbeatError(f"{candidate}: no such Blender executable")
            return found
    return shutil.which("blender")


def blender_command(arguments: Sequence[str], blender: str | None = None) -> list[str]:
    """The command line that runs ``toonbeat <arguments>`` inside Blender."""
    binary = find_blender(blender)
    if binary is not None:
        return [binary, "-b", "--command", "toonbeat", *arguments]
    if importlib.util.find_spec("bpy") is None:
        raise ToonbeatError(
            "no Blender found: put 'blender' on PATH (or pass --blender PATH), "
            "or install Blender as a Python module with: pip install 'toonbeat[blender]'"
        )
    return [sys.executable, "-m", "addon", *arguments]


def run_in_blender(arguments: Sequence[str], blender: str | None = None,
                   echo: Callable[[str], None] = print) -> int:
    """Run ``toonbeat <arguments>`` in Blender, passing its useful output lines to ``echo``.

    Blender's errors go straight to this process's standard error.
    """
    command = blender_command(arguments, blender)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                          bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            text = line.rstrip()
            if text and not any(noise in text for noise in _NOISE):
                echo(text)
        code = process.wait()
    if code != 0 and command[0] != sys.executable:
        echo("toonbeat: if Blender says it does not know the command 'toonbeat', install the extension: "
             "blender --command extension install-file -r user_default -e dist/toonbeat-*.zip --enable")
    return code
