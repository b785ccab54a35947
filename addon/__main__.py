"""``python -m addon render|bake ...``: Toonbeat's Blender command with Blender as a Python module (PyPI bpy).

Registers the add-on in this process, then runs what ``blender -b --command
toonbeat`` runs. Not part of the extension package: Blender itself never runs it.
"""

import sys

from . import cli_command, register

register()
sys.exit(cli_command.main(sys.argv[1:]))
