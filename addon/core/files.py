"""Writing files whole or not at all, and hashing them: the one home of both rules.

Every file Toonbeat writes (beat files, PNGs, WAVs, plots, downloads, uploads) goes
through :func:`atomic_path`: the data is written to a temporary file beside the
target and renamed over it only when complete, so a crash or a full disk never
leaves half a file; a folder of files made together (a character, a set of
backgrounds) goes through :func:`atomic_folder`. The finished file gets the permissions an ordinary ``open``
would give it under the user's umask (``mkstemp`` alone would leave it 0600).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_HASH_CHUNK_BYTES = 1 << 20

FileIdentity = tuple[str, int, int]
"""A file as it is now: its resolved path, size and modification time in nanoseconds."""

_KNOWN_SHA256: dict[FileIdentity, str] = {}
"""The hash of each file :func:`known_sha256` hashed in this process, by the file's identity then."""


def _umask_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    The caller writes the whole file to the yielded path (with any library that takes
    a file name). When the block raises, the temporary file is removed and ``path`` is
    left as it was. The target's folder is created when missing.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, _umask_mode())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging folder beside the folder ``path``; on success its files move into ``path``.

    The caller writes every file of the set into the staging folder. Only when the
    block ends without an error is ``path`` created (if missing) and each entry renamed
    into it, folders first and files last (so a manifest such as ``clip.json`` lands
    after what it describes); a staged folder replaces the folder of that name whole. A
    failed or cancelled job adds nothing to ``path``; entries already in ``path`` with
    other names stay. The staging folder, with any folder it replaced, is removed either way.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        yield staging
        target.mkdir(exist_ok=True)
        replaced = Path(tempfile.mkdtemp(dir=staging, prefix=".replaced."))
        for staged in sorted((entry for entry in staging.iterdir() if entry != replaced),
                             key=lambda entry: not entry.is_dir()):
            existing = target / staged.name
            if staged.is_dir() and existing.is_dir() and not existing.is_symlink():
                os.replace(existing, replaced / staged.name)
            os.replace(staged, existing)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_bytes_atomically(data: bytes, path: str | os.PathLike[str]) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_json_atomically(document: Any, path: str | os.PathLike[str]) -> None:
    """Write ``document`` as compact UTF-8 JSON to ``path`` whole or not at all."""
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as stream:
        json.dump(document, stream, separators=(",", ":"))


def file_identity(path: str | os.PathLike[str]) -> FileIdentity:
    """The identity of the file at ``path`` (``OSError`` if there is none); rewriting the file changes it."""
    status = os.stat(path)
    return str(Path(path).resolve()), status.st_size, status.st_mtime_ns


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes as hex, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def remember_sha256(identity: FileIdentity, sha256: str) -> None:
    """Record that the file with ``identity`` hashes to ``sha256`` (hashed elsewhere: by the analysis process)."""
    _KNOWN_SHA256[identity] = sha256


def known_sha256(path: str | os.PathLike[str]) -> str:
    """:func:`file_sha256`, read again only when the file changed since this process last hashed it.

    For hashes taken on Blender's UI thread, where an hour of WAV is 635 MB to read.
    """
    identity = file_identity(path)
    known = _KNOWN_SHA256.get(identity)
    if known is None:
        known = _KNOWN_SHA256[identity] = file_sha256(path)
    return known
