"""Toonbeat's library of songs, characters, backgrounds, clips and presets, as plain files, without ``bpy``.

The library is a folder (synced between machines as files) laid out as::

    LIBRARY/
        blender_assets.cats.txt              the Asset Browser's catalogs (see ``asset_catalogs``)
        songs/night-drive/v001/              one folder per version of an entry
            night-drive.wav  night-drive.beats.json  entry.json  night-drive-v001.blend
        characters/cyborg-dj/v001/ ...  backgrounds/industrial-club/v002/ ...  clips/ ...  presets/ ...

``entry.json`` records what the entry is (kind, tags, tempo, sections, style) and
where it came from (prompt, model, seed, the model's licence). It is written last,
so a version folder without one is an unfinished copy and is ignored. Nothing in
the library is ever changed or deleted: adding something under a name that exists
adds a new version, unless the files are exactly those of the newest version.
The ``.blend`` beside the files is the Blender asset made from the entry
(``addon/library``); it is made once per version and only if missing.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import asset_catalogs, beatfile
from .backgrounds import read_backgrounds
from .character_sheet import read_character, write_sheet
from .clip import ClipError, read_clip
from .files import known_sha256, write_json_atomically
from .json_files import read_json_object

ENTRY_FILE = "entry.json"
ENTRY_FORMAT = "toonbeat.library-entry"
LIBRARY_ENV = "TOONBEAT_LIBRARY"
# kind -> (folder in the library, catalog under Toonbeat/)
KINDS = {
    "song": ("songs", "Songs"),
    "character": ("characters", "Characters"),
    "backgrounds": ("backgrounds", "Backgrounds"),
    "clip": ("clips", "Clips"),
    "preset": ("presets", "Presets"),
}
_COPIED_SUFFIXES = {".png", ".jpg", ".jpeg", ".json", ".wav", ".flac", ".ogg", ".mp3", ".mp4", ".webm", ".mov", ".mkv"}
_MUSICGEN_LICENCE = "CC-BY-NC-4.0 (MusicGen weights: non-commercial)"
_NAME = re.compile(r"[^a-z0-9]+")
_VERSION_FOLDER = re.compile(r"^v(\d{3,})$")


class LibraryError(ValueError):
    """Something cannot be added to, or found in, the library; the message says what and where."""


@dataclass(frozen=True, kw_only=True)
class EntryDetails:
    """What is known of an entry beside its files: shown and searched in the library (``preview`` is a file
    of the entry, ``origin`` says what made it: prompt, model, seed, licence)."""

    title: str = ""
    tags: tuple[str, ...] = ()
    style: str = ""
    bpm: float | None = None
    sections: tuple[str, ...] = ()
    preview: str | None = None
    origin: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class LibraryEntry(EntryDetails):
    """One version of one library entry, as its ``entry.json`` describes it."""

    library: Path
    kind: str
    name: str
    version: int
    files: tuple[str, ...]
    main: str
    sha256: dict[str, str] = field(default_factory=dict)
    created: str = ""

    @property
    def relative_folder(self) -> str:
        """The version's folder relative to the library, with ``/`` (the same on every machine)."""
        return f"{KINDS[self.kind][0]}/{self.name}/v{self.version:03d}"

    @property
    def folder(self) -> Path:
        """The version's folder."""
        return self.library / self.relative_folder

    @property
    def main_path(self) -> Path:
        """The file or folder a Toonbeat step takes: the song's WAV, the character's folder, the preset's JSON."""
        return self.folder / self.main if self.main else self.folder

    @property
    def reference(self) -> str:
        """``kind:name@vN``, which :func:`find` resolves."""
        return f"{self.kind}:{self.name}@v{self.version}"

    @property
    def catalog(self) -> str:
        """The asset catalog path: ``Toonbeat/Songs/Industrial``, or without the style."""
        path = f"{asset_catalogs.ROOT_CATALOG}/{KINDS[self.kind][1]}"
        return f"{path}/{self.style.title()}" if self.style else path

    @property
    def asset_blend(self) -> Path:
        """Where this version's Blender asset file goes."""
        return self.folder / f"{self.name}-v{self.version:03d}.blend"

    def to_dict(self) -> dict[str, Any]:
        """The ``entry.json`` document."""
        return {"format": ENTRY_FORMAT, "version": 1, "kind": self.kind, "name": self.name,
                "entry_version": self.version, "title": self.title, "files": list(self.files), "main": self.main,
                "tags": list(self.tags), "style": self.style, "bpm": self.bpm, "sections": list(self.sections),
                "preview": self.preview, "origin": self.origin, "sha256": self.sha256, "created": self.created}


