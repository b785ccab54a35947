"""The add-on's list of queued jobs on disk: kept whole, read back, and a damaged one never stops Blender."""

import json
import logging

from addon.core.job_records import JobRecord, load_records, save_records


def record(**changes) -> JobRecord:
    values = {"label": "Music: techno", "kind": "music", "purpose": "track", "scene": "Scene",
              "folder": "/tmp/generated/1", "params": {"prompt": "techno", "seconds": 60.0},
              "service_url": "http://127.0.0.1:8765", "id": "0123456789ab", "status": "running", **changes}
    return JobRecord(**values)


def test_jobs_read_back_as_they_were_written(tmp_path):
    jobs = [record(), record(id="", status="failed", message="no Toonbeat service answers at ... (" + "x" * 500 + ")")]
    save_records(tmp_path / "jobs.json", jobs)
    assert load_records(tmp_path / "jobs.json") == jobs


def test_no_file_is_no_jobs(tmp_path):
    assert load_records(tmp_path / "jobs.json") == []


def test_a_damaged_or_foreign_file_is_no_jobs_and_a_warning_naming_it(tmp_path, caplog):
    path = tmp_path / "jobs.json"
    for text in ("{not json", json.dumps({"format": "something.else", "jobs": []}),
                 json.dumps({"format": "toonbeat.jobs", "jobs": [{"label": "no kind"}]}), "[]"):
        path.write_text(text)
        with caplog.at_level(logging.WARNING, logger="toonbeat"):
            assert load_records(path) == []
        assert str(path) in caplog.text
        caplog.clear()


def test_fields_a_newer_toonbeat_added_are_ignored(tmp_path):
    path = tmp_path / "jobs.json"
    save_records(path, [record()])
    document = json.loads(path.read_text())
    document["jobs"][0]["priority"] = "high"
    path.write_text(json.dumps(document))
    assert load_records(path) == [record()]
