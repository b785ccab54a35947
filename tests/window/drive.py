"""Drives Toonbeat's panels in a real Blender window, as an artist's clicks would.

Run by ``test_window.py`` as ``blender --enable-event-simulate --python drive.py`` under Xvfb,
with ``TOONBEAT_WINDOW_JOB`` naming a JSON file of paths. Every step runs from a
``bpy.app.timers`` callback with the sidebar's context (``temp_override``), so the
window keeps drawing in between; a heartbeat timer shows whether it ever froze.
What it saw goes to ``result.json`` in the job's output folder; screenshots beside it.
Blender quits at the end whatever happened.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bpy

JOB = json.loads(Path(os.environ["TOONBEAT_WINDOW_JOB"]).read_text())
OUT = Path(JOB["out"])
PACKAGE = "bl_ext.user_default.toonbeat"
STEP_TIMEOUT = 300.0
PREVIEW_END = int(JOB.get("preview_end", 0))  # the artist's short preview range
TAB_INSET = 10  # pixels from the sidebar's outer edge to the middle of its tabs
TAB_STEP = 15  # pixels between clicks going down the tabs

result: dict[str, Any] = {"failures": [], "steps": [], "screenshots": {}, "heartbeats": []}


def fail(message: str) -> None:
    """Record a failure (the test fails on any)."""
    print(f"WINDOW TEST FAILURE: {message}", flush=True)
    result["failures"].append(message)


def check(condition: bool, message: str) -> None:
    """Record ``message`` as a failure unless ``condition``."""
    if not condition:
        fail(message)


def heartbeat() -> float:
    """Ticks ten times a second for as long as the window runs its timers."""
    result["heartbeats"].append(time.monotonic())
    return 0.1


def areas(kind: str) -> list[Any]:
    """The main window's areas of ``kind``."""
    return [a for a in bpy.context.window_manager.windows[0].screen.areas if a.type == kind]


def region_of(area: Any, kind: str) -> Any:
    """The ``kind`` region (``UI`` is the sidebar) of ``area``."""
    return next(r for r in area.regions if r.type == kind)


def sidebar_context(area: Any) -> dict[str, Any]:
    """The context a click in ``area``'s sidebar gives an operator."""
    window = bpy.context.window_manager.windows[0]
    return {"window": window, "screen": window.screen, "area": area, "region": region_of(area, "UI")}


def click(area: Any, operator: str, invoke: bool = False, **properties: Any) -> set[str]:
    """Run ``toonbeat.<operator>`` as its button in ``area``'s sidebar would; an error report is a failure."""
    function = getattr(bpy.ops.toonbeat, operator)
    with bpy.context.temp_override(**sidebar_context(area)):
        if not function.poll():
            fail(f"{operator}: its button is greyed out")
            return {"CANCELLED"}
        try:
            done: set[str] = function("INVOKE_DEFAULT" if invoke else "EXEC_DEFAULT", **properties)
        except RuntimeError as error:
            fail(f"{operator} reported an error: {error}")
            return {"CANCELLED"}
    result["steps"].append(f"{operator}: {sorted(done)}")
    return done


def can_click(area: Any, operator: str) -> bool:
    """Whether ``toonbeat.<operator>``'s button is active (not greyed out) in ``area``'s sidebar."""
    with bpy.context.temp_override(**sidebar_context(area)):
        return bool(getattr(bpy.ops.toonbeat, operator).poll())


def screenshot(area: Any, name: str, region: str | None = "UI") -> None:
    """Capture the X screen as the artist sees it; the crop box of ``area`` (or of its ``region``, the
    sidebar by default) goes into the result for the test to cut. (Blender's own screenshot operators
    read the OpenGL front buffer, which is black under Xvfb.)"""
    path = OUT / f"{name}.png"
    subprocess.run(["import", "-window", "root", str(path)], check=True)
    window = bpy.context.window_manager.windows[0]
    part = area if region is None else region_of(area, region)
    box = [part.x - window.x, window.height - (part.y - window.y) - part.height, part.width, part.height]
    result["screenshots"][name] = {"path": str(path), "box": box}


