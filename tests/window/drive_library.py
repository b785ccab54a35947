"""Drives Toonbeat's library in a real Blender window: the Asset Browser shows it, and assets are dragged
into a new file with the X server's own mouse (xdotool), as an artist drags them.

Run by ``test_library_window.py`` as ``blender --python drive_library.py`` under Xvfb, without
``--enable-event-simulate`` (which makes Blender ignore the real mouse), with
``TOONBEAT_WINDOW_JOB`` naming a JSON file of paths. The steps run from a persistent timer
(they outlive File > New); the helpers (results, screenshots, heartbeat) are ``drive.py``'s.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bpy
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import drive
from drive import JOB, check, region_of, result, screenshot, toonbeat_module, wait_until

DRAG_STEPS = 8
drive.STEP_TIMEOUT = 120.0  # no step here waits long: a drop that did nothing fails soon


def window() -> Any:
    """The main window (a new one after File > New)."""
    return bpy.context.window_manager.windows[0]


def area_of(kind: str) -> Any:
    """The main window's first area of ``kind`` (``VIEW_3D``, ``FILE_BROWSER``)."""
    return next(a for a in window().screen.areas if a.type == kind)


def xdotool(*arguments: object) -> None:
    """Move or press the X server's mouse, or press a key."""
    subprocess.run(["xdotool", *map(str, arguments)], check=True)


def on_screen(x: int, y: int) -> tuple[int, int]:
    """X screen coordinates (from the top) of window coordinates (from the bottom)."""
    return window().x + x, window().height - y + window().y


def drag(start: tuple[int, int], end: tuple[int, int]) -> Iterator[float]:
    """Press the left button at ``start``, move in steps to ``end`` and release it there (window coordinates)."""
    xdotool("mousemove", *on_screen(*start))
    yield 0.3
    xdotool("mousedown", 1)
    yield 0.3
    for step in range(1, DRAG_STEPS + 1):
        x = start[0] + (end[0] - start[0]) * step // DRAG_STEPS
        y = start[1] + (end[1] - start[1]) * step // DRAG_STEPS
        xdotool("mousemove", *on_screen(x, y))
        yield 0.15
    yield 0.5
    xdotool("mouseup", 1)
    yield 0.5


def refresh_library() -> Iterator[float]:
    """The Library panel's Refresh Library: list the library in the Asset Browser, make its asset files."""
    prefs = bpy.context.preferences.addons[drive.PACKAGE].preferences
    prefs.library_path = JOB["library"]
    view3d = area_of("VIEW_3D")
    with bpy.context.temp_override(window=window(), area=view3d, region=region_of(view3d, "UI")):
        bpy.ops.toonbeat.library_refresh()
    maker = toonbeat_module("library.folder").ASSET_MAKER
    yield from wait_until(lambda: maker.process is None, "the asset files to be made")
    result["asset_maker"] = maker.message
    result["asset_libraries"] = [lib.name for lib in bpy.context.preferences.filepaths.asset_libraries]


def file_new() -> Iterator[float]:
    """File > New > General."""
    with bpy.context.temp_override(window=window()):
        bpy.ops.wm.read_homefile(app_template="")
    yield 1.0
    scene = bpy.context.scene
    result.setdefault("new_files", []).append({"strips": len(toonbeat_module("compat").strips(scene)),
                                               "markers": len(scene.timeline_markers)})


def open_asset_browser() -> Iterator[float]:
    """Split the 3D View and make its left part an Asset Browser showing the Toonbeat library."""
    view3d = area_of("VIEW_3D")
    with bpy.context.temp_override(window=window(), area=view3d, region=region_of(view3d, "WINDOW")):
        bpy.ops.screen.area_split(direction="VERTICAL", factor=0.4)
    yield 0.3
    browser = min((a for a in window().screen.areas if a.type == "VIEW_3D"), key=lambda a: a.x)
    browser.ui_type = "ASSETS"
    yield 0.3
    area_of("FILE_BROWSER").spaces.active.params.asset_library_reference = "Toonbeat"
    yield 1.0


def listed(catalog_id: str | None = None) -> Iterator[float]:
    """Show ``catalog_id`` (else what is shown), select every tile and record what the browser holds."""
    browser = area_of("FILE_BROWSER")
    if catalog_id is not None:
        browser.spaces.active.params.catalog_id = catalog_id
    yield 1.0
    with bpy.context.temp_override(window=window(), area=browser, region=region_of(browser, "WINDOW")):
        bpy.ops.file.select_all(action="SELECT")
        files = list(bpy.context.selected_files)
        assets = list(bpy.context.selected_assets)
        result["listing"] = {
            file.name: {"tags": sorted(t.name for t in file.asset_data.tags), "catalog_id": file.asset_data.catalog_id,
                        "description": file.asset_data.description, "preview_icon_id": file.preview_icon_id,
                        "path": file.relative_path}
            for file in files}
        result["listing_assets"] = sorted((a.name, a.id_type) for a in assets)
        bpy.ops.file.select_all(action="DESELECT")


def asset_browser() -> Iterator[float]:
    """Every entry appears with its tags and catalog, each catalog lists its own; then a screenshot."""
    yield from open_asset_browser()
    expected = JOB["assets"]
    for _ in wait_until(lambda: len(result.get("listing", {})) >= len(expected), "the Asset Browser to list them"):
        yield from listed()
    result["browser"] = result.pop("listing")
    result["browser_assets"] = result.pop("listing_assets")
    screenshot(area_of("FILE_BROWSER"), "library_asset_browser", region=None)
    result["by_catalog"] = {}
    for name, asset in expected.items():
        yield from listed(asset["catalog_id"])
        result["by_catalog"][name] = sorted(result.pop("listing"))
        result.pop("listing_assets")


