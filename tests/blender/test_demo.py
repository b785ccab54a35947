"""The demo, small and short as CI runs it: a real MP4 whose flashes land on the song's beats."""


import numpy as np
import pytest

from addon.core import beatfile
from generators.music.drum_machine import synthesize
from tests.commands import toonbeat
from tests.media import frame_brightness, probe, stream

pytestmark = [pytest.mark.blender, pytest.mark.slow]
BARS, BPM, SEED, FPS = 12, 128.0, 7, 24


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = toonbeat("demo", "--out-dir", str(out), "--bars", str(BARS), "--bpm", str(BPM), "--seed", str(SEED),
                      "--resolution", "320x180", "--fps", str(FPS))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, result.stdout


def test_the_demo_writes_a_video_with_sound_and_a_scene(demo):
    out, log = demo
    assert "[4/4]" in log
    info = probe(out / "demo.mp4")
    video, audio = stream(info, "video"), stream(info, "audio")
    assert (video["codec_name"], audio["codec_name"]) == ("h264", "aac")
    assert (video["width"], video["height"]) == (320, 180)
    seconds = synthesize(bpm=BPM, seed=SEED, style="industrial", total_bars=BARS).duration
    assert float(info["format"]["duration"]) == pytest.approx(seconds, abs=0.1)
    assert int(video["nb_frames"]) == pytest.approx(seconds * FPS, abs=1)
    assert (out / "demo.blend").stat().st_size > 0
    assert (out / "demo" / "track.beats.png").read_bytes().startswith(b"\x89PNG")
    assert beatfile.load(out / "demo" / "track.beats.json").tempo == pytest.approx(BPM, rel=0.02)


def test_the_demo_flashes_land_on_the_beats_of_its_audio(demo):
    out, _ = demo
    truth = synthesize(bpm=BPM, seed=SEED, style="industrial", total_bars=BARS).truth
    analysed = beatfile.load(out / "demo" / "track.beats.json")
    times, brightness = frame_brightness(out / "demo.mp4")
    rise = np.diff(brightness, prepend=brightness[0])
    errors = []
    for beat in truth.beats:
        near = [i for i in range(len(times)) if abs(times[i] - beat) <= 2.5 / FPS]
        brightest_rise = max(near, key=lambda i: rise[i])
        errors.append(abs(times[brightest_rise] - beat))
    analysis_error = max(min(abs(a - t) for a in analysed.beats) for t in truth.beats)
    assert analysis_error <= 0.010
    assert max(errors) <= 0.5 / FPS + analysis_error + 1e-3, f"worst flash is {max(errors) * 1000:.1f} ms off"


def test_the_demo_backgrounds_are_timed_loops_cut_on_the_songs_downbeats(demo, tb):
    import bpy

    out, _ = demo
    analysed = beatfile.load(out / "demo" / "track.beats.json")
    bpy.ops.wm.open_mainfile(filepath=str(out / "demo.blend"))
    scene = bpy.context.scene
    rate = scene.render.fps / scene.render.fps_base
    roles = tb.module("stage.roles")
    backgrounds = sorted(roles.with_role(tb.module("compat").strips(scene), "background"), key=lambda s: s.frame_start)
    assert len(backgrounds) == len(analysed.sections) >= 2
    for strip in backgrounds[1:]:
        cut = (strip.frame_start - scene.frame_start) / rate
        assert min(abs(cut - downbeat) for downbeat in analysed.downbeats) <= 0.5 / rate, strip.name
    fcurves = tb.module("compat").fcurves_of(scene)
    for strip in backgrounds:
        loop = next(roles.with_role(tb.module("compat").meta_strips(strip), "loop"))
        timing = fcurves.find(loop.path_from_id("speed_frame_number"))
        assert timing.group.name == "Toonbeat Timing"
        assert len({round(key.co.y, 3) for key in timing.keyframe_points}) >= 3, f"{strip.name} is held still"
