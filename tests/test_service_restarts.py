"""A service that stops (SIGTERM, a crash, a restart) loses no job: they are kept in SQLite in its folder."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from addon.core.service_client import ServiceClient
from generators.service.jobs import INTERRUPTED
from generators.service.server import ToonbeatService

ROOT = Path(__file__).resolve().parents[1]


def long_music(model: Path) -> dict:
    return {"prompt": "techno", "seconds": 300.0, "window": 30.0, "context": 5.0, "crossfade": 0.5,
            "model": str(model), "backend": "transformers", "device": "cpu", "top_k": 20}


def procedural_character(seed: int) -> dict:
    return {"what": "character", "backend": "procedural", "secondary": [], "seed": seed}


def test_a_restarted_service_knows_every_job_runs_the_queued_ones_and_reports_the_interrupted_one(tmp_path, musicgen):
    first = ToonbeatService(tmp_path, port=0, read_from=(musicgen,)).start()
    client = ServiceClient(first.url, timeout=5.0)
    done = client.wait(client.submit("art", procedural_character(1))["id"], 0.05, 60)
    running = client.submit("music", long_music(musicgen))
    queued = client.submit("art", procedural_character(2))
    while client.job(running["id"])["progress"] == 0.0:
        time.sleep(0.02)
    first.stop()

    second = ToonbeatService(tmp_path, port=0, read_from=(musicgen,)).start()
    try:
        client = ServiceClient(second.url, timeout=5.0)
        assert [job["id"] for job in client.jobs()] == [done["id"], running["id"], queued["id"]]
        assert client.job(done["id"])["status"] == "done"
        assert client.download(done["id"], done["files"][0], tmp_path / "again").stat().st_size > 0
        interrupted = client.job(running["id"])
        assert interrupted["status"] == "failed" and interrupted["error"] == INTERRUPTED
        assert interrupted["params"]["seconds"] == 300.0
        ran = client.wait(queued["id"], 0.05, 60)
        assert ran["status"] == "done" and ran["params"]["seed"] == 2
    finally:
        second.stop()


def test_an_upload_outlives_a_restart(tmp_path):
    first = ToonbeatService(tmp_path, port=0).start()
    song = tmp_path / "song.wav"
    song.write_bytes(b"RIFF0000WAVE")
    upload_id = ServiceClient(first.url).upload(song)
    first.stop()
    second = ToonbeatService(tmp_path, port=0).start()
    try:
        failed = ServiceClient(second.url).submit("analysis", {"audio": upload_id})
        assert failed["params"]["audio"] == upload_id  # accepted: the upload is still there
    finally:
        second.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(work_dir: Path, port: int) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("TOONBEAT_TOKEN", None)
    process = subprocess.Popen([sys.executable, "-m", "generators", "serve", "--port", str(port), "--work-dir",
                                str(work_dir)], env=environment, stderr=subprocess.PIPE, text=True)
    assert "toonbeat service on" in process.stderr.readline()
    return process


def test_sigterm_stops_toonbeat_serve_gracefully_and_the_next_one_knows_its_jobs(tmp_path):
    port = free_port()
    process = serve(tmp_path / "work", port)
    try:
        client = ServiceClient(f"http://127.0.0.1:{port}", timeout=10.0)
        done = client.wait(client.submit("art", procedural_character(3))["id"], 0.05, 60)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "stopping" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    again = serve(tmp_path / "work", port)
    try:
        assert ServiceClient(f"http://127.0.0.1:{port}").job(done["id"])["status"] == "done"
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=30) == 0
