"""Sidebar panels (a Toonbeat tab) in the 3D View and the Sequencer: one button per step.

Each step's drawing lives in one mixin (``GeneratePanel``, ``SongPanel``, ...);
the registered panels are named classes, one per step and editor, listed in ``classes``.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any

import bpy

from .core.presets import EFFECTS
from .core.progress import progress_text
from .properties import EFFECT_LABELS, settings_of

# Width of a character of the interface font at a UI scale of 1, in pixels (for wrapping long messages).
_CHARACTER_WIDTH = 7.0


def wrapped_label(layout: Any, context: bpy.types.Context, text: str, icon: str = "NONE") -> None:
    """``text`` as whole lines that fit the region's width, so a long message is read to its end."""
    region_width = getattr(context.region, "width", 300)
    scale = context.preferences.system.ui_scale
    columns = max(int((region_width - 40 * scale) / (_CHARACTER_WIDTH * scale)), 16)
    column = layout.column(align=True)
    for number, line in enumerate(textwrap.wrap(text, columns) or [""]):
        column.label(text=line, icon=icon if number == 0 else "BLANK1")


class ToonbeatPanel(bpy.types.Panel):
    """What every Toonbeat panel shares: the sidebar's Toonbeat tab. Only the named panels below, one per
    step and editor, are registered."""

    bl_region_type = "UI"
    bl_category = "Toonbeat"

    def settings_layout(self) -> Any:
        """The panel's layout with each label beside its field, as Blender's own settings panels draw."""
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        return layout


class GeneratePanel(ToonbeatPanel):
    """Step 0 (optional): music, art and video clips from the generators' job service."""

    bl_label = "Generate"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        """Service, music, art, clips and the jobs in flight."""
        from .generation import BOARD
        from .preferences import preferences

        layout = self.settings_layout()
        wanted = settings_of(context.scene).generate
        layout.label(text=f"Service: {preferences(context).service_url}", icon="URL")
        layout.operator("toonbeat.start_service", icon="PLAY")
        music = layout.column(align=True)
        for name in ("music_preset", "music_prompt", "music_seconds", "music_bpm", "music_model", "music_seed"):
            music.prop(wanted, name)
        music.operator("toonbeat.generate_music", text="Generate Music", icon="SOUND")
        art = layout.column(align=True)
        for name in ("art_backend", "character_preset", "character_prompt", "background_preset", "art_model",
                     "art_seed", "art_loras", "art_config", "art_ip_adapter", "art_key_tolerance"):
            art.prop(wanted, name)
        row = art.row(align=True)
        row.operator("toonbeat.generate_art", text="Generate Characters", icon="OUTLINER_OB_ARMATURE").what = (
            "character")
        art.operator("toonbeat.generate_art", text="Generate Backgrounds", icon="IMAGE_BACKGROUND").what = (
            "backgrounds")
        draw_clip_settings(layout, wanted)
        for index, job in enumerate(BOARD.jobs):
            draw_job(layout, context, index, job)
        if BOARD.jobs:
            layout.operator("toonbeat.clear_jobs", icon="TRASH")


def draw_clip_settings(layout: Any, wanted: Any) -> None:
    """The video clip part of the Generate panel: what to make, for which section, and its model."""
    clip = layout.column(align=True)
    for name in ("clip_backend", "clip_move", "clip_prompt", "clip_section", "clip_beats_per_cycle", "clip_frames",
                 "clip_steps", "clip_width", "clip_height", "clip_model", "clip_motion_adapter", "clip_controlnet",
                 "clip_seed"):
        if name != "clip_motion_adapter" or wanted.clip_backend == "animatediff":
            clip.prop(wanted, name)
    clip.operator("toonbeat.generate_clip", text="Generate Clip", icon="FILE_MOVIE")


def draw_job(layout: Any, context: bpy.types.Context, index: int, job: Any) -> None:
    """One job: its name, a cancel button while it runs, its progress with time left, its whole message."""
    box = layout.box()
    row = box.row()
    row.label(text=job.label, icon="ERROR" if job.status == "failed" else "NONE")
    if job.retryable:
        row.operator("toonbeat.retry_job", text="", icon="FILE_REFRESH").index = index
    if job.active:
        row.operator("toonbeat.cancel_job", text="", icon="X").index = index
        box.progress(factor=job.progress, type="BAR",
                     text=progress_text(job.status.title(), job.progress or None, time.monotonic() - job.started))
    else:
        box.label(text=job.status.title(), icon="CHECKMARK" if job.status == "done" else "CANCEL")
    if job.message:
        wrapped_label(box, context, job.message)


