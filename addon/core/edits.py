"""The rule that keeps an artist's hand edits through re-baking, on plain data.

Toonbeat remembers, per *channel*, the entries it last wrote there as
``(frame, value)`` pairs: a property's keys (value: the key's value), a Grease
Pencil layer's pose switches (value: what the switch shows), the timeline's
markers (value: the marker's name). A single setting, such as a strip's start
frame or channel, is a channel with one entry at frame 0 (``rebake_value``).
On the next bake every entry found on the channel is compared with that record:

- an entry at a recorded frame with its recorded value is Toonbeat's, untouched:
  the new bake replaces it;
- any other entry was added, moved or changed by the artist: it stays as it is,
  and the new bake writes nothing within half a frame of it (``CLEARANCE``);
- a recorded entry that is gone was deleted (or moved away) by the artist: its
  frame becomes a *tombstone*, and later bakes write nothing there either.

A channel Toonbeat never wrote has no record: everything on it is the artist's.
A record that is there but cannot be read (cut short, changed by a script) is
``Unreadable``: the bake says so (``Record.problems``) and recovers. Recovering
means that nothing on the channel is lost (it all counts as the artist's),
except entries exactly where and as the new bake writes them, which are
Toonbeat's again (replacing them changes nothing), and that the record written
after the bake is whole, so the bake after it sorts entries out normally again.

Frames are compared on a grid of ``FRAME_TOLERANCE``; float values within
``VALUE_TOLERANCE`` (relative above 1); other values (names, pose slots) exactly.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FRAME_TOLERANCE = 1e-3
"""Frames closer than this are the same frame."""
VALUE_TOLERANCE = 1e-5
"""Float values closer than this (times the value, above 1) are the same value."""
CLEARANCE = 0.5
"""No new entry is written within this many frames of an artist's entry or a tombstone."""

Value = float | str | None
"""What an entry holds: a key's value, a marker's name, the pose a switch shows (``None``: none)."""
Entry = tuple[float, Value]
"""One ``(frame, value)`` of a channel."""


@dataclass(frozen=True)
class ChannelRecord:
    """What Toonbeat wrote on one channel at its last bake, and the frames the artist deleted."""

    frames: tuple[float, ...] = ()
    values: tuple[Value, ...] = ()
    deleted: tuple[float, ...] = ()

    @property
    def entries(self) -> list[Entry]:
        """The recorded ``(frame, value)`` pairs."""
        return list(zip(self.frames, self.values, strict=True))

    def as_json(self) -> dict[str, list[Any]]:
        """The record as JSON data (``dump_record`` stores it)."""
        return {"frames": list(self.frames), "values": list(self.values), "deleted": list(self.deleted)}


@dataclass(frozen=True)
class Unreadable:
    """A channel whose record is there but cannot be read; ``reason`` says why."""

    reason: str


Recorded = ChannelRecord | Unreadable | None
"""A channel's record: read, unreadable, or absent (Toonbeat never wrote the channel)."""


@dataclass(frozen=True)
class Record:
    """The records of all channels of one target, as read from its stored text (``read_record``)."""

    channels: Mapping[str, ChannelRecord] = field(default_factory=dict)
    damaged: Mapping[str, str] = field(default_factory=dict)
    """Channels whose entry cannot be read, with the reason."""
    unreadable: str | None = None
    """Why the stored text as a whole cannot be read: then every channel is ``Unreadable``."""

    def get(self, channel: str) -> Recorded:
        """The record of ``channel``."""
        if self.unreadable is not None:
            return Unreadable(self.unreadable)
        if channel in self.damaged:
            return Unreadable(self.damaged[channel])
        if channel not in self.channels and self.damaged:
            return Unreadable("the record it would be in is damaged")
        return self.channels.get(channel)

    @property
    def problems(self) -> list[str]:
        """What could not be read, in words for a warning."""
        if self.unreadable is not None:
            return [f"Toonbeat's record of what it wrote cannot be read ({self.unreadable}); "
                    "everything that differs from this bake was kept as the artist's"]
        return [f"Toonbeat's record of {channel!r} cannot be read ({reason}); "
                "everything that differs from this bake was kept as the artist's"
                for channel, reason in self.damaged.items()]


