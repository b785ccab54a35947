"""Toonbeat's settings on each scene (``scene.toonbeat``), saved with the .blend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from .core import beatfile
from .core.generator_params import declared
from .core.json_files import preset_names
from .core.presets import EFFECTS, Preset, apply_overrides, builtin_preset_names, load_preset
from .core.video import QUALITY_PRESETS
from .preferences import user_preset_folder

EFFECT_LABELS = {
    "pose": "Poses", "bounce": "Bounce", "shake": "Shake", "zoom": "Zoom Punch", "push_in": "Push-In",
    "flash": "Flash", "strobe": "Strobe", "color": "Section Colors", "pulse": "Light Pulse",
}

QUALITY_DESCRIPTIONS = {
    "preview": "Fast H.264 encoding at medium quality",
    "final": "H.264 at high quality",
    "master": "Near-lossless H.264, for editing further",
}
"""What each quality does in Render Video; the frame size is always the scene's (Output Properties)."""
QUALITY_ITEMS = [(name, name.title(), f"{QUALITY_DESCRIPTIONS[name]}; the frame size is the scene's "
                  "(Output Properties)") for name in QUALITY_PRESETS]


def _preset_search(_self: Any, _context: Any, _text: str) -> list[str]:
    return list(dict.fromkeys(builtin_preset_names() + preset_names(user_preset_folder())))


def _fixed_search(*names: str) -> Any:
    def search(_self: Any, _context: Any, _text: str) -> tuple[str, ...]:
        return names
    return search


CLIP_BACKEND_LABELS = {"animatediff": ("AnimateDiff", "Stable Diffusion 1.5 with a motion adapter; with a pose "
                                                       "ControlNet the character dances the move"),
                       "wan": ("Wan 2.1", "Wan 2.1 T2V 1.3B text-to-video (4 k + 1 frames), Apache-2.0"),
                       "cogvideox": ("CogVideoX", "CogVideoX-2B text-to-video (4 k + 1 frames), Apache-2.0"),
                       "svd": ("Stable Video Diffusion", "Image-to-video under Stability AI's community licence")}
"""The panel's names of the video backends the generators declare (``generators/video/params.py``)."""
CLIP_BACKEND_ITEMS = [(name, *CLIP_BACKEND_LABELS[name]) for name in declared("clip", "backend")["enum"]]
CLIP_MOVE_ITEMS = [("NONE", "None (Shot)", "A shot over the section, no character"),
                   *((name, name.replace("_", " ").title(), f"The character dances the {name} cycle (needs a "
                      "ControlNet)") for name in declared("clip", "move")["enum"])]


def _clip_sections(_self: Any, context: Any) -> list[tuple[str, str, str, int]]:
    from .core.shots import SECTION_UNDER_PLAYHEAD, section_choices

    settings = settings_of(context.scene) if context and context.scene else None
    path = settings.resolved("beats_path") if settings and settings.beats_path else None
    _SECTION_ITEMS[:] = [(SECTION_UNDER_PLAYHEAD, "Under the Playhead", "The section playing at the current frame",
                          0)]
    _SECTION_ITEMS.extend((str(index), text, f"The {text} section", index + 1)
                          for index, text in enumerate(section_choices(path)))
    return _SECTION_ITEMS


_SECTION_ITEMS: list[tuple[str, str, str, int]] = []
"""Blender keeps only pointers to a dynamic enum's strings: they must outlive the callback."""


