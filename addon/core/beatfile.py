"""The beat file: Toonbeat's versioned JSON of a song's musical timing.

Reading accepts every version so far and the minimal ``{tempo, beats, onsets}``
files of the original librosa recipe, all upgraded on load to the current
version. Version 2 (analysis 2) means: ``tempo`` and ``beats`` are the notated
beat, ``beats_per_bar`` is the song's meter (3 or 4 from the analysis) and the
downbeats are exactly the beats at position 1. A version 1 file keeps its
fields as they are (version 1 made no promise about the downbeats); a legacy
file gets downbeats every ``beats_per_bar`` beats and one section spanning the song. Writing validates
against ``beats.schema.json`` and replaces the target file atomically, so a
failed write never leaves half a JSON behind.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import schema_check
from .files import FileIdentity, file_identity, write_json_atomically
from .input_limits import InputLimitError, check_json_depth, unreadable_reason

FORMAT = "toonbeat.beats"
VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Versions ``load`` reads; older ones are upgraded to ``VERSION``."""
SCHEMA_PATH = Path(__file__).with_name("beats.schema.json")
BEATS_PER_BAR = 4
"""Beats in a bar where nothing says otherwise: the default of the analysis, the drum machine and old files."""
MAX_FILE_BYTES = 64 << 20
"""Largest beat file read (a 6-hour song's analysis is under 20 MB)."""
MAX_DURATION_SECONDS = 6 * 3600.0
"""Longest song a beat file may describe."""
MAX_TIMES = 200_000
"""Most entries in each list of times (beats, downbeats, onsets, drops): 6 hours at 555 per minute."""
MAX_SECTIONS = 10_000
MAX_ENERGY_FRAMES = 1_100_000
"""Most samples per energy band: 6 hours at the analyzer's 50 a second."""
MAX_ENERGY_RATE = 1000.0
"""Most energy samples a second."""
MAX_TEMPO_BPM = 1000.0
TIME_TOLERANCE_SECONDS = 1e-3
"""How far past the audio's end a time may fall (rounding), before it is an error."""
_TIME_LISTS = ("beats", "downbeats", "onsets", "drops")


class BeatFileError(ValueError):
    """A beat file that cannot be read, with the file and the problem in the message."""


@dataclass(frozen=True)
class Section:
    """One song section; ``start`` and ``end`` in seconds."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Energy:
    """Loudness envelopes in 0..1, sampled ``frame_rate`` times a second from time 0."""

    frame_rate: float
    overall: tuple[float, ...]
    low: tuple[float, ...]
    mid: tuple[float, ...]
    high: tuple[float, ...]

    def at(self, seconds: float, band: str = "overall") -> float:
        """Envelope value of ``band`` at ``seconds`` (nearest sample, clamped to the ends)."""
        values: tuple[float, ...] = getattr(self, band)
        if not values:
            return 1.0
        index = min(max(int(seconds * self.frame_rate + 0.5), 0), len(values) - 1)
        return values[index]


@dataclass(frozen=True)
class AudioInfo:
    """The audio a beat file was made from."""

    path: str
    duration: float
    sample_rate: int
    channels: int
    sha256: str


@dataclass(frozen=True)
class BeatData:
    """Everything Toonbeat knows about a song's timing. Times in seconds."""

    tempo: float
    beats: tuple[float, ...]
    beat_positions: tuple[int, ...]
    beats_per_bar: int
    downbeats: tuple[float, ...]
    onsets: tuple[float, ...]
    sections: tuple[Section, ...]
    drops: tuple[float, ...]
    energy: Energy
    audio: AudioInfo
    analyzer: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Length of the song in seconds."""
        return self.audio.duration


def schema() -> dict[str, Any]:
    """The beat file's JSON Schema."""
    return schema_check.read_schema(SCHEMA_PATH)


def load(path: str | os.PathLike[str]) -> BeatData:
    """Read a beat file, upgrading a legacy ``{tempo, beats, onsets}`` file."""
    reason = unreadable_reason(path)
    if reason is not None:
        raise BeatFileError(f"{path}: cannot read the beat file: {reason}")
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        raise BeatFileError(f"{path}: the beat file is {size:,} bytes; Toonbeat reads beat files of at most "
                            f"{MAX_FILE_BYTES:,} bytes")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BeatFileError(f"{path}: cannot read the beat file ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise BeatFileError(f"{path}: not a beat file: the text is not UTF-8 "
                            f"(byte {error.object[error.start]:#04x} at offset {error.start})") from error
    return loads(text, source=str(path))


def load_unchanged(path: str | os.PathLike[str]) -> BeatData:
    """:func:`load`, read again only when the file changed (its size or modification time) since this process
    last read it: Blender's operators and panels ask for the scene's beats at every click."""
    try:
        identity = file_identity(path)
    except OSError:
        return load(path)  # which names the problem
    return _load_identified(str(path), identity)