@dataclass(frozen=True)
class Rebake:
    """What a bake does on one channel (``rebake``)."""

    toonbeat: tuple[bool, ...]
    """Per entry found: ``True`` when it is Toonbeat's, untouched, and goes; ``False`` when the artist's and stays."""
    write: tuple[Entry, ...]
    """The new entries to write, none near an artist's entry or a tombstone."""
    record: ChannelRecord
    """The channel's record after the bake."""

    @property
    def kept(self) -> int:
        """Entries of the artist's that stay."""
        return self.toonbeat.count(False)

    @property
    def replaced(self) -> int:
        """Toonbeat's old entries that go."""
        return self.toonbeat.count(True)


def read_record(text: object) -> Record:
    """The record stored as ``text`` (a JSON object of channel name to record); ``None`` when none is stored."""
    if text is None:
        return Record()
    if not isinstance(text, str):
        return Record(unreadable=f"it is a {type(text).__name__}, not text")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return Record(unreadable=f"not JSON: {error}")
    if not isinstance(document, dict):
        return Record(unreadable="not a JSON object")
    channels: dict[str, ChannelRecord] = {}
    damaged: dict[str, str] = {}
    for name, entry in document.items():
        try:
            channels[name] = _channel_record(entry)
        except ValueError as error:
            damaged[name] = str(error)
    return Record(channels, damaged)


def dump_record(channels: Mapping[str, ChannelRecord]) -> str:
    """``channels`` as the text ``read_record`` reads back."""
    return json.dumps({name: record.as_json() for name, record in channels.items()}, separators=(",", ":"))


def same_value(found: Value, recorded: Value) -> bool:
    """Whether an entry's value is still the recorded one: floats within ``VALUE_TOLERANCE``, others exactly."""
    if isinstance(found, (int, float)) and isinstance(recorded, (int, float)):
        return abs(found - recorded) <= VALUE_TOLERANCE * max(1.0, abs(recorded))
    return found == recorded


def untouched(found: Sequence[Entry], recorded: Recorded, new: Sequence[Entry] = ()) -> list[bool]:
    """``True`` for each entry ``found`` on a channel that is Toonbeat's as it left it.

    With an unreadable record, an entry is Toonbeat's when it is one of the ``new``
    entries the bake is about to write (same frame, same value).
    """
    if recorded is None:
        return [False] * len(found)
    known = _by_slot(new) if isinstance(recorded, Unreadable) else _by_slot(recorded.entries)
    result = []
    for frame, value in found:
        mine = known.get(round(frame / FRAME_TOLERANCE))
        result.append(mine is not None and (same_value(value, mine[0]) or any(same_value(value, m) for m in mine[1:])))
    return result


def tombstones(found_frames: Sequence[float], recorded: Recorded) -> tuple[float, ...]:
    """Frames where the artist deleted an entry Toonbeat wrote: recorded ones now empty, and earlier tombstones."""
    if not isinstance(recorded, ChannelRecord):
        return ()
    taken = {round(frame / FRAME_TOLERANCE) for frame in found_frames}
    gone = [frame for frame in recorded.frames if round(frame / FRAME_TOLERANCE) not in taken]
    return tuple(sorted(set(recorded.deleted) | set(gone)))


def rebake(found: Sequence[Entry], recorded: Recorded, new: Sequence[Entry]) -> Rebake:
    """Sort out the entries ``found`` on a channel, given its record, and say which ``new`` ones to write."""
    toonbeat = untouched(found, recorded, new)
    deleted = tombstones([frame for frame, _ in found], recorded)
    blocked = sorted([frame for (frame, _), mine in zip(found, toonbeat, strict=True) if not mine] + list(deleted))
    write = tuple(entry for entry in new if not near(entry[0], blocked)) if blocked else tuple(new)
    record = ChannelRecord(tuple(frame for frame, _ in write), tuple(value for _, value in write), deleted)
    return Rebake(tuple(toonbeat), write, record)


def rebake_value(current: Value, recorded: Recorded, new: Value) -> Rebake:
    """``rebake`` for a single setting (a strip's start frame, its channel): one entry at frame 0.

    ``write`` holds the new value when the setting is Toonbeat's as it left it, and
    nothing when the artist changed it.
    """
    return rebake([(0.0, current)], recorded, [(0.0, new)])


def near(frame: float, sorted_frames: Sequence[float], clearance: float = CLEARANCE) -> bool:
    """Whether ``frame`` is within ``clearance`` frames of one of ``sorted_frames``."""
    index = bisect.bisect_left(sorted_frames, frame - clearance)
    return index < len(sorted_frames) and sorted_frames[index] <= frame + clearance