def default_library() -> Path:
    """The library outside Blender: ``$TOONBEAT_LIBRARY``, else ``$XDG_DATA_HOME/toonbeat/library``."""
    if os.environ.get(LIBRARY_ENV):
        return Path(os.environ[LIBRARY_ENV]).expanduser()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "toonbeat" / "library"


def add(library: str | os.PathLike[str], kind: str, source: str | os.PathLike[str], *, name: str = "",
        style: str = "", tags: Sequence[str] = (), origin: dict[str, Any] | None = None,
        beats: str | os.PathLike[str] | None = None) -> tuple[LibraryEntry, bool]:
    """Copy ``source`` into ``library`` as a new version of a ``kind`` entry.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`: a song (a WAV with its beat file), a character or a
        backgrounds folder, a clip folder, or a preset JSON file.
    source : path
        What to add; it is copied, never moved or changed.
    name : str
        The entry's name (default: from the source); lower case, digits and ``-``.
    style, tags, origin
        Searchable style and tags, and where it came from (prompt, model, seed,
        licence), merged over what the source's own side files say.
    beats : path, optional
        A song's beat file (default: ``<song>.beats.json`` beside it).

    Returns
    -------
    (entry, added) : (LibraryEntry, bool)
        ``added`` is False when the newest version already holds exactly these files.
    """
    if kind not in KINDS:
        raise LibraryError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    root = Path(library)
    described = _describe(kind, Path(source), beats)
    slug = _slug(name or _name_in_a_library(Path(source)) or described.name)
    digests = {target: known_sha256(path) for target, path in described.files.items()}
    versions = _versions(root / KINDS[kind][0] / slug)
    if versions:
        newest = _read_entry(root, kind, slug, versions[-1])
        if newest is not None and newest.sha256 == digests:
            return newest, False
    folder, version = _new_version_folder(root / KINDS[kind][0] / slug, versions)
    for target, path in described.files.items():
        (folder / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, folder / target)
    if kind == "character" and "character.json" not in described.files:
        # The copy's folder is named v001: a sheet keeps the character's own name on stage.
        write_sheet(folder, described.name)
    merged_origin = {**described.origin, **(origin or {})}
    style = style or described.style
    entry = LibraryEntry(
        library=root, kind=kind, name=slug, version=version, title=described.title or slug,
        files=tuple(described.files), main=described.main,
        tags=tuple(dict.fromkeys(t.strip() for t in (*described.tags, *([style] if style else []), *tags)
                                 if t.strip())),
        style=style, bpm=described.bpm, sections=described.sections, preview=described.preview,
        origin=merged_origin, sha256=digests, created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    asset_catalogs.ensure_catalogs(root, [entry.catalog])
    write_json_atomically(entry.to_dict(), folder / ENTRY_FILE)
    return entry, True


def entries(library: str | os.PathLike[str]) -> list[LibraryEntry]:
    """Every complete version in ``library``, by kind, name and version; an unreadable one is skipped with a warning."""
    root = Path(library)
    found: list[LibraryEntry] = []
    for kind, (folder, _) in KINDS.items():
        for name_folder in sorted((root / folder).glob("*/")):
            for version in _versions(name_folder):
                entry = _read_entry(root, kind, name_folder.name, version)
                if entry is not None:
                    found.append(entry)
    return found


def newest_versions(found: Iterable[LibraryEntry]) -> list[LibraryEntry]:
    """The newest version of each entry in ``found``."""
    newest: dict[tuple[str, str], LibraryEntry] = {}
    for entry in found:
        key = (entry.kind, entry.name)
        if key not in newest or entry.version > newest[key].version:
            newest[key] = entry
    return sorted(newest.values(), key=lambda e: (e.kind, e.name))


def search(found: Iterable[LibraryEntry], *, kind: str | None = None, tags: Sequence[str] = (),
           bpm: tuple[float, float] | None = None, style: str | None = None, section: str | None = None,
           text: str | None = None) -> list[LibraryEntry]:
    """The entries of ``found`` that match every given filter (tags, style, section and text ignore case).

    ``bpm`` is an inclusive ``(low, high)`` range; entries without a tempo never match it.
    """
    wanted_tags = {t.lower() for t in tags}

    def matches(entry: LibraryEntry) -> bool:
        entry_tags = {t.lower() for t in entry.tags}
        return ((kind is None or entry.kind == kind)
                and wanted_tags <= entry_tags
                and (bpm is None or (entry.bpm is not None and bpm[0] <= entry.bpm <= bpm[1]))
                and (style is None or entry.style.lower() == style.lower())
                and (section is None or section.lower() in {s.lower() for s in entry.sections})
                and (text is None or text.lower() in _searchable_text(entry)))

    return [entry for entry in found if matches(entry)]


def find(library: str | os.PathLike[str], reference: str) -> LibraryEntry:
    """The entry ``reference`` names: ``name``, ``kind:name``, ``name@v2``, ``kind:name@v2`` (no version: newest)."""
    kind, _, rest = reference.rpartition(":")
    name, _, version_text = rest.partition("@")
    if kind and kind not in KINDS:
        raise LibraryError(f"{reference}: unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    version = None
    if version_text:
        if not re.fullmatch(r"v?\d+", version_text):
            raise LibraryError(f"{reference}: the version after @ must be a number such as v2")
        version = int(version_text.lstrip("v"))
    slug = _slug(name)
    candidates = [e for e in entries(library) if e.name == slug and (not kind or e.kind == kind)
                  and (version is None or e.version == version)]
    if not candidates:
        raise LibraryError(f"{reference}: not in the library {library}")
    kinds = {e.kind for e in candidates}
    if len(kinds) > 1:
        raise LibraryError(f"{reference}: several kinds have this name ({', '.join(sorted(kinds))}); "
                           f"write kind:name, e.g. {sorted(kinds)[0]}:{_slug(name)}")
    return max(candidates, key=lambda e: e.version)


@dataclass(frozen=True, kw_only=True)
class _Described(EntryDetails):
    """What a source brings into the library: its files (target name -> path) and what is known of it."""

    name: str
    files: dict[str, Path]
    main: str


def _describe(kind: str, source: Path, beats: str | os.PathLike[str] | None) -> _Described:
    if not source.exists():
        raise LibraryError(f"{source}: no such file or folder")
    if kind == "song":
        return _describe_song(source, Path(beats) if beats else source.with_suffix(".beats.json"))
    if kind == "preset":
        return _describe_preset(source)
    if not source.is_dir():
        raise LibraryError(f"{source}: a {kind} is a folder")
    if kind == "character":
        return _describe_character(source)
    if kind == "backgrounds":
        return _describe_backgrounds(source)
    return _describe_clip(source)


def _describe_song(wav: Path, beats_path: Path) -> _Described:
    if not beats_path.is_file():
        raise LibraryError(f"{wav}: no beat file at {beats_path}; analyze the song first "
                           "(toonbeat analyze) or name its beat file with --beats")
    beats = beatfile.load_unchanged(beats_path)
    side = wav.with_suffix(".music.json")
    origin = read_json_object(side, "music side file", LibraryError) if side.is_file() else {}
    origin = {key: origin[key] for key in ("prompt", "model", "seed", "backend", "licence") if key in origin}
    if "licence" not in origin and "musicgen" in str(origin.get("model", "")).lower() + str(origin.get("backend", "")):
        origin["licence"] = _MUSICGEN_LICENCE
    files = {wav.name: wav, f"{wav.stem}.beats.json": beats_path}
    if side.is_file():
        files[side.name] = side
    sections = tuple(dict.fromkeys(s.label for s in beats.sections))
    meter = f"{beats.beats_per_bar}/4"
    tags = ("song", f"{round(beats.tempo)} BPM", meter, *sections)
    # A generated track is named by what made it, so generating it again makes a new version of it.
    name = f"{' '.join(str(origin['prompt']).split()[:4])} seed {origin['seed']}" if "seed" in origin else wav.stem
    return _Described(name=name, files=files, main=wav.name, title=wav.stem.replace("_", " ").title(),
                      tags=tags, bpm=round(float(beats.tempo), 2), sections=sections, origin=origin)


def _describe_character(folder: Path) -> _Described:
    character = read_character(folder)
    sheet = character.extra
    files = _folder_files(folder)
    poses = tuple(character.poses)
    preview_pose = "idle" if "idle" in character.poses else poses[0]
    preview = character.poses[preview_pose][0].relative_to(folder.resolve()).as_posix()
    origin: dict[str, Any] = {key: sheet[key] for key in ("prompt", "model", "seed", "backend", "licence", "preset")
                              if key in sheet}
    return _Described(name=character.name, files=files, main="", title=character.name, tags=("character", *poses),
                      style=str(sheet.get("style", "")), preview=preview, origin=origin)


def _describe_backgrounds(folder: Path) -> _Described:
    images = read_backgrounds(folder)
    labels = tuple(images)
    preview = next((images[label] for label in ("drop", "chorus") if label in images), next(iter(images.values())))
    return _Described(name=folder.name, files=_folder_files(folder), main="", title=folder.name.replace("_", " "),
                      tags=("backgrounds", *labels), sections=labels,
                      preview=preview.relative_to(folder.resolve()).as_posix())


def _describe_clip(folder: Path) -> _Described:
    try:
        clip = read_clip(folder)
    except ClipError as error:
        raise LibraryError(str(error)) from error
    origin = {key: value for key in ("prompt", "model", "seed", "source") if (value := getattr(clip, key)) is not None}
    tags = ("clip", clip.kind, clip.name, clip.source)
    preview = clip.frame_path(clip.first_hit).relative_to(clip.folder).as_posix() if clip.frames else None
    return _Described(name=clip.name, files=_folder_files(folder), main="", title=folder.name,
                      tags=tags, preview=preview, origin=origin)


def _describe_preset(path: Path) -> _Described:
    if path.suffix.lower() != ".json" or not path.is_file():
        raise LibraryError(f"{path}: a preset is a .json file")
    preset = read_json_object(path, "preset", LibraryError)
    sections = tuple(preset.get("poses", {})) if isinstance(preset.get("poses"), dict) else ()
    return _Described(name=path.stem, files={path.name: path}, main=path.name,
                      title=str(preset.get("name") or path.stem), tags=("preset", *sections), sections=sections,
                      origin={"description": preset["description"]} if "description" in preset else {})


def _name_in_a_library(source: Path) -> str:
    """The entry name of ``source`` when it is a version of another library's entry (synced, copied), else ''."""
    folder = source if source.is_dir() else source.parent
    try:
        return entry_at(folder).name
    except (LibraryError, IndexError):
        return ""


def _folder_files(folder: Path) -> dict[str, Path]:
    """The files of ``folder`` (and its sub-folders) that the library keeps, by relative name."""
    root = folder.resolve()
    files = {path.relative_to(root).as_posix(): path for path in sorted(root.rglob("*"))
             if path.is_file() and path.suffix.lower() in _COPIED_SUFFIXES and not path.name.startswith(".")
             and path.name != ENTRY_FILE}
    if not files:
        raise LibraryError(f"{folder}: nothing to add (no images, clips or sheets)")
    return files


def _slug(text: str) -> str:
    slug = _NAME.sub("-", text.lower()).strip("-")
    if not slug:
        raise LibraryError(f"{text!r}: a library name needs letters or digits")
    return slug


def _versions(name_folder: Path) -> list[int]:
    if not name_folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in name_folder.iterdir() if (m := _VERSION_FOLDER.match(p.name)))


def _new_version_folder(name_folder: Path, versions: list[int]) -> tuple[Path, int]:
    """Create the next version's folder; never one that exists (two adds at once get two versions)."""
    version = (versions[-1] if versions else 0) + 1
    name_folder.mkdir(parents=True, exist_ok=True)
    while True:
        folder = name_folder / f"v{version:03d}"
        try:
            folder.mkdir()
        except FileExistsError:
            version += 1
            continue
        return folder, version


def entry_at(folder: str | os.PathLike[str]) -> LibraryEntry:
    """The entry whose version folder is ``folder`` (``LIBRARY/songs/night-drive/v001``)."""
    path = Path(folder).resolve()
    kinds = {plural: kind for kind, (plural, _) in KINDS.items()}
    match = _VERSION_FOLDER.match(path.name)
    kind = kinds.get(path.parent.parent.name)
    entry = _read_entry(path.parents[2], kind, path.parent.name, int(match.group(1))) if match and kind else None
    if entry is None:
        raise LibraryError(f"{folder}: not a version folder of a Toonbeat library")
    return entry


def _read_entry(root: Path, kind: str, name: str, version: int) -> LibraryEntry | None:
    path = root / KINDS[kind][0] / name / f"v{version:03d}" / ENTRY_FILE
    if not path.is_file():
        return None
    try:
        document = read_json_object(path, "library entry", LibraryError)
        return LibraryEntry(
            library=root, kind=kind, name=name, version=version, title=str(document["title"]),
            files=tuple(document["files"]), main=str(document.get("main", "")), tags=tuple(document.get("tags", ())),
            style=str(document.get("style", "")), bpm=document.get("bpm"),
            sections=tuple(document.get("sections", ())), preview=document.get("preview"),
            origin=dict(document.get("origin", {})), sha256=dict(document.get("sha256", {})),
            created=str(document.get("created", "")))
    except (LibraryError, KeyError, TypeError) as error:
        warnings.warn(f"{path}: skipped, not a readable library entry ({error})", stacklevel=2)
        return None


def _searchable_text(entry: LibraryEntry) -> str:
    return " ".join([entry.name, entry.title, *entry.tags, str(entry.origin.get("prompt", ""))]).lower()