@lru_cache(maxsize=4)
def _load_identified(path: str, _identity: FileIdentity) -> BeatData:
    return load(path)


def loads(text: str, source: str = "<string>") -> BeatData:
    """Parse beat file text; ``source`` names the file in error messages."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BeatFileError(f"{source}: not valid JSON ({error.msg} at line {error.lineno})") from error
    except RecursionError as error:
        raise BeatFileError(f"{source}: JSON nested too deeply to read") from error
    return from_dict(document, source)


def from_dict(document: Any, source: str = "<dict>") -> BeatData:
    """Validate a parsed beat file (any readable version, or legacy) and turn it into ``BeatData``."""
    if not isinstance(document, dict):
        raise BeatFileError(f"{source}: a beat file is a JSON object, found {type(document).__name__}")
    try:
        check_json_depth(document, source)
    except InputLimitError as error:
        raise BeatFileError(str(error)) from error
    _raise_if_too_large(document, source)
    written_version = document.get("version")
    if "format" not in document:
        document = upgrade_legacy(document, source)
    elif document.get("format") == FORMAT and written_version not in READABLE_VERSIONS:
        raise BeatFileError(
            f"{source}: beat file version {written_version!r} is not supported; "
            f"this Toonbeat reads versions {', '.join(map(str, READABLE_VERSIONS))}"
        )
    elif written_version != VERSION:
        document = {**document, "version": VERSION}
    _raise_if_invalid(document, source, downbeats_follow_positions=written_version == VERSION)
    return _to_beat_data(document)


def to_dict(data: BeatData) -> dict[str, Any]:
    """The JSON document of ``data``."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "audio": {
            "path": data.audio.path,
            "duration": data.audio.duration,
            "sample_rate": data.audio.sample_rate,
            "channels": data.audio.channels,
            "sha256": data.audio.sha256,
        },
        "tempo": data.tempo,
        "beats": list(data.beats),
        "beat_positions": list(data.beat_positions),
        "beats_per_bar": data.beats_per_bar,
        "downbeats": list(data.downbeats),
        "onsets": list(data.onsets),
        "sections": [{"start": s.start, "end": s.end, "label": s.label} for s in data.sections],
        "drops": list(data.drops),
        "energy": {
            "frame_rate": data.energy.frame_rate,
            "overall": list(data.energy.overall),
            "low": list(data.energy.low),
            "mid": list(data.energy.mid),
            "high": list(data.energy.high),
        },
    }
    if data.analyzer:
        document["analyzer"] = dict(data.analyzer)
    return document


def save(data: BeatData, path: str | os.PathLike[str]) -> None:
    """Validate ``data`` and write it to ``path`` atomically."""
    document = to_dict(data)
    _raise_if_invalid(document, str(path))
    write_json_atomically(document, path)


def upgrade_legacy(document: dict[str, Any], source: str, beats_per_bar: int = BEATS_PER_BAR) -> dict[str, Any]:
    """Turn a ``{tempo, beats, onsets}`` file into a current-version document.

    Downbeats fall on every ``beats_per_bar``-th beat from the first, one
    ``drop`` section covers the song, the energy envelope is flat and the audio
    is unknown (an empty hash, the song ending one beat after the last beat).
    """
    missing = [key for key in ("tempo", "beats") if key not in document]
    if missing:
        raise BeatFileError(f"{source}: not a beat file (no 'format' and no {', '.join(map(repr, missing))})")
    beats = document["beats"]
    tempo = document["tempo"]
    if not _is_number_list(beats) or not isinstance(tempo, (int, float)) or isinstance(tempo, bool) or tempo <= 0:
        raise BeatFileError(f"{source}: 'tempo' must be a positive number and 'beats' a list of seconds")
    onsets = document.get("onsets", [])
    if not _is_number_list(onsets):
        raise BeatFileError(f"{source}: 'onsets' must be a list of seconds")
    duration = (beats[-1] + 60.0 / tempo) if beats else 0.0
    positions = [index % beats_per_bar + 1 for index in range(len(beats))]
    return {
        "format": FORMAT,
        "version": VERSION,
        "audio": {"path": "", "duration": duration, "sample_rate": 1, "channels": 1, "sha256": "0" * 64},
        "tempo": float(tempo),
        "beats": beats,
        "beat_positions": positions,
        "beats_per_bar": beats_per_bar,
        "downbeats": beats[::beats_per_bar],
        "onsets": onsets,
        "sections": [{"start": 0.0, "end": duration, "label": "drop"}] if beats else [],
        "drops": [],
        "energy": {"frame_rate": 1.0, "overall": [], "low": [], "mid": [], "high": []},
        "analyzer": {"name": "legacy", "version": "0"},
    }


def _is_number_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, (int, float)) and not isinstance(item, bool) for item in value
    )