def show_toonbeat_sidebar(area: Any) -> Iterator[float]:
    """Open ``area``'s sidebar at its default width and click its Toonbeat tab, as the artist does
    (tabs run down the sidebar's outer edge; clicks go down the edge until the tab is hit)."""
    area.spaces.active.show_region_ui = True
    area.tag_redraw()
    yield 0.5
    sidebar = region_of(area, "UI")
    window = bpy.context.window_manager.windows[0]
    x = sidebar.x + sidebar.width - TAB_INSET
    for y in range(sidebar.y + sidebar.height - TAB_STEP, sidebar.y, -TAB_STEP):
        if sidebar.active_panel_category == "Toonbeat":
            return
        window.event_simulate(type="MOUSEMOVE", value="NOTHING", x=x, y=y)
        window.event_simulate(type="LEFTMOUSE", value="PRESS", x=x, y=y)
        window.event_simulate(type="LEFTMOUSE", value="RELEASE", x=x, y=y)
        yield 0.2
    fail(f"the sidebar shows {sidebar.active_panel_category!r}, not the Toonbeat tab")


def toonbeat_module(name: str) -> Any:
    """A module of the installed extension."""
    return sys.modules[f"{PACKAGE}.{name}"]


def beat_file(song: str | None = None) -> Path:
    """Where Analyze writes the beats of ``song`` (the session's song by default): beside it."""
    path = Path(song or JOB["song"])
    return path.with_name(f"{path.stem}.beats.json")


