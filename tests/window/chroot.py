"""A Debian 13 (trixie) root with Debian's Blender 4.3 and Xvfb, made once with debootstrap and cached.

Standard library only: ``build.py`` imports it before any environment exists.
The root is keyed by what goes into it (suite, mirror, packages) and rebuilt when
missing or left incomplete, like the test environments.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

SUITE = "trixie"
# Debian packages Blender without numpy (a recommendation), which the add-on needs as every Blender build has it;
# xdotool drags assets with the X server's own mouse (tests/window/test_library_window.py).
PACKAGES = ("blender", "python3-numpy", "xvfb", "xauth", "imagemagick", "ffmpeg", "xdotool")
CACHE = Path(os.environ.get("TOONBEAT_WINDOW_CACHE", Path.home() / ".cache" / "toonbeat" / "window"))
FALLBACK_MIRROR = "http://deb.debian.org/debian"


def debian_mirror(sources: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt already uses (its first ``.../debian`` address)."""
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]
    for path in files:
        if not path.is_file():
            continue
        for found in re.findall(r"(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+/debian)/?(?:\s|$)", path.read_text()):
            return str(found)
    return FALLBACK_MIRROR


def ensure_root(mirror: str | None = None) -> Path:
    """The cached trixie root with Blender, Xvfb and ImageMagick; made with debootstrap when missing."""
    mirror = mirror or debian_mirror()
    key = hashlib.sha256("\n".join([SUITE, mirror, *PACKAGES]).encode()).hexdigest()[:12]
    root = CACHE / f"trixie-{key}"
    if (root / ".complete").exists() and (root / "usr/bin/blender").exists():
        return root
    print(f"\n=== making the Debian {SUITE} root with Blender in {root} ===", flush=True)
    _ensure_host_tool("debootstrap")
    if root.exists():
        unmount_left_over(root)  # else the host's /dev, /sys or Python, bound inside by a killed run, go too
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    _run(["debootstrap", "--variant=minbase", SUITE, str(root), mirror])
    with mounted(root):
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        _run(["chroot", str(root), "apt-get", "update", "-q"], env=env)
        _run(["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES], env=env)
        _run(["chroot", str(root), "apt-get", "clean"], env=env)
    (root / ".complete").write_text(f"{SUITE} {mirror} {' '.join(PACKAGES)}\n")
    return root


@contextlib.contextmanager
def mounted(root: Path, binds: tuple[Path, ...] = ()) -> Iterator[Path]:
    """``/proc``, ``/sys``, ``/dev``, a fresh ``/tmp`` and ``/dev/shm``, and ``binds`` (host folders at the
    same path inside) mounted in ``root``; all unmounted again, last first, whatever happens."""
    done: list[Path] = []
    try:
        for source, kind in ((Path("/proc"), "proc"), (Path("/sys"), "bind"), (Path("/dev"), "bind"),
                             (Path("/dev/shm"), "tmpfs"), (Path("/tmp"), "tmpfs"), *((b, "bind") for b in binds)):
            target = root / str(source).lstrip("/")
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.touch()
            else:
                target.mkdir(parents=True, exist_ok=True)
            if kind == "bind":
                _run(["mount", "--bind", str(source), str(target)], quiet=True)
            else:
                _run(["mount", "-t", kind, kind, str(target)], quiet=True)
            done.append(target)
        yield root
    finally:
        for target in reversed(done):
            subprocess.run(["umount", "--lazy", str(target)], check=False)


def unmount_left_over(root: Path) -> list[str]:
    """Unmount everything mounted inside ``root`` (what a run killed inside ``mounted`` left), deepest first;
    the mount points it unmounted."""
    inside = str(root.resolve()) + "/"
    # /proc/self/mounts escapes spaces and the like in octal (``\040``).
    points = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[1])
              for line in Path("/proc/self/mounts").read_text().splitlines() if len(line.split()) > 1]
    stale = sorted((point for point in points if point.startswith(inside)), key=len, reverse=True)
    for point in stale:
        subprocess.run(["umount", "--lazy", point], check=False)
    return stale


def _ensure_host_tool(name: str) -> None:
    if shutil.which(name):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-q"], env=env)
    _run(["apt-get", "install", "-y", "-q", "--no-install-recommends", name], env=env)


def _run(command: list[str], env: dict[str, str] | None = None, quiet: bool = False) -> None:
    if not quiet:
        print("+ " + " ".join(command), flush=True)
    subprocess.run(command, env=env, check=True)
