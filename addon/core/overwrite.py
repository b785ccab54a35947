"""What Toonbeat may write over: the one home of the overwrite rule.

Toonbeat overwrites a file only when it made that file, and it can tell because
every file it writes records it:

- beat files and other JSON: a ``format`` field starting with ``toonbeat.``;
- PNGs: a ``Software: Toonbeat`` text chunk (:data:`PNG_SOFTWARE_KEY`);
- WAVs: an ``ISFT`` (software) entry starting with ``Toonbeat`` in the RIFF ``INFO`` list;
- MP4s: a top-level ``uuid`` box with :data:`MP4_UUID` (players skip unknown boxes);
- .blend files: a scene property, checked in Blender before saving over it.

It never writes over an input of the same run (the song, its beat file, ...),
not even with ``--overwrite``, and never over a folder. Anything else is refused
with a message naming the file and the flag that allows it.
"""

from __future__ import annotations

import json
import os
import struct
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from .beatfile import MAX_FILE_BYTES

MADE_BY = "Toonbeat"
"""The value every mark carries."""
OVERWRITE_FLAG = "--overwrite"
HOW_TO_ALLOW = f"pass {OVERWRITE_FLAG} to replace it"
PNG_SOFTWARE_KEY = "Software"
JSON_FORMAT_PREFIX = "toonbeat."
MP4_UUID = uuid.UUID("6d2a0c1e-7f3b-4d1a-9a57-746f6f6e6265")
"""The usertype of the ``uuid`` box that marks an MP4 as Toonbeat's."""
BLEND_SCENE_PROPERTY = "toonbeat_made"
"""Scene ID property set on every scene Toonbeat builds, so a .blend it saved can be recognised."""
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MP4_MARK = MP4_UUID.bytes + f"made by {MADE_BY}".encode()


class OverwriteError(ValueError):
    """Writing here would lose something of the user's; the message names the file and what allows it."""


def check_output(path: str | os.PathLike[str], *, inputs: Iterable[str | os.PathLike[str]] = (),
                 overwrite: bool = False, what: str = "file", how_to_allow: str = HOW_TO_ALLOW) -> Path:
    """Raise ``OverwriteError`` unless Toonbeat may write ``path``; returns it resolved.

    ``inputs`` are the files the same run reads (or also writes): they are never written over.
    An existing file is Toonbeat's when it carries its mark (:func:`is_toonbeat_file`);
    ``overwrite`` (the ``--overwrite`` flag) allows writing over one that is not, and
    ``how_to_allow`` says how in the message.
    """
    given = Path(path)
    target = _resolved(given)
    for source in inputs:
        if is_same_file(target, Path(source)):
            raise OverwriteError(f"{given}: is the same file as {source}, which this command also reads or "
                                 f"writes; name another {what} to write")
    if target.is_dir():
        raise OverwriteError(f"{given}: is a folder; name the {what} to write inside it")
    if target.exists() and not overwrite and not is_toonbeat_file(target):
        raise not_toonbeats(given, how_to_allow)
    return target


def not_toonbeats(path: Path, how_to_allow: str = HOW_TO_ALLOW) -> OverwriteError:
    """The refusal to write over ``path``, a file Toonbeat did not make."""
    return OverwriteError(f"{path}: exists and was not made by Toonbeat; {how_to_allow}")


def check_writable_in_place(path: Path) -> None:
    """Raise ``OverwriteError`` when the file at ``path`` (saved in place, like a re-baked .blend) is read-only:
    no write permission for this user, or marked read-only for everyone (``chmod a-w``, which binds root too)."""
    read_only = not path.stat().st_mode & 0o222
    if read_only or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        raise OverwriteError(f"{path}: the file or its folder is read-only; make it writable or save a copy "
                             "and bake that")


def is_same_file(first: Path, second: Path) -> bool:
    """Whether two paths name the same file (same resolved path, or the same inode through a link)."""
    if _resolved(first) == _resolved(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _resolved(path: Path) -> Path:
    """``path`` made absolute with links followed; ``OverwriteError`` for a symlink loop."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as error:
        raise OverwriteError(f"{path}: is a symlink loop (the link points back to itself)") from error


def is_toonbeat_file(path: Path) -> bool:
    """Whether the file at ``path`` carries Toonbeat's mark for its kind (by its suffix)."""
    reader = _MARK_READERS.get(path.suffix.lower())
    try:
        return reader is not None and reader(path)
    except (OSError, ValueError, struct.error):
        return False


def png_is_toonbeat(path: Path) -> bool:
    """Whether a PNG has Toonbeat's ``Software`` text chunk before its pixels."""
    with open(path, "rb") as stream:
        if stream.read(8) != _PNG_SIGNATURE:
            return False
        while header := stream.read(8):
            length, kind = struct.unpack(">I4s", header)
            if kind in (b"IDAT", b"IEND"):
                return False
            payload = stream.read(length)
            stream.seek(4, os.SEEK_CUR)
            if kind == b"tEXt" and payload == f"{PNG_SOFTWARE_KEY}\0{MADE_BY}".encode("latin-1"):
                return True
    return False


def wav_is_toonbeat(path: Path) -> bool:
    """Whether a WAV's ``LIST``/``INFO`` chunk names Toonbeat as its software (``ISFT``)."""
    with open(path, "rb") as stream:
        riff, _, wave = struct.unpack("<4sI4s", stream.read(12))
        if (riff, wave) != (b"RIFF", b"WAVE"):
            return False
        while header := stream.read(8):
            kind, size = struct.unpack("<4sI", header)
            if kind != b"LIST":
                stream.seek(size + (size & 1), os.SEEK_CUR)
                continue
            payload = stream.read(size)
            if payload[:4] == b"INFO" and _info_software(payload[4:]).startswith(MADE_BY):
                return True
    return False


def mp4_is_toonbeat(path: Path) -> bool:
    """Whether an MP4 has Toonbeat's top-level ``uuid`` box."""
    with open(path, "rb") as stream:
        while header := stream.read(8):
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", stream.read(8))[0] - 8
            if size == 0:
                return False
            if kind == b"uuid":
                return stream.read(len(_MP4_MARK)) == _MP4_MARK
            stream.seek(size - 8, os.SEEK_CUR)
    return False


def mark_mp4(path: Path) -> None:
    """Append Toonbeat's ``uuid`` box to a finished MP4 (before it is renamed into place)."""
    with open(path, "ab") as stream:
        stream.write(struct.pack(">I4s", 8 + len(_MP4_MARK), b"uuid") + _MP4_MARK)


def json_is_toonbeat(path: Path) -> bool:
    """Whether a JSON file is an object whose ``format`` is one of Toonbeat's (``toonbeat.beats``, ...)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        return False
    document = json.loads(path.read_text(encoding="utf-8"))
    return isinstance(document, dict) and str(document.get("format", "")).startswith(JSON_FORMAT_PREFIX)


def _info_software(info: bytes) -> str:
    """The ``ISFT`` text of a WAV's ``INFO`` list (libsndfile appends its own name in brackets)."""
    offset = 0
    while offset + 8 <= len(info):
        kind, size = struct.unpack("<4sI", info[offset:offset + 8])
        if kind == b"ISFT":
            return info[offset + 8:offset + 8 + size].rstrip(b"\0").decode("latin-1")
        offset += 8 + size + (size & 1)
    return ""


_MARK_READERS: dict[str, Callable[[Path], bool]] = {
    ".png": png_is_toonbeat, ".wav": wav_is_toonbeat, ".mp4": mp4_is_toonbeat, ".json": json_is_toonbeat,
}
