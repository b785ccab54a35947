"""Add-on preferences: where the generators live and how to reach their service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

ROOT_PACKAGE = __package__ or "toonbeat"
DEFAULT_SERVICE_URL = "http://127.0.0.1:8765"
SET_GENERATORS_PYTHON = ("Set the Generators Python in Toonbeat's preferences: the Python of the environment "
                         "where you ran 'pip install toonbeat[gen]'")
"""The one install hint, shown wherever the generators are needed and not set up."""


class TOONBEAT_AP_preferences(bpy.types.AddonPreferences):
    """Toonbeat's preferences: the generators' Python and the job service."""

    bl_idname = ROOT_PACKAGE

    generators_python: bpy.props.StringProperty(
        name="Generators Python",
        subtype="FILE_PATH",
        description="Python of the environment where you ran 'pip install toonbeat[gen]'; "
        "used to analyze songs and to start a local service",
    )
    service_url: bpy.props.StringProperty(
        name="Service Address",
        default=DEFAULT_SERVICE_URL,
        description="Toonbeat job service ('toonbeat serve'); another machine needs a token and online access",
    )
    service_token: bpy.props.StringProperty(
        name="Token", subtype="PASSWORD", description="Token of a service that runs on another machine",
    )

    library_path: bpy.props.StringProperty(
        name="Library Folder",
        subtype="DIR_PATH",
        description="Toonbeat's library of songs, characters, backgrounds, clips and presets, shown in the "
        "Asset Browser; empty: $TOONBEAT_LIBRARY, else a folder in Toonbeat's user data",
    )
    add_to_library: bpy.props.BoolProperty(
        name="Add Results to the Library",
        default=True,
        description="Put analyzed songs, imported characters and backgrounds and generated results into the "
        "library as they are made (a new version when they changed, never overwriting)",
    )

    def draw(self, _context: bpy.types.Context) -> None:
        """Draw the preferences."""
        layout = self.layout
        layout.prop(self, "generators_python")
        layout.prop(self, "service_url")
        layout.prop(self, "service_token")
        layout.prop(self, "library_path")
        layout.prop(self, "add_to_library")


def preferences(context: bpy.types.Context | None = None) -> TOONBEAT_AP_preferences:
    """Toonbeat's preferences."""
    found: Any = (context or bpy.context).preferences.addons[ROOT_PACKAGE].preferences
    return found


def user_data_folder(subfolder: str) -> Path:
    """A folder for the user's Toonbeat files (presets, keyed images), created if missing.

    Installed as an extension this is Blender's per-extension user folder; imported
    as a plain package (Blender as a Python module) it is under Blender's config folder.
    """
    if ROOT_PACKAGE.startswith("bl_ext."):
        folder = Path(bpy.utils.extension_path_user(ROOT_PACKAGE, path=subfolder, create=True))
    else:
        folder = Path(bpy.utils.user_resource("CONFIG", path=f"toonbeat/{subfolder}", create=True))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def user_preset_folder() -> Path:
    """Where the user's own choreography presets live."""
    return user_data_folder("presets")


classes = (TOONBEAT_AP_preferences,)
register, unregister = bpy.utils.register_classes_factory(classes)
