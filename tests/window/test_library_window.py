"""Toonbeat's library in Debian's Blender 4.3, in a real window: what the generators made appears in the Asset
Browser with previews, tags and catalogs, and dragging each tile into a new file sets it up as its step does.

The song (the drum machine, analyzed), a character and backgrounds (the procedural art) and a clip (a
procedural dance loop of another character) are generated here and added with ``toonbeat library add``;
Blender's Refresh Library makes their asset files. The drags are the X server's own mouse (xdotool):
button down on the tile, moves, button up over the 3D View (``drive_library.py``).
Runs like ``test_window.py`` (``TOONBEAT_WINDOW_ROOT``, ``TOONBEAT_ZIP``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core import asset_catalogs, library
from addon.core.character_sheet import read_character
from addon.core.clip import read_clip
from addon.core.files import file_sha256
from addon.core.library import LibraryEntry
from generators import cli
from generators.art.procedural import draw_character
from generators.music.drum_machine import synthesize, write_wav
from tests.window.chroot import mounted
from tests.window.test_window import ROOT, blender_env, crop_screenshots, python_binds, run_blender, session_folders

pytestmark = pytest.mark.window

DRIVE = Path(__file__).with_name("drive_library.py")
DOCS_PICTURES = ("library_asset_browser", "library_dropped")
PREVIEW_COLOURS = 200  # a drawn preview has hundreds of colours; the "loading" clock icon a few dozen
TILE_PIXELS = 110  # the Asset Browser's first tile, from its region's top left corner


def _generate(work: Path, lib: Path) -> dict[str, LibraryEntry]:
    """A song, a character, backgrounds and a clip, generated and added to ``lib`` as a cloud batch would."""
    made = work / "made"
    song = synthesize(bpm=128.0, seed=3, style="industrial", total_bars=12)
    wav = made / "night_drive.wav"
    wav.parent.mkdir(parents=True)
    write_wav(wav, song.samples, song.sample_rate)
    beats = wav.with_name("night_drive.beats.json")
    procedural = ["--backend", "procedural"]
    assert cli.main(["analyze", str(wav), "-o", str(beats)]) == 0
    assert cli.main(["art", "character", *procedural, "--no-secondary", "--height-px", "160",
                     "-o", str(made / "characters")]) == 0
    assert cli.main(["art", "backgrounds", *procedural, "--labels", "intro,drop", "--size", "320x180",
                     "-o", str(made / "industrial_club")]) == 0
    drummer = draw_character(made / "robot_drummer", design="robot_drummer", name="Robot Drummer", seed=0,
                             height_px=160, loops=True)
    sources = {"song": wav, "character": made / "characters" / "cyborg_dj",
               "backgrounds": made / "industrial_club", "clip": drummer.folder / "headbang"}
    for kind, source in sources.items():
        assert cli.main(["library", "add", kind, str(source), "--style", "industrial", "--library", str(lib),
                         "--no-assets"]) == 0
    return {entry.kind: entry for entry in library.entries(lib)}


def _asset_name(entry: LibraryEntry) -> str:
    return f"{entry.title} v{entry.version}"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """The library filled, then one artist's session with it in the window; what it saw and printed."""
    root, package, work, out = session_folders(tmp_path_factory, "library-window")
    lib = work / "library"
    entries = _generate(work, lib)
    song = entries["song"]
    job = {
        "out": str(out), "library": str(lib), "preview_colours": PREVIEW_COLOURS, "tile_pixels": TILE_PIXELS,
        "assets": {_asset_name(e): {"catalog_id": asset_catalogs.catalog_uuid(e.catalog)} for e in entries.values()},
        "drag_order": [_asset_name(entries[kind]) for kind in ("song", "character", "backgrounds", "clip")],
        "bake_after": [_asset_name(entries[kind]) for kind in ("backgrounds", "clip")],
        "song": str(song.main_path), "beats": str(song.folder / f"{Path(song.main).stem}.beats.json"),
        "character": str(entries["character"].folder) + "/", "backgrounds": str(entries["backgrounds"].folder) + "/",
    }
    (work / "job.json").write_text(json.dumps(job))
    env = blender_env(work)
    logs = {}
    with mounted(root, (ROOT, Path(sys.prefix), *python_binds(), work, package.parent)):
        logs["install"] = run_blender(root, env, out / "install.log", "--command", "extension", "install-file",
                                      "-r", "user_default", "-e", str(package))
        logs["window"] = run_blender(root, env, out / "window.log", "--python", str(DRIVE), window=True)
        crop_screenshots(root, out)
    docs = os.environ.get("TOONBEAT_WINDOW_DOCS")
    if docs:
        for name in DOCS_PICTURES:
            shutil.copyfile(out / f"{name}.cropped.png", Path(docs) / f"{name}.png")
    found = out / "result.json"
    assert found.exists(), "the window session wrote no result:\n" + logs["window"].stdout[-4000:]
    return {"entries": entries, "job": job, "out": out, "logs": logs, "result": json.loads(found.read_text())}