def _raise_if_too_large(document: dict[str, Any], source: str) -> None:
    """Count limits, checked before the schema walks every entry."""
    energy = document.get("energy")
    counts = [(f"$.{key}", document.get(key), MAX_TIMES) for key in (*_TIME_LISTS, "beat_positions")]
    counts.append(("$.sections", document.get("sections"), MAX_SECTIONS))
    if isinstance(energy, dict):
        counts += [(f"$.energy.{band}", energy.get(band), MAX_ENERGY_FRAMES) for band in ("overall", "low", "mid",
                                                                                          "high")]
    for field_name, value, limit in counts:
        if isinstance(value, list) and len(value) > limit:
            raise BeatFileError(f"{source}: {field_name} has {len(value):,} entries; "
                                f"Toonbeat reads at most {limit:,}")


def _raise_if_invalid(document: dict[str, Any], source: str, *, downbeats_follow_positions: bool = True) -> None:
    errors = (schema_check.validate(document, schema()) or _number_errors(document)
              or _consistency_errors(document, downbeats_follow_positions))
    if errors:
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        raise BeatFileError(f"{source}: invalid beat file: {shown}")


def _number_errors(document: dict[str, Any]) -> list[str]:
    """Numbers in range (the schema has already refused NaN and infinities); every time within the audio."""
    duration = document["audio"]["duration"]
    if duration > MAX_DURATION_SECONDS:
        return [f"$.audio.duration: {duration} s is not a song length (at most {MAX_DURATION_SECONDS:g} s)"]
    errors = []
    if document["tempo"] > MAX_TEMPO_BPM:
        errors.append(f"$.tempo: {document['tempo']} BPM is not a tempo (at most {MAX_TEMPO_BPM:g})")
    if document["energy"]["frame_rate"] > MAX_ENERGY_RATE:
        errors.append(f"$.energy.frame_rate: {document['energy']['frame_rate']} is not a frame rate "
                      f"(at most {MAX_ENERGY_RATE:g} a second)")
    times = [(f"$.{key}[{index}]", time) for key in _TIME_LISTS for index, time in enumerate(document[key])]
    times += [(f"$.sections[{index}].{end}", section[end]) for index, section in enumerate(document["sections"])
              for end in ("start", "end")]
    errors += [f"{where}: {time:g} s is past the end of the audio ({duration:g} s)"
               for where, time in times if time > duration + TIME_TOLERANCE_SECONDS]
    return errors


def _consistency_errors(document: dict[str, Any], downbeats_follow_positions: bool) -> list[str]:
    """Rules JSON Schema cannot state: sorted times, matching lengths, ordered sections, downbeats at position 1."""
    errors = []
    for key in ("beats", "downbeats", "onsets", "drops"):
        times = document[key]
        if any(later < earlier for earlier, later in itertools.pairwise(times)):
            errors.append(f"$.{key}: times must be in increasing order")
    if len(document["beat_positions"]) != len(document["beats"]):
        errors.append("$.beat_positions: needs one entry per beat")
    if any(position > document["beats_per_bar"] for position in document["beat_positions"]):
        errors.append("$.beat_positions: a position is larger than beats_per_bar")
    first_beats = [t for t, p in zip(document["beats"], document["beat_positions"], strict=False) if p == 1]
    if downbeats_follow_positions and first_beats != document["downbeats"]:
        errors.append("$.downbeats: must be exactly the beats at position 1")
    previous_end = 0.0
    for index, section in enumerate(document["sections"]):
        if section["end"] <= section["start"]:
            errors.append(f"$.sections[{index}]: end must come after start")
        if abs(section["start"] - previous_end) > 1e-3:
            errors.append(f"$.sections[{index}]: starts at {section['start']}, not at {previous_end}")
        previous_end = section["end"]
    energy = document["energy"]
    lengths = {len(energy[band]) for band in ("overall", "low", "mid", "high")}
    if len(lengths) > 1:
        errors.append("$.energy: the bands must have the same length")
    return errors


def _to_beat_data(document: dict[str, Any]) -> BeatData:
    energy = document["energy"]
    audio = document["audio"]
    return BeatData(
        tempo=float(document["tempo"]),
        beats=tuple(map(float, document["beats"])),
        beat_positions=tuple(document["beat_positions"]),
        beats_per_bar=document["beats_per_bar"],
        downbeats=tuple(map(float, document["downbeats"])),
        onsets=tuple(map(float, document["onsets"])),
        sections=tuple(Section(float(s["start"]), float(s["end"]), s["label"]) for s in document["sections"]),
        drops=tuple(map(float, document["drops"])),
        energy=Energy(
            frame_rate=float(energy["frame_rate"]),
            overall=tuple(map(float, energy["overall"])),
            low=tuple(map(float, energy["low"])),
            mid=tuple(map(float, energy["mid"])),
            high=tuple(map(float, energy["high"])),
        ),
        audio=AudioInfo(
            path=audio["path"],
            duration=float(audio["duration"]),
            sample_rate=audio["sample_rate"],
            channels=audio["channels"],
            sha256=audio["sha256"],
        ),
        analyzer=dict(document.get("analyzer", {})),
    )