def stage_state(scene: Any) -> dict[str, Any]:
    """What a step set up: markers, frame range, every strip (inside meta strips too) and the keys per F-Curve."""
    compat = toonbeat_module("compat")

    def strip_state(strip: Any) -> list[Any]:
        source = getattr(strip, "directory", "") or getattr(getattr(strip, "sound", None), "filepath", "")
        files = [e.filename for e in strip.elements] if hasattr(strip, "elements") else []
        inside = sorted(strip_state(s) for s in compat.meta_strips(strip)) if strip.type == "META" else []
        return [strip.name, strip.type, strip.channel, strip.frame_start, strip.frame_final_duration, source,
                files, inside]

    fcurves = compat.fcurves_of(scene)
    return {"markers": sorted((m.frame, m.name) for m in scene.timeline_markers),
            "frame_range": [scene.frame_start, scene.frame_end],
            "strips": sorted(strip_state(s) for s in compat.strips(scene)),
            "keys": {f"{f.data_path}[{f.array_index}]": len(f.keyframe_points) for f in fcurves} if fcurves else {},
            "carriers": [c.name for c in bpy.data.collections if "toonbeat_library" in c],
            "objects": sorted(o.name for o in scene.objects)}


def bake() -> None:
    """The Choreography panel's Bake."""
    view3d = area_of("VIEW_3D")
    with bpy.context.temp_override(window=window(), area=view3d, region=region_of(view3d, "UI")):
        check("FINISHED" in bpy.ops.toonbeat.bake(), "Bake did not finish")


def preview_drawn(name: str) -> bool:
    """Screenshot the browser's tiles as ``tile_<name>``; whether its first tile has a preview's many colours."""
    browser = area_of("FILE_BROWSER")
    tiles = region_of(browser, "WINDOW")
    screenshot(browser, f"tile_{name}", region="WINDOW")
    image = bpy.data.images.load(result["screenshots"][f"tile_{name}"]["path"])
    try:
        width, height = image.size[:]
        pixels = np.empty(width * height * 4, dtype=np.float32)
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
    top = tiles.y + tiles.height - window().y  # rows count from the bottom in Blender's pixels
    size = JOB["tile_pixels"]
    tile = pixels.reshape(height, width, 4)[top - size:top, tiles.x:tiles.x + size, :3]
    return len(np.unique(np.round(tile * 255).reshape(-1, 3), axis=0)) > JOB["preview_colours"]


def drag_each_into_the_3d_view() -> Iterator[float]:
    """Drag song, character, backgrounds and the clip from their tiles into the 3D View, one at a time
    (the Asset Browser showing each one's catalog, so its tile is the first)."""
    drop = toonbeat_module("library.drop")
    result["dropped"] = {}
    for name in JOB["drag_order"]:
        browser, view3d = area_of("FILE_BROWSER"), area_of("VIEW_3D")
        browser.spaces.active.params.catalog_id = JOB["assets"][name]["catalog_id"]  # its tile alone
        yield 1.0
        yield from wait_until(functools.partial(preview_drawn, name), f"{name}'s preview to be drawn")
        tiles = region_of(browser, "WINDOW")
        messages = drop.last_message
        yield from drag((tiles.x + 55, tiles.y + tiles.height - 55),
                        (view3d.x + view3d.width // 2, view3d.y + view3d.height // 2))
        yield from wait_until(lambda before=messages: drop.last_message != before,
                              f"{name} to be set up after its drop")
        result["dropped"][name] = {"message": drop.last_message, **stage_state(bpy.context.scene)}
        if name in JOB["bake_after"]:
            bake()
            result["dropped"][name]["baked"] = stage_state(bpy.context.scene)
        yield 0.5
    view3d = area_of("VIEW_3D")
    view3d.ui_type = "SEQUENCE_EDITOR"
    yield 0.3
    with bpy.context.temp_override(window=window(), area=view3d, region=region_of(view3d, "WINDOW")):
        bpy.ops.sequencer.view_all()
    yield 1.0
    screenshot(view3d, "library_dropped", region=None)


def by_hand() -> Iterator[float]:
    """In another new file: Load Song, Import Character and Import Backgrounds on the library's files, then Bake."""
    yield from file_new()
    settings = bpy.context.scene.toonbeat
    settings.audio_path, settings.beats_path = JOB["song"], JOB["beats"]
    view3d = area_of("VIEW_3D")
    with bpy.context.temp_override(window=window(), area=view3d, region=region_of(view3d, "UI")):
        bpy.ops.toonbeat.load_song()
        bpy.ops.toonbeat.import_character(directory=JOB["character"])
        bpy.ops.toonbeat.import_backgrounds(directory=JOB["backgrounds"])
    yield 0.5
    result["by_hand"] = stage_state(bpy.context.scene)
    bake()
    result["by_hand"]["baked"] = stage_state(bpy.context.scene)


def script() -> Iterator[float]:
    """Refresh the library, then in a new file: the Asset Browser, the drags, and the same steps by hand."""
    yield 2.0
    xdotool("mousemove", *on_screen(window().width // 2, window().height // 2))
    xdotool("key", "Escape")  # closes the splash screen
    yield 0.5
    for steps in (refresh_library, file_new, asset_browser, drag_each_into_the_3d_view, by_hand):
        yield from steps()


def start() -> None:
    """Begin once the window has drawn itself; the steps' timer survives File > New."""
    bpy.app.timers.register(drive.heartbeat, first_interval=0.1, persistent=True)
    bpy.app.timers.register(drive.run_script(script()), first_interval=2.0, persistent=True)


bpy.app.timers.register(start, first_interval=0.5)
