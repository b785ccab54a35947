"""Sidebar panels (a Toonbeat tab) in the 3D View and the Sequencer: one button per step."""

from __future__ import annotations

import bpy

from .core.presets import EFFECTS
from .properties import EFFECT_LABELS, settings_of


class ToonbeatPanel(bpy.types.Panel):
    """What every Toonbeat panel shares: the sidebar tab. Only the concrete panels below are registered."""

    bl_region_type = "UI"
    bl_category = "Toonbeat"


class GeneratePanel(ToonbeatPanel):
    """Step 0 (optional): music and art from the generators' job service."""

    bl_label = "Generate"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        """Service, music, art and the jobs in flight."""
        from .generation import BOARD
        from .preferences import preferences

        layout = self.layout
        wanted = settings_of(context.scene).generate
        row = layout.row(align=True)
        row.label(text=preferences(context).service_url, icon="URL")
        row.operator("toonbeat.start_service", text="", icon="PLAY")
        music = layout.column(align=True)
        for name in ("music_preset", "music_prompt", "music_seconds", "music_bpm", "music_model", "music_seed"):
            music.prop(wanted, name)
        music.operator("toonbeat.generate_music", icon="SOUND")
        art = layout.column(align=True)
        for name in ("art_backend", "character_preset", "character_prompt", "background_preset", "art_model",
                     "art_seed"):
            art.prop(wanted, name)
        row = art.row(align=True)
        row.operator("toonbeat.generate_art", text="Characters", icon="OUTLINER_OB_ARMATURE").what = "character"
        row.operator("toonbeat.generate_art", text="Backgrounds", icon="IMAGE_BACKGROUND").what = "backgrounds"
        for index, job in enumerate(BOARD.jobs):
            box = layout.box()
            row = box.row()
            row.label(text=job.label)
            if job.active:
                row.operator("toonbeat.cancel_job", text="", icon="X").index = index
            box.progress(factor=job.progress if job.status != "done" else 1.0, type="BAR",
                         text=f"{job.status}: {job.message}"[:80])


class SongPanel(ToonbeatPanel):
    """Step 1: the song and its beats."""

    bl_label = "Song"

    def draw(self, context: bpy.types.Context) -> None:
        """Song, beat file, analysis and markers."""
        layout = self.layout
        settings = settings_of(context.scene)
        layout.prop(settings, "audio_path")
        row = layout.row(align=True)
        row.prop(settings, "beats_path")
        row.operator("toonbeat.analyze", text="", icon="SOUND")
        row = layout.row(align=True)
        row.prop(settings, "with_beat_markers", toggle=True)
        row.prop(settings, "with_onset_markers", toggle=True)
        layout.operator("toonbeat.load_song", icon="MARKER_HLT")


class StagePanel(ToonbeatPanel):
    """Step 2: characters and backgrounds."""

    bl_label = "Stage"

    def draw(self, context: bpy.types.Context) -> None:
        """Stage kind, character and background imports."""
        layout = self.layout
        settings = settings_of(context.scene)
        layout.prop(settings, "stage")
        if settings.stage == "3d":
            layout.prop(settings, "characters_as")
            layout.prop(settings, "stage_engine")
        layout.prop(settings, "key_background")
        layout.operator("toonbeat.import_character", icon="OUTLINER_OB_ARMATURE")
        layout.operator("toonbeat.import_backgrounds", icon="IMAGE_BACKGROUND")


class ChoreographyPanel(ToonbeatPanel):
    """Step 3: preset, effects and the bake."""

    bl_label = "Choreography"

    def draw(self, context: bpy.types.Context) -> None:
        """Preset, per-effect switches and strengths, Bake."""
        layout = self.layout
        settings = settings_of(context.scene)
        layout.prop(settings, "preset")
        grid = layout.grid_flow(columns=3, align=True)
        for name in EFFECTS:
            grid.label(text=EFFECT_LABELS[name])
            grid.prop(settings, f"{name}_mode", text="")
            grid.prop(settings, f"{name}_strength", text="")
        layout.prop(settings, "seed")
        layout.operator("toonbeat.bake", icon="KEYINGSET")


class RenderPanel(ToonbeatPanel):
    """Step 4: the video."""

    bl_label = "Render"

    def draw(self, context: bpy.types.Context) -> None:
        """Output path, quality and the render button."""
        layout = self.layout
        settings = settings_of(context.scene)
        layout.prop(settings, "output_path")
        layout.prop(settings, "quality")
        layout.operator("toonbeat.render_video", icon="RENDER_ANIMATION")


def _panel_classes() -> tuple[type, ...]:
    """One concrete panel per step and per editor (3D View and Sequencer sidebars)."""
    made = []
    for space, prefix in (("VIEW_3D", "VIEW3D"), ("SEQUENCE_EDITOR", "SEQUENCER")):
        for step in (GeneratePanel, SongPanel, StagePanel, ChoreographyPanel, RenderPanel):
            name = f"TOONBEAT_PT_{prefix.lower()}_{step.__name__.removesuffix('Panel').lower()}"
            made.append(type(name, (step,), {"bl_space_type": space, "bl_idname": name}))
    return tuple(made)


classes = _panel_classes()
register, unregister = bpy.utils.register_classes_factory(classes)