def wait_until(condition: Callable[[], bool], what: str) -> Iterator[float]:
    """Yield short waits until ``condition`` holds; a failure after ``STEP_TIMEOUT`` seconds."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
            return
        yield 0.2


def song_buttons(view3d: Any) -> Iterator[float]:
    """Song: nothing can run before there is a song, then only Analyze."""
    scene = bpy.context.scene
    settings = scene.toonbeat
    check(not can_click(view3d, "analyze"), "Analyze is active without a song")
    check(not can_click(view3d, "load_song"), "Load Song is active without a song")
    check(not can_click(view3d, "bake"), "Bake is active without beats")
    settings.audio_path = JOB["song"]
    yield 0.5
    check(can_click(view3d, "analyze"), "Analyze is greyed out with a song")
    check(not can_click(view3d, "load_song"), "Load Song is active without beats")


def analysis_progress_then_esc(view3d: Any) -> Iterator[float]:
    """On a song long enough to take seconds: progress with percent and time left, the window alive all along;
    then Esc cancels the analysis and writes nothing."""
    scene = bpy.context.scene
    settings = scene.toonbeat
    window = bpy.context.window_manager.windows[0]
    settings.audio_path = JOB["long_song"]
    beside = beat_file(JOB["long_song"])
    heartbeats_before = len(result["heartbeats"])
    click(view3d, "analyze", invoke=True)
    progress = toonbeat_module("operators.analyze").PROGRESS
    seen: list[str] = []
    deadline = time.monotonic() + STEP_TIMEOUT
    while progress and time.monotonic() < deadline and not any("%" in t and "left" in t for t in seen):
        text = next(iter(progress.values()), "")
        if text not in seen:
            seen.append(text)
        yield 0.05
    result["analysis_progress"] = seen
    check(any("%" in text and "left" in text for text in seen), f"analysis showed no percent and time left: {seen}")
    yield 0.3  # the panel redrawn with the progress
    screenshot(view3d, "song_analyzing")
    check(bool(progress), "the analysis ended before Esc was pressed")
    check(len(result["heartbeats"]) > heartbeats_before + 2, "the window's timers stopped during analysis")
    window.event_simulate(type="ESC", value="PRESS")
    window.event_simulate(type="ESC", value="RELEASE")
    yield from wait_until(lambda: not progress, "Esc to cancel the analysis")
    yield 1.0
    check(not beside.exists(), f"cancelled analysis wrote {beside}")
    check(settings.beats_path == "", "cancelled analysis set a beat file")
    settings.audio_path = JOB["song"]


def analysis(view3d: Any) -> Iterator[float]:
    """Analyze for real: the beat file written beside the song and loaded, with its markers; the song, which
    the analysis process hashed, is not hashed again in the window (by Load Song's audio check or the library)."""
    scene = bpy.context.scene
    settings = scene.toonbeat
    files = toonbeat_module("core.files")
    hashed: list[str] = []
    real_sha256 = files.file_sha256

    def counting_sha256(path: Any) -> str:
        hashed.append(str(path))
        return real_sha256(path)

    files.file_sha256 = counting_sha256
    try:
        click(view3d, "analyze", invoke=True)
        yield from wait_until(lambda: not toonbeat_module("operators.analyze").PROGRESS, "the analysis to end")
    finally:
        files.file_sha256 = real_sha256
    song = Path(JOB["song"]).resolve()
    result["song_hashed_in_window"] = [path for path in hashed if Path(path).resolve() == song]
    beside = beat_file()
    check(settings.beats_path == str(beside), f"analysis did not set the beat file: {settings.beats_path!r}")
    check(beside.exists(), "analysis wrote no beat file")
    yield 0.5
    result["markers"] = sorted((m.frame, m.name) for m in scene.timeline_markers)
    result["frame_range"] = [scene.frame_start, scene.frame_end]


def stage(view3d: Any) -> Iterator[float]:
    """Stage: a character and backgrounds."""
    scene = bpy.context.scene
    click(view3d, "import_character", directory=JOB["character"])
    click(view3d, "import_backgrounds", directory=JOB["backgrounds"])
    yield 0.5
    compat = toonbeat_module("compat")
    strips = list(compat.strips(scene))
    result["strips"] = sorted(s.name for s in strips)
    result["selected_strips"] = sorted(s.name for s in strips if s.select)

    # Load Song again: the same markers, and the range the artist has not touched still fits the song.
    markers = sorted((m.frame, m.name) for m in scene.timeline_markers)
    click(view3d, "load_song")
    yield 0.5
    check(sorted((m.frame, m.name) for m in scene.timeline_markers) == markers, "Load Song again changed markers")
    check(len(list(compat.strips(scene))) == len(strips), "Load Song again changed the strips")


def bake(view3d: Any) -> Iterator[float]:
    """Choreography: the artist's short preview range survives Bake."""
    scene = bpy.context.scene
    settings = scene.toonbeat
    scene.frame_end = PREVIEW_END
    settings.zoom_mode = "ON"
    settings.zoom_strength = 1.5
    click(view3d, "bake")
    yield 0.5
    result["frame_range_after_bake"] = [scene.frame_start, scene.frame_end]
    action = scene.animation_data.action if scene.animation_data else None
    fcurves = toonbeat_module("compat").fcurves_of(scene) if action else None
    result["key_groups"] = sorted({f.group.name for f in fcurves if f.group}) if fcurves else []
    result["keys"] = sum(len(f.keyframe_points) for f in fcurves) if fcurves else 0


def panel_pictures(view3d: Any) -> Iterator[float]:
    """The panels as the artist sees them; then a click on the Generate panel's header opens it."""
    window = bpy.context.window_manager.windows[0]
    screenshot(view3d, "panels_view3d")
    sidebar = region_of(view3d, "UI")
    x, y = sidebar.x + 40, sidebar.y + sidebar.height - 12
    window.event_simulate(type="MOUSEMOVE", value="NOTHING", x=x, y=y)
    window.event_simulate(type="LEFTMOUSE", value="PRESS", x=x, y=y)
    window.event_simulate(type="LEFTMOUSE", value="RELEASE", x=x, y=y)
    yield 0.5


def generate_without_service(view3d: Any) -> Iterator[float]:
    """Generate without a service: a failed job whose whole message says what to do."""
    board = toonbeat_module("generation").BOARD
    click(view3d, "generate_music")
    click(view3d, "generate_art", what="character")
    yield from wait_until(lambda: len(board.jobs) == 2 and not any(job.active for job in board.jobs),
                          "the music and art jobs to end")
    result["jobs"] = [{"label": job.label, "status": job.status, "message": job.message} for job in board.jobs]
    yield 0.5
    screenshot(view3d, "panel_generate")


def editor_pictures(view3d: Any) -> Iterator[float]:
    """The song's markers in a big timeline, the stage in the Sequencer (with its sidebar), the keys in the
    Graph Editor; ``view3d`` shows each in turn, then the 3D View again."""
    scene = bpy.context.scene
    window = bpy.context.window_manager.windows[0]
    view3d.ui_type = "TIMELINE"
    yield 0.3
    scene.frame_end = scene["toonbeat_frame_end"]
    with bpy.context.temp_override(window=window, area=view3d, region=region_of(view3d, "WINDOW")):
        bpy.ops.action.view_all()
    yield 1.0
    screenshot(view3d, "timeline_markers", region=None)
    scene.frame_end = PREVIEW_END

    view3d.ui_type = "SEQUENCE_EDITOR"
    yield 0.3
    yield from show_toonbeat_sidebar(view3d)
    with bpy.context.temp_override(window=window, area=view3d, region=region_of(view3d, "WINDOW")):
        bpy.ops.sequencer.view_all()
    yield 1.0
    screenshot(view3d, "panels_sequencer")
    screenshot(view3d, "sequencer", region=None)

    view3d.ui_type = "FCURVES"
    yield 0.3
    view3d.spaces.active.dopesheet.show_only_selected = False
    view3d.spaces.active.show_region_ui = False
    with bpy.context.temp_override(window=window, area=view3d, region=region_of(view3d, "WINDOW")):
        bpy.ops.graph.view_all()
    yield 1.0
    screenshot(view3d, "graph_editor", region=None)
    view3d.ui_type = "VIEW_3D"
    yield 0.3


def render_video(view3d: Any) -> Iterator[float]:
    """Render Video: Blender's own render job, the window alive while it runs."""
    scene = bpy.context.scene
    settings = scene.toonbeat
    settings.output_path = JOB["video"]
    heartbeats_before = len(result["heartbeats"])
    click(view3d, "render_video")
    yield 1.0
    yield from wait_until(lambda: not bpy.app.is_job_running("RENDER"), "the render to finish")
    check(len(result["heartbeats"]) > heartbeats_before + 2, "the window's timers stopped during the render")
    yield 0.5
    bpy.ops.wm.save_as_mainfile(filepath=JOB["blend"])


def grease_pencil_import(view3d: Any) -> Iterator[float]:
    """Import Character drawn in Grease Pencil: the loops' drawings are traced from a timer with progress shown,
    the window ticking all along (after the render: the saved scene keeps the sequencer stage)."""
    settings = bpy.context.scene.toonbeat
    settings.stage, settings.characters_as = "3d", "GREASE_PENCIL"
    tracing = toonbeat_module("operators.import_character").TRACING
    started, heartbeats_before = time.monotonic(), len(result["heartbeats"])
    click(view3d, "import_character", directory=JOB["loop_character"])
    seen: list[str] = []
    deadline = started + STEP_TIMEOUT
    while tracing and time.monotonic() < deadline:
        text = next(iter(tracing.values()), "")
        if text not in seen:
            seen.append(text)
        yield 0.05
    took = time.monotonic() - started
    beats = [b for b in result["heartbeats"][heartbeats_before:] if b <= started + took]
    result["tracing"] = {"progress": seen, "seconds": took, "heartbeats": len(beats),
                         "longest_gap": max((b - a for a, b in itertools.pairwise([started, *beats])), default=took)}
    drawings = sorted(Path(JOB["loop_character"]).glob("*/frames/*.png"))
    result["tracing"]["untraced_after"] = len(toonbeat_module("stage.grease_pencil_tracing").untraced(drawings))
    stage_scene = toonbeat_module("stage.stage3d").stage_scene(bpy.context.scene)
    result["tracing"]["drawing_objects"] = sorted(o.name for o in stage_scene.objects if o.name.endswith("drawing"))


def script() -> Iterator[float]:
    """The artist's session, step by step; each ``yield`` gives the window time to draw (seconds)."""
    view3d = areas("VIEW_3D")[0]
    prefs = bpy.context.preferences.addons[PACKAGE].preferences
    prefs.generators_python = JOB["generators_python"]
    window = bpy.context.window_manager.windows[0]
    yield 2.0
    window.event_simulate(type="ESC", value="PRESS")  # closes the splash screen
    window.event_simulate(type="ESC", value="RELEASE")
    yield from show_toonbeat_sidebar(view3d)
    yield 1.0
    screenshot(view3d, "panels_empty")
    for steps in (song_buttons, analysis_progress_then_esc, analysis, stage, bake, panel_pictures,
                  generate_without_service, editor_pictures, render_video, grease_pencil_import):
        yield from steps(view3d)


def run_script(steps: Iterator[float]) -> Callable[[], float | None]:
    """A timer that advances ``steps`` one yield at a time and quits Blender when they end or fail."""

    def advance() -> float | None:
        try:
            return next(steps)
        except StopIteration:
            pass
        except Exception:
            fail(traceback.format_exc())
        finish()
        return None

    return advance


def finish() -> None:
    """Write what was seen and quit."""
    beats = result["heartbeats"]
    result["longest_heartbeat_gap"] = max((b - a for a, b in itertools.pairwise(beats)), default=None)
    (OUT / "result.json").write_text(json.dumps(result, indent=1))
    bpy.ops.wm.quit_blender()


def start() -> None:
    """Begin once the window has drawn itself (the first draw compiles shaders, which is not a freeze)."""
    bpy.app.timers.register(heartbeat, first_interval=0.1, persistent=True)
    bpy.app.timers.register(run_script(script()), first_interval=2.0)


if __name__ == "__main__":  # run by Blender; drive_library.py imports the helpers above
    bpy.app.timers.register(start, first_interval=0.5)
