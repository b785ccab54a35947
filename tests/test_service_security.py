"""The job service as an attacker meets it: real HTTP on 127.0.0.1, through raw sockets where a client would help.

Each test is one thing a web page, a local program or a careless client tries:
another Host name (DNS rebinding), a cross-origin or text/plain request, names
that climb out of the job's folder, files outside what the service may read,
sizes and numbers past every limit, and half-sent requests that never end.
"""

import http.client
import json
import socket
import time
from pathlib import Path

import pytest

from generators.art.params import MAX_FINAL_SIDE, MAX_LABELS, MAX_LORAS, MAX_POSES, MAX_SIDE
from generators.parameters import MAX_PROMPT_CHARS, MAX_SEED
from generators.service.server import MAX_JSON_BYTES, ToonbeatService

PRESETS = Path(__file__).resolve().parents[1] / "generators" / "art" / "presets" / "characters"


@pytest.fixture(scope="module")
def allowed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder named on the command line as one the service may read."""
    return tmp_path_factory.mktemp("allowed")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, allowed: Path):
    running = ToonbeatService(tmp_path_factory.mktemp("service"), port=0, read_from=(allowed,),
                              max_upload_bytes=1000).start()
    yield running
    running.stop()


def send(service, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
         host: str | None = None):
    """One request with exactly these headers (``Host`` included); returns status, JSON body and headers."""
    connection = http.client.HTTPConnection(*service.address, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host or f"127.0.0.1:{service.address[1]}")
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if body is not None and "Content-Length" not in (headers or {}):
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (json.loads(data) if data.startswith((b"{", b"[")) else data), dict(response.headers)


def post_job(service, kind: str, params, headers: dict | None = None, host: str | None = None):
    body = json.dumps({"kind": kind, "params": params}).encode()
    return send(service, "POST", "/jobs", body, {"Content-Type": "application/json", **(headers or {})}, host)


def job_count(service) -> int:
    return len(send(service, "GET", "/jobs")[1]["jobs"])


def procedural_character(**changes) -> dict:
    return {"what": "character", "backend": "procedural", "secondary": [], **changes}


def failing_art(allowed: Path, **changes) -> dict:
    """Art that passes every check and then fails at once on the worker (its model is missing)."""
    return {"what": "backgrounds", "model": str(allowed / "no-such-model"), "device": "cpu", **changes}


# DNS rebinding: a page at evil.example.com whose name now points at 127.0.0.1.

@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:{port}", "127.0.0.1.evil.example.com",
                                  "127.0.0.1:1", "localhost.:{port}", "[::2]:{port}"])
def test_a_request_for_another_host_name_is_refused_before_any_route(service, host):
    before = job_count(service)
    status, body, _ = post_job(service, "art", procedural_character(), host=host.format(port=service.address[1]))
    assert status == 400 and body["field"] == "Host"
    assert send(service, "GET", "/health", host=host.format(port=service.address[1]))[0] == 400
    assert job_count(service) == before


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "127.0.0.1"])
def test_the_service_answers_to_its_own_loopback_names(service, host):
    assert send(service, "GET", "/health", host=host.format(port=service.address[1]))[0] == 200


def test_a_request_without_a_host_header_is_refused(service):
    with socket.create_connection(service.address, timeout=5) as raw:
        raw.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        assert raw.recv(200).startswith(b"HTTP/1.1 400")


# Cross-site requests: a web page posting to the service.

@pytest.mark.parametrize("headers", [
    {"Content-Type": "text/plain", "Origin": "http://evil.example.com"},
    {"Content-Type": "application/json", "Origin": "http://evil.example.com"},
    {"Content-Type": "application/json", "Origin": "null"},
    {"Content-Type": "application/json", "Origin": "http://localhost:3000"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"},
])
def test_a_cross_origin_post_queues_nothing(service, headers):
    before = job_count(service)
    body = json.dumps({"kind": "art", "params": procedural_character()}).encode()
    status, answer, response_headers = send(service, "POST", "/jobs", body, headers)
    assert status == 403 and answer["field"] in ("Origin", "Sec-Fetch-Site")
    assert not any(name.lower().startswith("access-control") for name in response_headers)
    assert job_count(service) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_a_simple_request_body_that_a_form_could_send_is_refused(service, content_type):
    before = job_count(service)
    body = json.dumps({"kind": "art", "params": procedural_character()}).encode()
    status, answer, _ = send(service, "POST", "/jobs", body, {"Content-Type": content_type} if content_type else {})
    assert status == 415 and answer["field"] == "Content-Type"
    assert job_count(service) == before


def test_a_page_of_the_service_itself_may_post(service):
    origin = f"http://127.0.0.1:{service.address[1]}"
    status, job, _ = post_job(service, "art", procedural_character(seed=5), {"Origin": origin,
                                                                            "Sec-Fetch-Site": "same-origin"})
    assert status == 202 and job["status"] in ("queued", "running")


def test_a_preflight_gets_no_cross_origin_permission(service):
    status, _, headers = send(service, "OPTIONS", "/jobs", headers={
        "Origin": "http://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert status in (403, 405)
    assert not any(name.lower().startswith("access-control") for name in headers)


def test_with_a_token_a_cross_origin_request_is_served_only_when_it_carries_the_token(tmp_path):
    guarded = ToonbeatService(tmp_path, port=0, token="s3cret").start()
    try:
        evil = {"Origin": "http://evil.example.com"}
        assert post_job(guarded, "art", procedural_character(), evil)[0] == 401
        status, job, _ = post_job(guarded, "art", procedural_character(), {**evil, "Authorization": "Bearer s3cret"})
        assert status == 202 and job["kind"] == "art"
    finally:
        guarded.stop()


# Names that become paths: characters, poses, secondary characters, section labels.

ESCAPES = ["../../../x", "..", ".", "/tmp/x", "a/b", "a\\b", "x\0y", "~root", ".hidden", "", "x" * 65]


@pytest.mark.parametrize("name", ESCAPES)
@pytest.mark.parametrize("field, params", [
    ("name", lambda name: procedural_character(name=name)),
    ("poses[0]", lambda name: procedural_character(poses=[name])),
    ("secondary[0]", lambda name: procedural_character(secondary=[name])),
    ("labels[1]", lambda name: {"what": "backgrounds", "backend": "procedural", "labels": ["intro", name]}),
])
def test_a_name_that_could_leave_the_job_folder_is_a_400_naming_it(service, name, field, params):
    status, body, _ = post_job(service, "art", params(name))
    assert status == 400 and body["field"] == f"params.{field}"


def test_a_named_character_is_written_inside_its_job_folder_only(service):
    status, job, _ = post_job(service, "art", procedural_character(name="Night Shift-2"))
    assert status == 202
    deadline = time.monotonic() + 60
    while (job := send(service, "GET", f"/jobs/{job['id']}")[1])["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "done", job["error"]
    written = {path for path in service.work_dir.rglob("*") if path.is_file() and path.suffix == ".png"}
    folder = service.work_dir / "jobs" / job["id"]
    assert {path for path in written if path.is_relative_to(folder)} == {folder / name for name in job["files"]
                                                                          if name.endswith(".png")}
    assert all(name.startswith("Night Shift-2/") for name in job["files"])


# Files a job reads: only inside the built-in presets, the service's folders and the folders it was given.

def test_a_preset_outside_the_readable_folders_is_refused_the_same_way_whether_it_exists_or_not(service, tmp_path):
    outside = tmp_path / "my_dj.json"
    outside.write_text((PRESETS / "cyborg_dj.json").read_text())
    answers = [post_job(service, "art", procedural_character(preset=str(path)))
               for path in (outside, tmp_path / "missing.json", Path("/etc/passwd"), Path("/etc/no-such-file"))]
    assert {status for status, _, _ in answers} == {400}
    assert len({(body["field"], body["error"]) for _, body, _ in answers}) == 1
    assert answers[0][1]["field"] == "params.preset"


def test_a_preset_inside_a_folder_named_on_the_command_line_is_read(service, allowed):
    inside = allowed / "my_dj.json"
    inside.write_text((PRESETS / "cyborg_dj.json").read_text())
    status, job, _ = post_job(service, "art", procedural_character(preset=str(inside)))
    assert status == 202, job


def test_a_link_inside_a_readable_folder_to_a_file_outside_is_refused(service, allowed, tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text((PRESETS / "cyborg_dj.json").read_text())
    (allowed / "link.json").symlink_to(outside)
    status, body, _ = post_job(service, "art", procedural_character(preset=str(allowed / "link.json")))
    assert status == 400 and body["field"] == "params.preset"


@pytest.mark.parametrize("field, params", [
    ("params.model", {"what": "character", "model": "/etc/ssl"}),
    ("params.config", {"what": "character", "config": "/etc/ssl"}),
    ("params.ip_adapter", {"what": "character", "ip_adapter": "../../etc"}),
    ("params.style", {"what": "backgrounds", "style": "/etc/passwd"}),
    ("params.loras[1].path", {"what": "character", "loras": [{"path": "some/lora"}, {"path": "/etc/passwd"}]}),
    ("params.preset", {"what": "backgrounds", "preset": "../presets/characters/cyborg_dj.json"}),
])
def test_every_file_an_art_job_reads_is_checked(service, field, params):
    status, body, _ = post_job(service, "art", params)
    assert status == 400 and body["field"] == field


@pytest.mark.parametrize("field, params", [
    ("params.preset", {"preset": "/etc/passwd"}),
    ("params.model", {"prompt": "x", "model": "/root"}),
    ("params.model", {"prompt": "x", "model": "../../../root"}),
])
def test_every_file_a_music_job_reads_is_checked(service, field, params):
    status, body, _ = post_job(service, "music", params)
    assert status == 400 and body["field"] == field


def test_an_upload_id_that_is_a_path_is_refused(service):
    for upload_id in ("../jobs.sqlite3", "0123456789abcdef/../..", "/etc/passwd"):
        status, body, _ = post_job(service, "analysis", {"audio": upload_id})
        assert status == 400 and body["field"] == "params.audio"


# Sizes, durations, step counts and counts: every one bounded, at the limit accepted, just past it refused.

def limits(allowed: Path) -> list[tuple[str, str, dict, dict]]:
    """(kind, field, params at the limit, params just past it)."""
    art = lambda **changes: failing_art(allowed, **changes)  # noqa: E731
    music = lambda **changes: {"prompt": "x", "model": str(allowed / "no-model"), "device": "cpu",  # noqa: E731
                               **changes}
    return [
        ("art", "params.size[0]", art(size=[MAX_FINAL_SIDE, 64]), art(size=[MAX_FINAL_SIDE + 1, 64])),
        ("art", "params.size[1]", art(size=[64, MAX_FINAL_SIDE]), art(size=[64, 30000])),
        ("art", "params.size[0]", art(size=[1, 1]), art(size=[0, 64])),
        ("art", "params.size", art(size=[64, 64]), art(size=[64, 64, 64])),
        ("art", "params.width", art(width=MAX_SIDE), art(width=MAX_SIDE + 8)),
        ("art", "params.height", art(height=64), art(height=60)),
        ("art", "params.width", art(width=512), art(width=516)),
        ("art", "params.steps", art(steps=150), art(steps=151)),
        ("art", "params.steps", art(steps=1), art(steps=0)),
        ("art", "params.guidance", art(guidance=30), art(guidance=30.5)),
        ("art", "params.labels", art(labels=[f"l{i}" for i in range(MAX_LABELS)]),
         art(labels=[f"l{i}" for i in range(MAX_LABELS + 1)])),
        ("art", "params.labels", art(labels=["intro"]), art(labels=[])),
        ("art", "params.poses", {**art(what="character"), "poses": [f"p{i}" for i in range(MAX_POSES)]},
         {**art(what="character"), "poses": [f"p{i}" for i in range(MAX_POSES + 1)]}),
        ("art", "params.secondary", {**art(what="character"), "secondary": ["robot_drummer"] * 8},
         {**art(what="character"), "secondary": ["robot_drummer"] * 9}),
        ("art", "params.loras", art(loras=[{"path": f"owner/lora{i}"} for i in range(MAX_LORAS)]),
         art(loras=[{"path": f"owner/lora{i}"} for i in range(MAX_LORAS + 1)])),
        ("art", "params.loras[0].weight", art(loras=[{"path": "owner/lora", "weight": 4}]),
         art(loras=[{"path": "owner/lora", "weight": 4.01}])),
        ("art", "params.prompt", art(prompt="x" * MAX_PROMPT_CHARS), art(prompt="x" * (MAX_PROMPT_CHARS + 1))),
        ("art", "params.name", {**art(what="character"), "name": "n" * 64}, {**art(what="character"),
                                                                            "name": "n" * 65}),
        ("art", "params.strength", {**art(what="character"), "strength": 1}, {**art(what="character"),
                                                                              "strength": 1.01}),
        ("art", "params.key_tolerance", {**art(what="character"), "key_tolerance": 1.7},
         {**art(what="character"), "key_tolerance": 1.71}),
        ("art", "params.height_px", {**art(what="character"), "height_px": MAX_FINAL_SIDE},
         {**art(what="character"), "height_px": MAX_FINAL_SIDE + 1}),
        ("art", "params.seed", art(seed=MAX_SEED), art(seed=MAX_SEED + 1)),
        ("art", "params.seed", art(seed=0), art(seed=-1)),
        ("music", "params.seconds", music(seconds=1800), music(seconds=1800.01)),
        ("music", "params.seconds", music(seconds=0.1), music(seconds=0)),
        ("music", "params.bpm", music(bpm=400), music(bpm=401)),
        ("music", "params.top_k", music(top_k=2048), music(top_k=2049)),
        ("music", "params.window", music(window=30), music(window=31)),
        ("music", "params.context", music(context=10), music(context=30)),
        ("music", "params.crossfade", music(crossfade=2), music(crossfade=11)),
        ("music", "params.seed", music(seed=MAX_SEED), music(seed=MAX_SEED + 1)),
        ("music", "params.prompt", music(prompt="x" * MAX_PROMPT_CHARS), music(prompt="x" * (MAX_PROMPT_CHARS + 1))),
        ("music", "params.sample_rate", music(sample_rate=44_100), music(sample_rate=96_000)),
        ("music", "params.device", music(device="cuda:0"), music(device="cuda; rm -rf /")),
    ]


def test_every_size_count_and_number_is_accepted_at_its_limit_and_refused_just_past_it(service, allowed):
    for kind, field, at_limit, past_limit in limits(allowed):
        status, body, _ = post_job(service, kind, at_limit)
        assert status == 202, (field, body)
        send(service, "POST", f"/jobs/{body['id']}/cancel")
        status, body, _ = post_job(service, kind, past_limit)
        assert status == 400 and body["field"] == field, (field, body)


def test_the_openapi_description_states_every_bound(service):
    schemas = send(service, "GET", "/openapi.json")[1]["components"]["schemas"]
    background = schemas["BackgroundParams"]["properties"]
    assert background["size"]["anyOf"][0]["prefixItems"][0]["maximum"] == MAX_FINAL_SIDE
    assert background["labels"]["maxItems"] == MAX_LABELS
    assert schemas["MusicParams"]["properties"]["seconds"]["maximum"] == 1800
    assert schemas["MusicParams"]["properties"]["seed"]["maximum"] == MAX_SEED
    assert schemas["CharacterParams"]["properties"]["steps"]["maximum"] == 150
    assert "pattern" in schemas["CharacterParams"]["properties"]["name"]["anyOf"][0]


# Numbers: non-finite ones and integers out of range are a 400 naming the field, never a 500.

@pytest.mark.parametrize("raw_params, field", [
    (b'{"prompt": "x", "seconds": NaN}', "params.seconds"),
    (b'{"prompt": "x", "seconds": Infinity}', "params.seconds"),
    (b'{"prompt": "x", "bpm": -Infinity}', "params.bpm"),
    (b'{"prompt": "x", "seed": ' + b"9" * 400 + b"}", "params.seed"),
    (b'{"prompt": "x", "seed": 1e400}', "params.seed"),
    (b'{"prompt": "x", "seed": 1.5}', "params.seed"),
    (b'{"prompt": "x", "top_k": "lots"}', "params.top_k"),
    (b'{"prompt": "x", "seed": ' + b"9" * 5000 + b"}", "body"),
])
def test_non_finite_numbers_and_huge_integers_are_a_400_naming_the_field(service, raw_params, field):
    body = b'{"kind": "music", "params": ' + raw_params + b"}"
    status, answer, _ = send(service, "POST", "/jobs", body, {"Content-Type": "application/json"})
    assert status == 400 and answer["field"] == field, answer


def test_a_lora_weight_of_nan_is_refused(service):
    body = b'{"kind": "art", "params": {"what": "character", "loras": [{"path": "a/b", "weight": NaN}]}}'
    status, answer, _ = send(service, "POST", "/jobs", body, {"Content-Type": "application/json"})
    assert status == 400 and answer["field"] == "params.loras[0].weight"


# Bodies: too large, untyped, chunked.

def test_an_upload_at_the_limit_is_stored_and_one_byte_more_is_refused(service):
    octets = {"Content-Type": "application/octet-stream"}
    status, stored, _ = send(service, "POST", "/uploads?name=song.wav", b"x" * 1000, octets)
    assert status == 201 and stored["bytes"] == 1000
    status, answer, _ = send(service, "POST", "/uploads?name=song.wav", b"x" * 1001, octets)
    assert status == 413 and answer["field"] == "Content-Length"
    status, answer, _ = send(service, "POST", "/uploads?name=song.wav", b"x" * 10,
                             {**octets, "Content-Length": "999999999999"})
    assert status == 413


def test_an_upload_named_like_a_path_stays_in_its_own_folder(service):
    status, stored, _ = send(service, "POST", "/uploads?name=../../../../tmp/x.wav", b"RIFF",
                             {"Content-Type": "application/octet-stream"})
    assert status == 201 and stored["name"] == "x.wav"
    assert (service.work_dir / "uploads" / stored["id"] / "x.wav").read_bytes() == b"RIFF"


def test_a_chunked_body_or_one_without_a_length_is_refused(service):
    with socket.create_connection(service.address, timeout=5) as raw:
        raw.sendall(f"POST /uploads?name=a.wav HTTP/1.1\r\nHost: 127.0.0.1:{service.address[1]}\r\n"
                    "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\nRIFF\r\n0\r\n\r\n".encode())
        assert raw.recv(200).startswith(b"HTTP/1.1 411")


def test_a_json_body_past_its_limit_is_refused_before_it_is_read(service):
    status, answer, _ = send(service, "POST", "/jobs", b"{}", {"Content-Type": "application/json",
                                                               "Content-Length": str(MAX_JSON_BYTES + 1)})
    assert status == 413 and answer["field"] == "Content-Length"


# Downloads: only the files a finished job lists.

def test_downloads_of_names_outside_a_jobs_files_are_404(service):
    _, job, _ = post_job(service, "art", procedural_character(seed=9))
    while (job := send(service, "GET", f"/jobs/{job['id']}")[1])["status"] not in ("done", "failed"):
        time.sleep(0.05)
    assert job["status"] == "done"
    assert send(service, "GET", f"/jobs/{job['id']}/files/{job['files'][0]}")[0] == 200
    for name in ("../../jobs.sqlite3", "..%2F..%2Fjobs.sqlite3", "%2E%2E/%2E%2E/jobs.sqlite3", "/etc/passwd",
                 "cyborg_dj/../../../jobs.sqlite3", "cyborg_dj%00.png"):
        assert send(service, "GET", f"/jobs/{job['id']}/files/{name}")[0] == 404, name
    assert send(service, "GET", "/jobs/..%2F..%2Fjobs.sqlite3")[0] == 404


# Slowloris: idle, half-sent requests must neither starve others nor stay open forever.

def half_sent(service, count: int, request: bytes) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(service.address, timeout=10)
        connection.sendall(request)
        sockets.append(connection)
    return sockets


def test_250_half_sent_requests_neither_block_health_nor_stay_open(tmp_path):
    slow = ToonbeatService(tmp_path, port=0, header_timeout=2.0).start()
    try:
        idle = half_sent(slow, 250, f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{slow.address[1]}\r\n".encode())
        started = time.monotonic()
        assert send(slow, "GET", "/health")[0] == 200
        assert time.monotonic() - started < 1.5  # answered long before the stalled ones time out
        time.sleep(2.5)
        for connection in idle:
            connection.settimeout(3)
            assert connection.recv(100) == b""  # closed by the service
            connection.close()
    finally:
        slow.stop()


def half_written_uploads(work: Path) -> list[Path]:
    """The files in the service's upload folders; a folder the service removes while we look counts as empty."""
    try:
        return list((work / "uploads").glob("*/*"))
    except FileNotFoundError:
        return half_written_uploads(work)


def test_a_body_that_stops_arriving_is_cut_off(tmp_path):
    slow = ToonbeatService(tmp_path, port=0, body_timeout=1.0).start()
    try:
        [stalled] = half_sent(slow, 1, f"POST /uploads?name=a.wav HTTP/1.1\r\nHost: 127.0.0.1:{slow.address[1]}\r\n"
                                       "Content-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n"
                                       "0123456789".encode())
        stalled.settimeout(5)
        started = time.monotonic()
        while stalled.recv(1000):
            pass
        assert time.monotonic() - started < 4
        stalled.close()
        deadline = time.monotonic() + 5
        while half_written_uploads(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)  # the service notices the closed connection on its next read
        assert not half_written_uploads(tmp_path)  # nothing half-written is left
    finally:
        slow.stop()


def test_past_the_connection_limit_new_requests_are_told_to_come_back(tmp_path):
    limited = ToonbeatService(tmp_path, port=0, max_connections=20).start()
    try:
        idle = half_sent(limited, 20, b"GET /health HTTP/1.1\r\n")
        assert send(limited, "GET", "/health")[0] == 503
        for connection in idle:
            connection.close()
        time.sleep(0.3)
        assert send(limited, "GET", "/health")[0] == 200
    finally:
        limited.stop()
