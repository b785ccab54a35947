"""Library entries become Blender assets (tags, catalogs, previews) and dropping one sets it up like its step."""

from __future__ import annotations

from pathlib import Path

import bpy
import pytest

from addon.core import asset_catalogs, library
from tests.art import background_folder, character_folder, clip_character_folder
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender


@pytest.fixture
def filled(tmp_path: Path) -> dict[str, library.LibraryEntry]:
    """A library with a song, a character, backgrounds and a preset, as the generators or the CLI leave it."""
    (tmp_path / "in").mkdir()
    wav, _, _ = click_song_with_beat_file(tmp_path / "in", bpm=128.0, seconds=8.0,
                                          sections=((0.0, "intro"), (4.0, "drop")))
    lib = tmp_path / "lib"
    preset = Path(__file__).resolve().parents[2] / "addon" / "presets" / "minimal.json"
    return {
        "song": library.add(lib, "song", wav, style="industrial")[0],
        "character": library.add(lib, "character", character_folder(tmp_path / "in" / "dj"))[0],
        "backgrounds": library.add(lib, "backgrounds",
                                   background_folder(tmp_path / "in" / "club", ("intro", "drop")))[0],
        "preset": library.add(lib, "preset", preset)[0],
    }


def _asset(entry: library.LibraryEntry) -> bpy.types.Collection:
    """The entry's asset collection, appended from its .blend as the Asset Browser does."""
    with bpy.data.libraries.load(str(entry.asset_blend), assets_only=True) as (source, target):
        assert len(source.collections) == 1
        target.collections = list(source.collections)
    return target.collections[0]


def _make_assets(tb, filled) -> None:
    """What ``library-assets`` does in its own Blender process (here: this test's process)."""
    folder = filled["song"].library
    assert tb.module("library.assets").make_missing_assets(folder) == (len(filled), len(filled))
    bpy.ops.wm.read_homefile(use_empty=True)


def _preview(entry: library.LibraryEntry) -> tuple[tuple[int, int], float]:
    """The preview the Asset Browser shows: the one saved in the asset file."""
    bpy.ops.wm.open_mainfile(filepath=str(entry.asset_blend))
    preview = next(iter(bpy.data.collections)).preview
    return tuple(preview.image_size), max(preview.image_pixels_float[:])


def test_every_entry_becomes_a_collection_asset_with_tags_catalog_and_preview(scene, tb, filled) -> None:
    _make_assets(tb, filled)
    for kind, entry in filled.items():
        collection = _asset(entry)
        data = collection.asset_data
        assert data is not None, kind
        assert set(entry.tags) == {tag.name for tag in data.tags}
        assert data.catalog_id == asset_catalogs.catalog_uuid(entry.catalog)
        assert collection["toonbeat_library"]["reference"] == entry.reference
    assert "128 BPM" in _asset(filled["song"]).asset_data.description
    for kind in ("song", "character", "backgrounds"):
        size, brightest = _preview(filled[kind])
        assert size == (128, 128) and brightest > 0.0, kind


def test_asset_files_keep_paths_relative_so_the_library_can_move(scene, tb, filled, tmp_path) -> None:
    _make_assets(tb, filled)
    moved = tmp_path / "synced-home"
    filled["song"].library.rename(moved)
    character = library.entry_at(moved / filled["character"].relative_folder)
    bpy.ops.wm.open_mainfile(filepath=str(character.asset_blend))
    image = next(iter(bpy.data.images))
    assert image.filepath == "//idle.png" and Path(bpy.path.abspath(image.filepath)).is_file()


def test_an_asset_file_is_made_once_and_never_rewritten(scene, tb, filled) -> None:
    _make_assets(tb, filled)
    before = {kind: entry.asset_blend.read_bytes() for kind, entry in filled.items()}
    assert tb.module("library.assets").make_missing_assets(filled["song"].library) == (len(filled), 0)
    assert {kind: entry.asset_blend.read_bytes() for kind, entry in filled.items()} == before


def _drop(tb, entry: library.LibraryEntry) -> None:
    """Append the entry's collection into the scene, as a drag from the Asset Browser does, and let the timer run."""
    with bpy.data.libraries.load(str(entry.asset_blend), assets_only=True) as (source, _):
        name = source.collections[0]
    bpy.ops.wm.append(directory=f"{entry.asset_blend}/Collection/", filename=name)
    tb.module("library.drop").set_up_dropped()


def _fresh_scene() -> bpy.types.Scene:
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 320, 180
    return scene