def test_the_session_runs_without_a_failure_or_a_traceback(session):
    assert session["logs"]["install"].returncode == 0
    assert session["result"]["failures"] == []
    window = session["logs"]["window"]
    assert "Traceback" not in window.stdout + window.stderr, window.stdout[-4000:] + window.stderr
    assert session["result"]["asset_libraries"] == ["Toonbeat"]
    assert all(entry.asset_blend.is_file() for entry in session["entries"].values()), session["result"]["asset_maker"]


def test_the_asset_browser_lists_every_entry_with_its_tags_catalog_and_preview(session):
    browser = session["result"]["browser"]
    assert sorted(browser) == sorted(_asset_name(e) for e in session["entries"].values())
    assert {kind for _, kind in session["result"]["browser_assets"]} == {"COLLECTION"}
    for entry in session["entries"].values():
        shown = browser[_asset_name(entry)]
        assert shown["tags"] == sorted(entry.tags)
        assert shown["catalog_id"] == asset_catalogs.catalog_uuid(entry.catalog)
        assert shown["path"].startswith(f"{entry.relative_folder}/{entry.asset_blend.name}/Collection/")
        assert shown["preview_icon_id"] > 0
    assert "128 BPM" in browser[_asset_name(session["entries"]["song"])]["tags"]
    assert {"industrial", "intro", "drop"} <= set(browser[_asset_name(session["entries"]["backgrounds"])]["tags"])


def test_each_catalog_lists_only_its_own_entry(session):
    assert session["result"]["by_catalog"] == {name: [name] for name in session["job"]["assets"]}


def test_every_tile_draws_its_preview(session):
    for name in session["job"]["drag_order"]:
        tile = np.asarray(Image.open(session["out"] / f"tile_{name}.cropped.png").convert("RGB"))
        colours = len(np.unique(tile[:TILE_PIXELS, :TILE_PIXELS].reshape(-1, 3), axis=0))
        assert colours > PREVIEW_COLOURS, f"{name}: {colours} colours in its tile"


def test_file_new_starts_empty(session):
    assert session["result"]["new_files"] == [{"strips": 0, "markers": 0}] * 2


def test_dragging_the_song_character_and_backgrounds_sets_them_up_as_their_steps_do(session):
    dropped, by_hand = session["result"]["dropped"], session["result"]["by_hand"]
    backgrounds = dropped[_asset_name(session["entries"]["backgrounds"])]
    for key in ("markers", "frame_range", "strips"):
        assert backgrounds[key] == by_hand[key], key
    assert backgrounds["baked"]["keys"] == by_hand["baked"]["keys"]
    song = dropped[_asset_name(session["entries"]["song"])]
    assert song["markers"] == by_hand["markers"] and len(song["markers"]) >= 4
    assert [strip[1] for strip in song["strips"]] == ["SOUND"]
    assert len(by_hand["baked"]["keys"]) > 10
    for state in dropped.values():
        assert state["carriers"] == [] and state["objects"] == dropped[session["job"]["drag_order"][0]]["objects"]


def test_a_dragged_clip_becomes_the_characters_animated_move(session):
    clip = session["entries"]["clip"]
    state = session["result"]["dropped"][_asset_name(clip)]
    assert "headbang move" in state["message"]
    dancer = read_character(session["entries"]["character"].folder).name
    (meta,) = [strip for strip in state["strips"] if strip[1] == "META"]
    poses = {strip[0]: strip for strip in meta[7]}
    frames = poses[f"{dancer} headbang frames"]
    assert frames[1] == "IMAGE" and Path(frames[5]) == (clip.folder / "frames").resolve()
    assert len(frames[6]) == read_clip(clip.folder).frame_count
    assert poses[f"{dancer} headbang"][1] == "SPEED"
    before = session["result"]["dropped"][_asset_name(session["entries"]["backgrounds"])]
    (old_meta,) = [strip for strip in before["strips"] if strip[1] == "META"]
    assert {s[0] for s in old_meta[7]} | {f"{dancer} headbang frames"} == set(poses)
    others = [strip for strip in meta[7] if not strip[0].startswith(f"{dancer} headbang")]
    assert others == [strip for strip in old_meta[7] if strip[0] != f"{dancer} headbang"]
    keyed = [path for path in state["baked"]["keys"] if f"{dancer} headbang" in path]
    assert any("speed_frame_number" in path for path in keyed), keyed


def test_no_library_file_changed_in_the_session(session):
    for entry in session["entries"].values():
        assert {name: file_sha256(entry.folder / name) for name in entry.files} == entry.sha256
