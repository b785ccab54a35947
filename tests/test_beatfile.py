"""The beat file: versioned, validated on write and read, and old librosa-recipe files still load."""

import json
import os

import jsonschema
import pytest

from addon.core import beatfile
from addon.core.beatfile import BeatFileError
from tests.songs import click_song


@pytest.fixture
def beats(tmp_path):
    return click_song(tmp_path / "song.wav", bpm=128, seconds=6.0, sections=((0.0, "intro"), (3.0, "drop")))


def test_a_saved_beat_file_loads_back_equal(beats, tmp_path):
    path = tmp_path / "beats.json"
    beatfile.save(beats, path)
    assert beatfile.load(path) == beats


def test_a_saved_beat_file_satisfies_the_published_json_schema(beats, tmp_path):
    path = tmp_path / "beats.json"
    beatfile.save(beats, path)
    jsonschema.validate(json.loads(path.read_text()), beatfile.schema())


def test_a_legacy_librosa_recipe_file_is_upgraded_on_load(tmp_path):
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"tempo": 120.0, "beats": [0.5, 1.0, 1.5, 2.0, 2.5], "onsets": [0.5, 0.75]}))
    data = beatfile.load(path)
    assert data.tempo == 120.0
    assert data.beats == (0.5, 1.0, 1.5, 2.0, 2.5)
    assert data.downbeats == (0.5, 2.5)
    assert data.beat_positions == (1, 2, 3, 4, 1)
    assert data.onsets == (0.5, 0.75)
    assert [s.label for s in data.sections] == ["drop"]
    assert data.duration == pytest.approx(3.0)


def test_a_version_1_file_loads_as_it_was_written_and_saves_as_version_2(beats, tmp_path):
    document = beatfile.to_dict(beats)
    assert document["version"] == beatfile.VERSION == 2
    document["version"] = 1
    document["downbeats"] = document["beats"][1::4]
    path = tmp_path / "version1.json"
    path.write_text(json.dumps(document))
    data = beatfile.load(path)
    assert data.downbeats == tuple(document["downbeats"])
    assert data.beats == beats.beats and data.sections == beats.sections
    beatfile.save(data.__class__(**{**data.__dict__, "downbeats": beats.downbeats}), tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text())["version"] == 2


