"""Toonbeat's operators, one per file, registered in the order of the steps."""

import bpy

from .analyze import TOONBEAT_OT_analyze
from .bake import TOONBEAT_OT_bake
from .import_backgrounds import TOONBEAT_OT_import_backgrounds
from .import_character import TOONBEAT_OT_import_character
from .load_song import TOONBEAT_OT_load_song
from .render_video import TOONBEAT_OT_render_video

classes = (
    TOONBEAT_OT_analyze,
    TOONBEAT_OT_load_song,
    TOONBEAT_OT_import_character,
    TOONBEAT_OT_import_backgrounds,
    TOONBEAT_OT_bake,
    TOONBEAT_OT_render_video,
)
register, unregister = bpy.utils.register_classes_factory(classes)