def _load_song_by_hand(entry: library.LibraryEntry) -> None:
    settings = bpy.context.scene.toonbeat
    settings.audio_path = str(entry.main_path)
    settings.beats_path = str(entry.folder / "clicks.beats.json")
    assert bpy.ops.toonbeat.load_song() == {"FINISHED"}


def _markers(scene: bpy.types.Scene) -> list[tuple[str, int]]:
    return sorted((m.name, m.frame) for m in scene.timeline_markers)


def test_dropping_a_song_sets_it_up_as_load_song_does(scene, tb, filled) -> None:
    _make_assets(tb, filled)
    scene = _fresh_scene()
    _drop(tb, filled["song"])
    dropped = (_markers(scene), [(s.type, s.frame_start) for s in tb.module("compat").strips(scene)], scene.frame_end)
    assert not [c for c in bpy.data.collections if "toonbeat_library" in c]
    by_hand = _fresh_scene()
    _load_song_by_hand(filled["song"])
    assert dropped == (_markers(by_hand), [(s.type, s.frame_start) for s in tb.module("compat").strips(by_hand)],
                       by_hand.frame_end)
    assert dropped[1] == [("SOUND", 1)] and len(dropped[0]) >= 4


def test_dropping_a_character_puts_it_on_stage_as_import_character_does(scene, tb, filled) -> None:
    _make_assets(tb, filled)
    scene = _fresh_scene()
    _drop(tb, filled["song"])
    _drop(tb, filled["character"])
    by_drop = sorted(s.name for s in tb.module("compat").strips(scene))
    other = _fresh_scene()
    _load_song_by_hand(filled["song"])
    assert bpy.ops.toonbeat.import_character(directory=str(filled["character"].folder) + "/") == {"FINISHED"}
    assert sorted(s.name for s in tb.module("compat").strips(other)) == by_drop
    assert len(by_drop) > 1
    assert not [c for c in bpy.data.collections if "toonbeat_library" in c]


def test_dropping_backgrounds_and_a_preset(scene, tb, filled) -> None:
    _make_assets(tb, filled)
    scene = _fresh_scene()
    _drop(tb, filled["song"])
    _drop(tb, filled["backgrounds"])
    images = [s for s in tb.module("compat").strips(scene) if s.type == "IMAGE"]
    assert images
    _drop(tb, filled["preset"])
    assert scene.toonbeat.preset == str(filled["preset"].main_path)


def test_the_library_is_listed_in_the_asset_browser_once(scene, tb, filled) -> None:
    register = tb.module("library.folder").register_asset_library
    folder = filled["song"].library
    assert register(folder)
    assert not register(folder)
    listed = [lib for lib in bpy.context.preferences.filepaths.asset_libraries if Path(lib.path) == folder.resolve()]
    assert [lib.name for lib in listed] == ["Toonbeat"]


def test_import_character_fills_the_library_once_per_drawing(scene, tb, filled, tmp_path) -> None:
    prefs = bpy.context.preferences.addons[tb.package.__name__].preferences
    mine = filled["song"].library
    prefs.library_path = str(mine)
    before = [e.reference for e in library.entries(mine)]
    folder = character_folder(tmp_path / "drawn" / "robot")
    for _ in range(2):
        assert bpy.ops.toonbeat.import_character(directory=str(folder) + "/") == {"FINISHED"}
    assert sorted(e.reference for e in library.entries(mine)) == sorted([*before, "character:robot@v1"])
    robot = library.find(mine, "character:robot")
    assert robot.asset_blend.is_file(), tb.module("library.folder").ASSET_MAKER.message
    assert bpy.ops.toonbeat.import_character(directory=str(filled["character"].folder) + "/") == {"FINISHED"}
    assert len(library.entries(mine)) == len(before) + 1
    prefs.add_to_library = False
    character_folder(folder, size=(80, 80))
    assert bpy.ops.toonbeat.import_character(directory=str(folder) + "/") == {"FINISHED"}
    assert len(library.entries(mine)) == len(before) + 1


def test_the_command_line_makes_the_asset_file_in_a_blender_of_its_own(tmp_path) -> None:
    from generators import cli

    folder = background_folder(tmp_path / "club", ("intro", "drop"))
    assert cli.main(["library", "add", "backgrounds", str(folder), "--library", str(tmp_path / "lib")]) == 0
    entry = library.find(tmp_path / "lib", "club")
    assert entry.asset_blend.is_file()
    with bpy.data.libraries.load(str(entry.asset_blend), assets_only=True) as (source, _):
        assert len(source.collections) == 1