def test_a_waltz_keeps_its_meter_and_positions(tmp_path):
    beats = [0.5 * index for index in range(9)]
    legacy = {"tempo": 120.0, "beats": beats, "onsets": []}
    upgraded = beatfile.upgrade_legacy(legacy, "waltz", beats_per_bar=3)
    path = tmp_path / "waltz.json"
    path.write_text(json.dumps(upgraded))
    data = beatfile.load(path)
    assert data.beats_per_bar == 3
    assert data.beat_positions == (1, 2, 3, 1, 2, 3, 1, 2, 3)
    assert data.downbeats == (0.0, 1.5, 3.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=7), "version 7 is not supported"),
        (lambda d: d["sections"][0].update(label="chorusx"), "'chorusx' is not one of"),
        (lambda d: d.update(beats=list(reversed(d["beats"]))), "increasing order"),
        (lambda d: d.update(tempo=-3), "must be greater than 0"),
        (lambda d: d.pop("downbeats"), "missing required key 'downbeats'"),
        (lambda d: d["audio"].update(sha256="nothex"), "does not match"),
        (lambda d: d.update(beat_positions=[1]), "one entry per beat"),
        (lambda d: d["sections"][1].update(start=4.0), "not at 3.0"),
        (lambda d: d.update(downbeats=d["beats"][1::4]), "exactly the beats at position 1"),
    ],
)
def test_a_broken_beat_file_is_refused_with_the_file_and_the_problem(beats, tmp_path, change, message):
    document = beatfile.to_dict(beats)
    change(document)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    with pytest.raises(BeatFileError) as raised:
        beatfile.load(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_our_validator_agrees_with_the_jsonschema_package(beats):
    valid = beatfile.to_dict(beats)
    broken = [
        {**valid, "tempo": "fast"},
        {**valid, "extra": 1},
        {**valid, "energy": {**valid["energy"], "low": [2.0]}},
        {**valid, "onsets": [True]},
        {**valid, "audio": {**valid["audio"], "channels": 0}},
    ]
    validator = jsonschema.Draft202012Validator(beatfile.schema())
    from addon.core import schema_check

    assert schema_check.validate(valid, beatfile.schema()) == []
    assert validator.is_valid(valid)
    for document in broken:
        assert schema_check.validate(document, beatfile.schema()), document
        assert not validator.is_valid(document), document


def test_a_long_list_of_numbers_gets_the_messages_of_checking_each_number():
    from addon.core import schema_check

    level = {"type": "number", "minimum": 0, "maximum": 1}
    schema = {"type": "array", "items": {"$ref": "#/$defs/level"}, "$defs": {"level": level}}
    wrong = {3: -0.1, 10: 1.5, 20: True, 30: "x", 40: float("inf"), 50: float("nan"), 60: None, 70: [0.5]}
    values: list[object] = [0.5, 0, 1, 1.0] * 250
    for index, value in wrong.items():
        values[index] = value
    expected = [f"$[{i}]{message[1:]}" for i, value in wrong.items() for message in schema_check.validate(value, level)]
    assert len(expected) == len(wrong)
    assert schema_check.validate(values, schema) == expected
    times = {"type": "array", "items": {"type": "number", "minimum": 0}}
    assert schema_check.validate([0.0, float("inf"), 3], times) == ["$[1]: expected number, found float inf"]
    counts = {"type": "array", "items": {"type": "integer", "minimum": 1}}
    assert schema_check.validate([1, 10**30, 2.0, False, 0], counts) == [
        "$[2]: expected integer, found float 2.0",
        "$[3]: expected integer, found bool False",
        "$[4]: 0 is below the minimum 1",
    ]


def test_not_json_and_missing_files_give_clear_errors(tmp_path):
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    with pytest.raises(BeatFileError, match="not valid JSON"):
        beatfile.load(garbage)
    with pytest.raises(BeatFileError, match="cannot read"):
        beatfile.load(tmp_path / "missing.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.raises(BeatFileError, match="not a beat file"):
        beatfile.load(other)


def test_a_failed_save_leaves_the_previous_file_and_no_temporary_file(beats, tmp_path):
    path = tmp_path / "beats.json"
    beatfile.save(beats, path)
    before = path.read_text()
    broken = beats.__class__(**{**beats.__dict__, "tempo": -1.0})
    with pytest.raises(BeatFileError):
        beatfile.save(broken, path)
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["beats.json", "song.wav"]


def test_an_unchanged_beat_file_is_not_read_again(beats, tmp_path, monkeypatch):
    path = tmp_path / "song.beats.json"
    beatfile.save(beats, path)
    reads: list[str] = []
    real_load = beatfile.load
    monkeypatch.setattr(beatfile, "load", lambda source: reads.append(str(source)) or real_load(source))
    first = beatfile.load_unchanged(path)
    assert beatfile.load_unchanged(path) is first
    assert len(reads) == 1
    faster = beatfile.from_dict({**beatfile.to_dict(beats), "tempo": beats.tempo + 1.0})
    beatfile.save(faster, path)
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 1_000_000))
    assert beatfile.load_unchanged(path).tempo == beats.tempo + 1.0
    assert len(reads) == 2
    path.write_text("{}")
    with pytest.raises(BeatFileError, match=r"song\.beats\.json"):
        beatfile.load_unchanged(path)
    with pytest.raises(BeatFileError, match=r"missing\.beats\.json: cannot read the beat file"):
        beatfile.load_unchanged(tmp_path / "missing.beats.json")