class SongPanel(ToonbeatPanel):
    """Step 1: the song and its beats."""

    bl_label = "Song"

    def draw(self, context: bpy.types.Context) -> None:
        """Song, beat file, analysis and markers."""
        from .operators.analyze import PROGRESS, PROGRESS_FACTOR

        layout = self.settings_layout()
        settings = settings_of(context.scene)
        layout.prop(settings, "audio_path")
        layout.prop(settings, "beats_path")
        running = PROGRESS.get(context.scene.name)
        if running is None:
            layout.operator("toonbeat.analyze", icon="SOUND")
        else:
            layout.progress(factor=PROGRESS_FACTOR.get(context.scene.name, 0.0), type="BAR", text=running)
            layout.label(text="Cancel", icon="EVENT_ESC")
        column = layout.column(heading="Also Mark", align=True)
        column.prop(settings, "with_beat_markers", text="Beats")
        column.prop(settings, "with_onset_markers", text="Onsets")
        layout.operator("toonbeat.load_song", icon="MARKER_HLT")


class StagePanel(ToonbeatPanel):
    """Step 2: characters and backgrounds."""

    bl_label = "Stage"

    def draw(self, context: bpy.types.Context) -> None:
        """Stage kind, character and background imports."""
        layout = self.settings_layout()
        settings = settings_of(context.scene)
        layout.prop(settings, "stage", expand=True)
        if settings.stage == "3d":
            layout.prop(settings, "characters_as")
            layout.prop(settings, "stage_engine")
        whole_width = layout.column()
        whole_width.use_property_split = False
        whole_width.prop(settings, "key_background")
        column = layout.column(align=True)
        column.operator("toonbeat.import_character", icon="OUTLINER_OB_ARMATURE")
        column.operator("toonbeat.import_backgrounds", icon="IMAGE_BACKGROUND")


class ChoreographyPanel(ToonbeatPanel):
    """Step 3: preset, effects and the bake."""

    bl_label = "Choreography"

    def draw(self, context: bpy.types.Context) -> None:
        """Preset, one row per effect (name, preset / on / off, strength), seed, Bake."""
        layout = self.layout
        settings = settings_of(context.scene)
        layout.prop(settings, "preset")
        column = layout.column(align=True)
        for name in EFFECTS:
            split = column.split(factor=0.4, align=True)
            split.label(text=EFFECT_LABELS[name])
            controls = split.split(factor=0.5, align=True)
            controls.prop(settings, f"{name}_mode", text="")
            strength = controls.row(align=True)
            strength.active = getattr(settings, f"{name}_mode") != "OFF"
            strength.prop(settings, f"{name}_strength", text="")
        layout.prop(settings, "seed")
        layout.operator("toonbeat.bake", icon="KEYINGSET")


class RenderPanel(ToonbeatPanel):
    """Step 4: the video."""

    bl_label = "Render"

    def draw(self, context: bpy.types.Context) -> None:
        """Output path, quality and the render button."""
        layout = self.settings_layout()
        settings = settings_of(context.scene)
        layout.prop(settings, "output_path")
        layout.prop(settings, "quality")
        render = context.scene.render
        layout.label(text=f"{render.resolution_x}x{render.resolution_y}, frames {context.scene.frame_start}"
                     f"-{context.scene.frame_end}", icon="INFO")
        layout.operator("toonbeat.render_video", icon="RENDER_ANIMATION")


class TOONBEAT_PT_view3d_generate(GeneratePanel):
    bl_space_type = "VIEW_3D"


class TOONBEAT_PT_view3d_song(SongPanel):
    bl_space_type = "VIEW_3D"


class TOONBEAT_PT_view3d_stage(StagePanel):
    bl_space_type = "VIEW_3D"


class TOONBEAT_PT_view3d_choreography(ChoreographyPanel):
    bl_space_type = "VIEW_3D"


class TOONBEAT_PT_view3d_render(RenderPanel):
    bl_space_type = "VIEW_3D"


class TOONBEAT_PT_sequencer_generate(GeneratePanel):
    bl_space_type = "SEQUENCE_EDITOR"


class TOONBEAT_PT_sequencer_song(SongPanel):
    bl_space_type = "SEQUENCE_EDITOR"


class TOONBEAT_PT_sequencer_stage(StagePanel):
    bl_space_type = "SEQUENCE_EDITOR"


class TOONBEAT_PT_sequencer_choreography(ChoreographyPanel):
    bl_space_type = "SEQUENCE_EDITOR"


class TOONBEAT_PT_sequencer_render(RenderPanel):
    bl_space_type = "SEQUENCE_EDITOR"


classes = (
    TOONBEAT_PT_view3d_generate,
    TOONBEAT_PT_view3d_song,
    TOONBEAT_PT_view3d_stage,
    TOONBEAT_PT_view3d_choreography,
    TOONBEAT_PT_view3d_render,
    TOONBEAT_PT_sequencer_generate,
    TOONBEAT_PT_sequencer_song,
    TOONBEAT_PT_sequencer_stage,
    TOONBEAT_PT_sequencer_choreography,
    TOONBEAT_PT_sequencer_render,
)
register, unregister = bpy.utils.register_classes_factory(classes)