class TOONBEAT_PG_generate(bpy.types.PropertyGroup):
    """What to ask the generators for: a track, characters, backgrounds."""

    music_preset: bpy.props.StringProperty(
        name="Style", default="industrial", search=_fixed_search("industrial", "house", "techno", "edm"),
        description="Prompt preset of the generators (industrial, house, techno, edm, or your own)")
    music_prompt: bpy.props.StringProperty(name="Prompt", description="Words added to the preset's prompt")
    music_seconds: bpy.props.FloatProperty(name="Length", default=declared("music", "seconds")["default"], min=5.0,
                                           max=declared("music", "seconds")["maximum"], unit="TIME_ABSOLUTE")
    music_bpm: bpy.props.FloatProperty(name="BPM", default=0.0, min=0.0, max=400.0,
                                       description="Tempo written into the prompt; 0 keeps the preset's")
    music_model: bpy.props.StringProperty(
        name="Model", default="small", search=_fixed_search("small", "medium", "large", "melody"),
        description="MusicGen size, a hub id or a checkpoint folder on the service's machine")
    music_seed: bpy.props.IntProperty(name="Seed", min=0)
    art_backend: bpy.props.EnumProperty(
        name="Drawing",
        items=[("diffusers", "Stable Diffusion", "Draw with Stable Diffusion on the service's GPU"),
               ("procedural", "Procedural", "Built-in flat cartoon art: no GPU, no weights")],
    )
    character_preset: bpy.props.StringProperty(
        name="Character", default="cyborg_dj", search=_fixed_search("cyborg_dj", "robot_drummer"),
        description="Character preset of the generators")
    character_prompt: bpy.props.StringProperty(name="Prompt", description="Instead of the character preset's prompt")
    background_preset: bpy.props.StringProperty(
        name="Place", default="industrial_club", search=_fixed_search("industrial_club", "factory", "city"),
        description="Background preset of the generators")
    art_model: bpy.props.StringProperty(
        name="Model", description="Stable Diffusion hub id, folder or .safetensors on the service (empty: default)")
    art_seed: bpy.props.IntProperty(name="Seed", min=0)
    art_loras: bpy.props.StringProperty(
        name="LoRAs", description="LoRA files, folders or hub ids on the service, with weights: "
                                  "ink.safetensors:0.6, owner/flat-colors")
    art_config: bpy.props.StringProperty(
        name="Config", description=declared("character", "config")["description"].capitalize())
    art_ip_adapter: bpy.props.StringProperty(
        name="IP-Adapter", description=declared("character", "ip_adapter")["description"].capitalize())
    art_key_tolerance: bpy.props.FloatProperty(
        name="Key Tolerance", default=declared("character", "key_tolerance")["default"],
        min=declared("character", "key_tolerance")["minimum"], max=declared("character", "key_tolerance")["maximum"],
        description="Color distance from the backdrop keyed out as transparent")
    clip_backend: bpy.props.EnumProperty(
        name="Video", items=CLIP_BACKEND_ITEMS, default=declared("clip", "backend")["default"])
    clip_move: bpy.props.EnumProperty(name="Move", items=CLIP_MOVE_ITEMS)
    clip_prompt: bpy.props.StringProperty(name="Prompt", description=declared("clip", "prompt")["description"]
                                          .capitalize())
    clip_section: bpy.props.EnumProperty(name="Section", items=_clip_sections,
                                         description="The song section the clip is made for and placed over")
    clip_beats_per_cycle: bpy.props.IntProperty(
        name="Beats per Cycle", default=0, min=0, max=declared("clip", "beats_per_cycle")["maximum"],
        description="Beats one cycle of the clip spans on the timeline; 0: the move's, or 4 for a shot")
    clip_frames: bpy.props.IntProperty(
        name="Frames", default=declared("clip", "frames")["default"], min=declared("clip", "frames")["minimum"],
        max=declared("clip", "frames")["maximum"], description=declared("clip", "frames")["description"].capitalize())
    clip_steps: bpy.props.IntProperty(
        name="Steps", default=declared("clip", "steps")["default"], min=declared("clip", "steps")["minimum"],
        max=declared("clip", "steps")["maximum"], description="Denoising steps: fewer are faster, more are finer")
    clip_width: bpy.props.IntProperty(
        name="Width", default=declared("clip", "width")["default"], min=declared("clip", "width")["minimum"],
        max=declared("clip", "width")["maximum"], step=8, subtype="PIXEL")
    clip_height: bpy.props.IntProperty(
        name="Height", default=declared("clip", "height")["default"], min=declared("clip", "height")["minimum"],
        max=declared("clip", "height")["maximum"], step=8, subtype="PIXEL")
    clip_model: bpy.props.StringProperty(
        name="Video Model", description=declared("clip", "model")["description"].capitalize())
    clip_motion_adapter: bpy.props.StringProperty(
        name="Motion Adapter", default=declared("clip", "motion_adapter")["default"],
        description=declared("clip", "motion_adapter")["description"].capitalize())
    clip_controlnet: bpy.props.StringProperty(
        name="ControlNet", description=declared("clip", "controlnet")["description"].capitalize())
    clip_seed: bpy.props.IntProperty(name="Seed", min=0)


