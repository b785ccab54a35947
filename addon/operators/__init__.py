"""Toonbeat's operators, one per file, registered in the order of the steps."""

import bpy

from .analyze import TOONBEAT_OT_analyze
from .bake import TOONBEAT_OT_bake
from .cancel_job import TOONBEAT_OT_cancel_job
from .clear_jobs import TOONBEAT_OT_clear_jobs
from .generate_art import TOONBEAT_OT_generate_art
from .generate_clip import TOONBEAT_OT_generate_clip
from .generate_music import TOONBEAT_OT_generate_music
from .import_backgrounds import TOONBEAT_OT_import_backgrounds
from .import_character import TOONBEAT_OT_import_character
from .library_add_to_scene import TOONBEAT_OT_library_add_to_scene
from .library_refresh import TOONBEAT_OT_library_refresh
from .load_song import TOONBEAT_OT_load_song
from .render_video import TOONBEAT_OT_render_video
from .retry_job import TOONBEAT_OT_retry_job
from .start_service import TOONBEAT_OT_start_service

classes = (
    TOONBEAT_OT_start_service,
    TOONBEAT_OT_generate_music,
    TOONBEAT_OT_generate_art,
    TOONBEAT_OT_generate_clip,
    TOONBEAT_OT_cancel_job,
    TOONBEAT_OT_retry_job,
    TOONBEAT_OT_clear_jobs,
    TOONBEAT_OT_analyze,
    TOONBEAT_OT_load_song,
    TOONBEAT_OT_import_character,
    TOONBEAT_OT_import_backgrounds,
    TOONBEAT_OT_bake,
    TOONBEAT_OT_render_video,
    TOONBEAT_OT_library_refresh,
    TOONBEAT_OT_library_add_to_scene,
)
register, unregister = bpy.utils.register_classes_factory(classes)
