"""The Generate panel's jobs: queued on a running service, followed from a timer, results in the scene."""

import contextlib
import time

import bpy
import pytest

from generators.service.server import ToonbeatService
from tests.blender.jobs import follow, use_service
from tests.songs import click_song_with_beat_file

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0).start()
    yield running
    running.stop()


@pytest.fixture
def board(toonbeat, tb, service, scene):
    use_service(toonbeat, service.url)
    board = tb.module("generation").BOARD
    board.jobs.clear()
    board.save()  # and the list kept in the user folder
    return board


def test_generated_characters_and_backgrounds_go_on_stage_while_blender_keeps_working(board, scene, tb, tmp_path):
    wav, beats_json, _ = click_song_with_beat_file(tmp_path, seconds=6.0, sections=((0.0, "build"), (3.0, "drop")))
    settings = scene.toonbeat
    settings.audio_path, settings.beats_path = str(wav), str(beats_json)
    bpy.ops.toonbeat.load_song()
    settings.generate.art_backend = "procedural"
    assert bpy.ops.toonbeat.generate_art(what="character") == {"FINISHED"}
    assert bpy.ops.toonbeat.generate_art(what="backgrounds") == {"FINISHED"}
    ticks = follow(board)
    assert [job.status for job in board.jobs] == ["done", "done"], [job.message for job in board.jobs]
    assert len(ticks) > 2
    cast = tb.module("stage.sequencer_stage").cast(scene)
    assert cast and cast[0].slots[:4] == ("idle", "dance", "headbang", "walk")
    labels = {s["toonbeat"]["label"] for s in scene.sequence_editor.strips_all if s.get("toonbeat")
              and s["toonbeat"]["role"] == "background"}
    assert labels == {"build", "drop"}
    assert bpy.ops.toonbeat.bake() == {"FINISHED"}


def test_an_analysis_job_uploads_the_song_and_loads_its_beats_and_markers(board, scene, tmp_path):
    wav, _, _ = click_song_with_beat_file(tmp_path, bpm=120.0, seconds=12.0)
    scene.toonbeat.audio_path = str(wav)
    board.submit(bpy.context, "analysis", {}, "beats", "Analysis", upload=wav)
    follow(board)
    [job] = board.jobs
    assert job.status == "done", job.message
    assert scene.toonbeat.beats_path.endswith("beats.json")
    assert any(m.name.startswith("Bar 2") for m in scene.timeline_markers)


def test_a_job_the_service_cannot_run_ends_failed_with_its_reason(board, scene):
    scene.toonbeat.generate.music_model = "/nowhere/musicgen"
    assert bpy.ops.toonbeat.generate_music() == {"FINISHED"}
    follow(board)
    [job] = board.jobs
    assert job.status == "failed"
    assert job.message


def test_a_stopped_service_is_reported_without_a_traceback(toonbeat, tb, scene):
    use_service(toonbeat, "http://127.0.0.1:9")
    board = tb.module("generation").BOARD
    board.jobs.clear()
    bpy.ops.toonbeat.generate_art(what="backgrounds")
    follow(board, timeout=30)
    assert board.jobs[0].status == "failed"
    assert "no Toonbeat service answers" in board.jobs[0].message


@contextlib.contextmanager
def serve_one_strange_answer(answer: bytes):
    """A real HTTP server on 127.0.0.1 that answers every request with ``answer`` until the block ends."""
    import http.server
    import threading

    class Strange(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Strange)
    server.timeout = 0.1
    done = threading.Event()

    def answer_until_done() -> None:
        while not done.is_set():
            server.handle_request()

    thread = threading.Thread(target=answer_until_done, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        done.set()
        thread.join(timeout=5)
        server.server_close()


def test_a_job_the_timer_cannot_make_sense_of_fails_alone_and_the_timer_keeps_following_the_others(
        toonbeat, tb, board, service, scene):
    generation = tb.module("generation")
    with serve_one_strange_answer(b'{"status": "queued"}') as strange:
        use_service(toonbeat, f"http://127.0.0.1:{strange.server_address[1]}")
        bpy.ops.toonbeat.generate_art(what="backgrounds")
        use_service(toonbeat, service.url)
        scene.toonbeat.generate.art_backend = "procedural"
        bpy.ops.toonbeat.generate_art(what="character")
        intervals = []
        while any(job.active for job in board.jobs):
            intervals.append(generation.tick())
            time.sleep(0.02)
    odd, fine = board.jobs
    assert odd.status == "failed" and "not a job" in odd.message
    assert fine.status == "done", fine.message
    assert all(interval is not None for interval in intervals[:-1])


def test_the_panel_passes_lora_weights_ip_adapter_config_and_key_tolerance_to_the_service(board, service, scene):
    wanted = scene.toonbeat.generate
    wanted.art_backend = "procedural"
    wanted.art_loras = "owner/ink-lines:0.6, owner/flat-colors"
    wanted.art_ip_adapter, wanted.art_config, wanted.art_key_tolerance = "h94/IP-Adapter", "owner/sd15-config", 0.3
    bpy.ops.toonbeat.generate_art(what="character")
    follow(board)
    [job] = board.jobs
    params = service.jobs.get(job.id).describe()["params"]
    assert params["loras"] == [{"path": "owner/ink-lines", "weight": 0.6}, {"path": "owner/flat-colors", "weight": 1.0}]
    assert (params["ip_adapter"], params["config"]) == ("h94/IP-Adapter", "owner/sd15-config")
    assert params["key_tolerance"] == pytest.approx(0.3)


def test_a_failed_job_can_be_retried_and_finished_jobs_cleared(toonbeat, tb, board, service, scene):
    scene.toonbeat.generate.art_backend = "procedural"
    use_service(toonbeat, "http://127.0.0.1:9")
    bpy.ops.toonbeat.generate_art(what="character")
    follow(board, timeout=30)
    assert board.jobs[0].status == "failed" and "toonbeat serve" in board.jobs[0].message  # the whole message
    use_service(toonbeat, service.url)
    assert bpy.ops.toonbeat.retry_job(index=0) == {"FINISHED"}
    follow(board)
    [job] = board.jobs
    assert job.status == "done", job.message
    assert tb.module("stage.sequencer_stage").cast(scene)
    assert bpy.ops.toonbeat.clear_jobs() == {"FINISHED"}
    assert board.jobs == []
    assert tb.module("core.job_records").load_records(tb.module("generation").records_path()) == []


def test_jobs_queued_before_blender_restarts_are_picked_up_and_land_in_the_scene(toonbeat, tb, board, scene):
    generation = tb.module("generation")
    scene.toonbeat.generate.art_backend = "procedural"
    bpy.ops.toonbeat.generate_art(what="character")
    job = board.jobs[0]
    while not job.id:
        board.tick()
        time.sleep(0.02)
    generation.shutdown()  # Toonbeat disabled, or Blender closed: the jobs are in its user folder
    assert board.jobs == []
    assert board.resume(bpy.context) == 1
    follow(board)
    [again] = board.jobs
    assert again.id == job.id and again.status == "done", again.message
    assert tb.module("stage.sequencer_stage").cast(scene)


def test_a_damaged_job_list_is_ignored_with_a_warning(tb, board, scene):
    generation = tb.module("generation")
    generation.records_path().write_text("{not json")
    assert board.resume(bpy.context) == 0
    assert board.jobs == []