@pytest.fixture
def moves(filled, tmp_path) -> dict[str, library.LibraryEntry]:
    """Two character clips (another character's moves) in the library of ``filled``."""
    drawn = clip_character_folder(tmp_path / "in" / "drummer", {"headbang": (8, 2, (0, 4)), "dance": (12, 2, (0, 6))})
    lib = filled["song"].library
    return {name: library.add(lib, "clip", drawn / name)[0] for name in ("headbang", "dance")}


def _pose_strips(tb, scene) -> dict[str, bpy.types.Strip]:
    compat = tb.module("compat")
    (meta,) = [s for s in compat.strips(scene) if s.type == "META"]
    return {s.name: s for s in compat.meta_strips(meta)}


def test_a_dropped_clip_becomes_the_characters_move_and_a_second_keeps_the_first(scene, tb, filled, moves) -> None:
    _make_assets(tb, filled | {f"clip {name}": entry for name, entry in moves.items()})
    scene = _fresh_scene()
    _drop(tb, filled["song"])
    _drop(tb, filled["character"])
    assert _pose_strips(tb, scene)["dj headbang"].type == "IMAGE"
    _drop(tb, moves["headbang"])
    _drop(tb, moves["dance"])
    strips = _pose_strips(tb, scene)
    for name, entry in moves.items():
        assert strips[f"dj {name}"].type == "SPEED"
        frames = strips[f"dj {name} frames"]
        assert Path(frames.directory) == (entry.folder / "frames").resolve()
        assert len(frames.elements) == (8 if name == "headbang" else 12)
    assert strips["dj idle"].type == "IMAGE"
    assert "dance move" in tb.module("library.drop").last_message
    assert not [c for c in bpy.data.collections if "toonbeat_library" in c]
    assert bpy.ops.toonbeat.bake() == {"FINISHED"}
    keyed = {f.data_path for f in tb.module("compat").fcurves_of(scene)}
    assert any("dj headbang" in path and "speed_frame_number" in path for path in keyed)


def test_a_clip_dropped_before_any_character_says_what_to_do(scene, tb, filled, moves) -> None:
    _make_assets(tb, filled | {f"clip {name}": entry for name, entry in moves.items()})
    scene = _fresh_scene()
    _drop(tb, moves["dance"])
    assert "put a character on stage first" in tb.module("library.drop").last_message
    assert not [s for s in tb.module("compat").strips(scene) if s.type == "META"]


def test_the_panel_filters_by_kind_text_tag_style_section_and_tempo(scene, tb, filled) -> None:
    wanted = bpy.context.window_manager.toonbeat_library
    matching = tb.module("library.panel").matching
    folder = filled["song"].library
    names = lambda: [e.name for e in matching(folder, wanted)]  # noqa: E731
    assert names() == ["club", "dj", "minimal", "clicks"]
    wanted.style = "industrial"
    assert names() == ["clicks"]
    wanted.style, wanted.section = "", "drop"
    assert names() == ["club", "minimal", "clicks"]
    wanted.bpm_min, wanted.bpm_max = 120.0, 130.0
    assert names() == ["clicks"]
    wanted.bpm_min = 130.0
    assert names() == []
    wanted.bpm_min, wanted.bpm_max, wanted.section, wanted.kind, wanted.tag = 0.0, 0.0, "", "character", "idle"
    assert names() == ["dj"]


def test_a_dropped_shot_clip_plays_over_the_section_under_the_playhead(scene, tb, filled, tmp_path) -> None:
    from dataclasses import replace

    from addon.core.clip import read_clip, write_clip

    drawn = clip_character_folder(tmp_path / "in" / "shots", {"strobe": (8, 2, (0, 4))}, size=(320, 180))
    write_clip(replace(read_clip(drawn / "strobe"), kind="shot"))
    strobe = library.add(filled["song"].library, "clip", drawn / "strobe")[0]
    _make_assets(tb, filled | {"shot": strobe})
    scene = _fresh_scene()
    _drop(tb, filled["song"])
    scene.frame_set(scene.frame_start + 5 * 24)  # 5 s: the click song's drop (from 4 s)
    _drop(tb, strobe)
    assert "over the drop section" in tb.module("library.drop").last_message
    (shot,) = [s for s in tb.module("compat").strips(scene) if s.type == "SPEED"]
    assert Path(shot.input_1.directory) == (strobe.folder / "frames").resolve()
    assert shot.frame_final_start == scene.frame_start + 4 * 24
    assert not [c for c in bpy.data.collections if "toonbeat_library" in c]