def _channel_record(entry: object) -> ChannelRecord:
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    frames, values, deleted = entry.get("frames"), entry.get("values"), entry.get("deleted", [])
    if not isinstance(frames, list) or not isinstance(values, list) or not isinstance(deleted, list):
        raise ValueError("'frames', 'values' and 'deleted' are lists")
    if len(frames) != len(values):
        raise ValueError(f"{len(frames)} frames for {len(values)} values")
    if not set(map(type, frames + deleted)) <= {int, float}:
        raise ValueError("frames are numbers")
    if not set(map(type, values)) <= {int, float, str, type(None)}:
        raise ValueError("values are numbers, text or null")
    return ChannelRecord(tuple(frames), tuple(values), tuple(deleted))


def _by_slot(entries: Iterable[Entry]) -> dict[int, list[Value]]:
    """The values of ``entries`` by frame on the grid of ``FRAME_TOLERANCE`` (equal frames, equal keys)."""
    slots: dict[int, list[Value]] = {}
    for frame, value in entries:
        slots.setdefault(round(frame / FRAME_TOLERANCE), []).append(value)
    return slots


def changed_settings(recorded: Mapping[str, object], found: Mapping[str, object],
                     ignored: Iterable[str] = ()) -> list[str]:
    """The settings (by name) whose value in ``found`` is not the ``recorded`` one, leaving out ``ignored`` ones.

    Values are numbers, text, ``None`` or lists of them (a colour, an origin); a
    setting in only one of the two is changed.

    Examples
    --------
    >>> changed_settings({"channel": 2, "origin": [0.5, 0.5]}, {"channel": 3, "origin": [0.5, 0.5]})
    ['channel']
    """
    skip = set(ignored)
    names = sorted((set(recorded) | set(found)) - skip)
    return [name for name in names if name not in recorded or name not in found
            or not _same_setting(recorded[name], found[name])]


def _same_setting(recorded: object, found: object) -> bool:
    if isinstance(recorded, list) and isinstance(found, list):
        return len(recorded) == len(found) and all(_same_setting(r, f) for r, f in zip(recorded, found, strict=True))
    if isinstance(recorded, bool) or isinstance(found, bool):
        return recorded == found
    if isinstance(recorded, (int, float, str)) and isinstance(found, (int, float, str)):
        return same_value(found, recorded)
    return recorded == found


def respace(frames: Sequence[float], anchors: Sequence[float], moves: Mapping[float, float]) -> list[float]:
    """Where each of ``frames`` goes when some of the sorted ``anchors`` move (``moves``: anchor to new frame).

    A frame between two anchors keeps its place between them in proportion, so the
    in-betweens follow a hit the artist moved; frames before the first anchor or
    after the last, and between two anchors that stay, stay where they are.

    Examples
    --------
    >>> respace([0, 2, 4, 6, 8], [0, 4, 8], {4: 6})
    [0.0, 3.0, 6.0, 7.0, 8.0]
    """
    if not moves or len(anchors) < 2:
        return [float(frame) for frame in frames]
    targets = [float(moves.get(anchor, anchor)) for anchor in anchors]
    result = []
    for frame in frames:
        index = bisect.bisect_right(anchors, frame) - 1
        if index < 0 or index >= len(anchors) - 1:
            result.append(float(targets[index] if index >= 0 and frame == anchors[index] else frame))
            continue
        start, end = anchors[index], anchors[index + 1]
        share = (frame - start) / (end - start)
        result.append(targets[index] + share * (targets[index + 1] - targets[index]))
    return result


def lift_tombstones(recorded: Recorded, frames: Iterable[float], found_frames: Sequence[float]) -> Recorded:
    """``recorded`` without the tombstones at ``frames`` (entries the artist moved rather than deleted, where a
    re-spaced bake may write again): neither earlier ones nor recorded entries found gone there now."""
    if not isinstance(recorded, ChannelRecord):
        return recorded
    lifted = {round(frame / FRAME_TOLERANCE) for frame in frames}
    taken = {round(frame / FRAME_TOLERANCE) for frame in found_frames}
    kept = [(frame, value) for frame, value in recorded.entries
            if round(frame / FRAME_TOLERANCE) in taken or round(frame / FRAME_TOLERANCE) not in lifted]
    deleted = tuple(frame for frame in recorded.deleted if round(frame / FRAME_TOLERANCE) not in lifted)
    return ChannelRecord(tuple(f for f, _ in kept), tuple(v for _, v in kept), deleted)
