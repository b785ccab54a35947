"""The zip users download validates, installs into Blender, and its panels and operators work."""

import zipfile

import bpy
import pytest

from tests.art import background_folder, character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender


def test_the_zip_holds_the_manifest_and_the_add_on_but_no_caches(extension_zip):
    names = zipfile.ZipFile(extension_zip).namelist()
    assert "blender_manifest.toml" in names
    assert "__init__.py" in names
    assert "core/beats.schema.json" in names
    assert "presets/house_bounce.json" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n == "__main__.py"]


def test_operators_and_panels_are_registered_in_both_sidebars(toonbeat):
    for operator in ("analyze", "load_song", "import_character", "import_backgrounds", "bake", "render_video",
                     "start_service", "generate_music", "generate_art", "cancel_job", "retry_job", "clear_jobs",
                     "library_refresh", "library_add_to_scene"):
        assert hasattr(bpy.ops.toonbeat, operator)
    panels = [getattr(bpy.types, name) for name in dir(bpy.types) if name.startswith("TOONBEAT_PT_")]
    assert len(panels) == 12  # Generate, Song, Stage, Choreography, Render, Library in each sidebar
    assert {cls.bl_space_type for cls in panels} == {"VIEW_3D", "SEQUENCE_EDITOR"}
    assert all(cls.bl_category == "Toonbeat" for cls in panels)
    steps = {"TOONBEAT_OT_load_song", "TOONBEAT_OT_import_character", "TOONBEAT_OT_bake"}
    assert all("UNDO" in getattr(bpy.types, name).bl_options for name in steps)


def test_one_click_per_step_builds_an_animated_scene(scene, tmp_path):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=6.0, sections=((0.0, "build"),
                                                                                        (2.0, "drop")))
    settings = scene.toonbeat
    settings.audio_path, settings.beats_path = str(wav), str(beats_json)
    assert bpy.ops.toonbeat.load_song() == {"FINISHED"}
    assert scene.frame_end == 144
    assert any(m.name == "Drop" for m in scene.timeline_markers)
    folder = character_folder(tmp_path / "hero")
    assert bpy.ops.toonbeat.import_character(directory=str(folder)) == {"FINISHED"}
    assert bpy.ops.toonbeat.import_backgrounds(directory=str(background_folder(tmp_path / "bg"))) == {"FINISHED"}
    settings.preset = "industrial_headbang"
    assert bpy.ops.toonbeat.bake() == {"FINISHED"}
    action = scene.animation_data.action
    assert action is not None
    strips = {s.name for s in scene.sequence_editor.strips_all}
    assert {"Toonbeat Track", "Toonbeat Camera", "Toonbeat Flash", "Toonbeat hero", "hero idle"} <= strips


def test_a_step_with_bad_input_reports_and_changes_nothing(scene, tmp_path):
    (tmp_path / "broken.json").write_text("{}")
    settings = scene.toonbeat
    settings.audio_path, settings.beats_path = str(tmp_path / "song.wav"), str(tmp_path / "broken.json")
    with pytest.raises(RuntimeError, match="not a beat file"):
        bpy.ops.toonbeat.load_song()
    assert scene.sequence_editor is None or len(scene.sequence_editor.strips_all) == 0
    with pytest.raises(RuntimeError, match="no pose images"):
        bpy.ops.toonbeat.import_character(directory=str(tmp_path))