class TOONBEAT_PG_scene(bpy.types.PropertyGroup):
    """The song, art, choreography and output of a Toonbeat scene."""

    audio_path: bpy.props.StringProperty(name="Song", subtype="FILE_PATH",
                                         description="WAV, FLAC, OGG, Opus, MP3, M4A/AAC, WebM or WMA")
    beats_path: bpy.props.StringProperty(name="Beats", subtype="FILE_PATH",
                                         description="Beat JSON made by 'toonbeat analyze'")
    character_path: bpy.props.StringProperty(name="Character", subtype="DIR_PATH",
                                             description="Folder of pose PNGs (idle.png, dance.png, ...)")
    backgrounds_path: bpy.props.StringProperty(name="Backgrounds", subtype="DIR_PATH",
                                               description="Folder of PNGs named by section (intro.png, drop.png, ...)")
    stage: bpy.props.EnumProperty(
        name="Stage",
        items=[("sequencer", "Sequencer", "Image strips composited by the sequencer: fast, no GPU needed"),
               ("3d", "3D", "Image planes or Grease Pencil in a 3D scene, shown in the sequencer as a scene strip")],
        default="sequencer",
    )
    characters_as: bpy.props.EnumProperty(
        name="Characters As",
        items=[("PLANES", "Image Planes", "One flat, unlit plane per pose image"),
               ("GREASE_PENCIL", "Grease Pencil",
                "Every drawing (each frame of a loop) traced into filled strokes you can redraw")],
        default="PLANES",
        description="How the 3D stage shows characters",
    )
    stage_engine: bpy.props.EnumProperty(
        name="Engine",
        items=[("AUTO", "Automatic", "EEVEE where Blender has a GPU, Workbench without one"),
               ("EEVEE", "EEVEE", "Final quality; slow without a GPU"),
               ("WORKBENCH", "Workbench", "Fast previews: images and drawings unlit, as painted")],
        default="AUTO",
        description="Render engine of the 3D stage",
    )
    key_background: bpy.props.BoolProperty(
        name="Key Flat Backgrounds", default=True,
        description="Make the flat background of pose images without transparency see-through "
        "(a keyed copy is made; your file stays as it is)",
    )
    preset: bpy.props.StringProperty(
        name="Preset", default="house_bounce", search=_preset_search,
        description="Choreography preset: a built-in or your own name, or a .json file (copy one to start)",
    )
    with_beat_markers: bpy.props.BoolProperty(name="Beat Markers", description="Also mark every beat")
    with_onset_markers: bpy.props.BoolProperty(name="Onset Markers", description="Also mark every onset")
    quality: bpy.props.EnumProperty(
        name="Quality",
        items=QUALITY_ITEMS,
        default="preview",
        description="How the video is encoded; Render Video keeps the scene's frame size and frame range",
    )
    output_path: bpy.props.StringProperty(name="Video", subtype="FILE_PATH", default="//toonbeat.mp4",
                                          description="The MP4 to write (// is the .blend file's folder)")
    seed: bpy.props.IntProperty(name="Seed", min=0, description="Seed of the shake directions")
    generate: bpy.props.PointerProperty(type=TOONBEAT_PG_generate)

    def preset_with_overrides(self) -> Preset:
        """The chosen preset with this scene's effect switches and strengths applied."""
        preset = load_preset(self.preset, search=(user_preset_folder(),))
        return apply_overrides(
            preset,
            enable=[name for name in EFFECTS if getattr(self, f"{name}_mode") == "ON"],
            disable=[name for name in EFFECTS if getattr(self, f"{name}_mode") == "OFF"],
            strength={name: getattr(self, f"{name}_strength") for name in EFFECTS},
        )

    def resolved(self, attribute: str) -> Path:
        """A path setting made absolute (``//`` is the .blend's folder)."""
        return Path(bpy.path.abspath(getattr(self, attribute)))

    def beat_data(self) -> beatfile.BeatData:
        """The scene's beat file, read again only when it changed (``beatfile.BeatFileError`` if it cannot be)."""
        return beatfile.load_unchanged(self.resolved("beats_path"))

    def song_sections(self) -> tuple[beatfile.Section, ...]:
        """The sections of the scene's beat file; none while it has no beat file."""
        return self.beat_data().sections if self.beats_path else ()


for _name in EFFECTS:
    TOONBEAT_PG_scene.__annotations__[f"{_name}_mode"] = bpy.props.EnumProperty(
        name=EFFECT_LABELS[_name],
        items=[("PRESET", "Preset", "As the preset says"), ("ON", "On", "Always on"), ("OFF", "Off", "Always off")],
        default="PRESET",
    )
    TOONBEAT_PG_scene.__annotations__[f"{_name}_strength"] = bpy.props.FloatProperty(
        name="Strength", default=1.0, min=0.0, max=3.0, soft_max=2.0,
        description="Multiplies the preset's intensity of this effect")

def settings_of(scene: bpy.types.Scene | None) -> TOONBEAT_PG_scene:
    """Toonbeat's settings of ``scene``."""
    if scene is None:
        raise ValueError("there is no scene to work on")
    settings: TOONBEAT_PG_scene = scene.toonbeat  # type: ignore[attr-defined]
    return settings


classes = (TOONBEAT_PG_generate, TOONBEAT_PG_scene)


_register_classes, _unregister_classes = bpy.utils.register_classes_factory(classes)


def register() -> None:
    """Register the settings and hang them on every scene as ``scene.toonbeat``."""
    _register_classes()
    bpy.types.Scene.toonbeat = bpy.props.PointerProperty(type=TOONBEAT_PG_scene)  # type: ignore[attr-defined]


def unregister() -> None:
    """Remove ``scene.toonbeat`` and the classes."""
    del bpy.types.Scene.toonbeat  # type: ignore[attr-defined]
    _unregister_classes()
