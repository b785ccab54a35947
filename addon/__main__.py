"""``python -m addon render|bake ...``: Toonbeat's Blender command with Blender as a Python module (PyPI bpy).

Registers the add-on in this process, then runs what ``blender -b --command
toonbeat`` runs. Not part of the extension package: Blender itself never runs it.
"""

import os
import sys

from . import cli_command, register

register()
code = cli_command.main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.flush()
# Blender 4.5 as a module can crash in its own interpreter teardown after a render
# (exit code -11 with every file written); the work is done, so leave at once.
os._exit(code)
