#!/usr/bin/env python3
"""Toonbeat's one entry point for developers and new users; needs only Python 3.11.

    python3 build.py          build dist/toonbeat-<version>.zip and validate it with Blender's validator
    python3 build.py demo     set everything up, then make out/demo.mp4 and out/demo.blend
    python3 build.py test     set everything up, then run lint, type checks and the tests on Blender 4.5 and 5.0,
                              and the window test: the zip installed into Debian's Blender 4.3, driven under Xvfb

Setting up means: the Debian libraries Blender needs and ffmpeg (through apt-get),
a ``.venv`` in the checkout with Toonbeat and Blender as a Python module, and for
the tests one environment per Blender version, cached under
``~/.cache/toonbeat/envs`` and keyed by their requirements (rebuilt whenever the
cache is missing or incomplete), and for the window test a Debian 13 root with
Blender 4.3 and Xvfb made by debootstrap, cached under ``~/.cache/toonbeat/window``
the same way (it needs root, as CI has, for debootstrap, chroot and mount). Every
step is skipped when already done.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DIST = ROOT / "dist"
ENV_CACHE = Path(os.environ.get("TOONBEAT_ENV_CACHE", Path.home() / ".cache" / "toonbeat" / "envs"))
APT_PACKAGES = ("ffmpeg", "libx11-6", "libxrender1", "libxfixes3", "libxi6", "libxkbcommon0", "libxxf86vm1",
                "libsm6", "libgl1", "libegl1", "libgl1-mesa-dri",
                # The real-music set's renderers, which tests/test_realset.py renders a module and a MIDI file with.
                "libopenmpt0", "fluidsynth", "fluid-soundfont-gm")
BLENDER_TEST_VERSIONS = {"5.0": "bpy==5.0.1", "4.5": "bpy>=4.5,<4.6", "4.2": "bpy>=4.2,<4.3"}
# PyPI's 4.2 wheel is built without audio, so on 4.2 only the tests that load no song run: Grease Pencil's.
BLENDER_4_2_TESTS = "tests/blender/test_grease_pencil.py"
# Debian's Blender 4.3 in a real window (tests/window): the panels as an artist clicks them.
WINDOW_TESTS = "tests/window"
# The melody model's chroma needs torchaudio, which the audiocraft environment has beside transformers.
MELODY_TESTS = "tests/test_music_melody.py"
# Beat This! (--tracker beat-this) needs torchaudio too: its plumbing is tested there, with random weights.
BEAT_THIS_TESTS = "tests/test_analysis_beat_this.py"
# The CPU build of PyTorch for the tests; users with a GPU install the CUDA build themselves.
TEST_TORCH = "torch==2.13.0"
# audiocraft 1.3.0 pins torch 2.1 and packages without Python 3.11 wheels, so its tests get their own
# environment: audiocraft without its pins beside the CPU torch (see generators/music/AUDIOCRAFT.md).
AUDIOCRAFT_INSTALL = [
    [TEST_TORCH, "numpy<2"],
    ["--no-deps", "audiocraft==1.3.0", "torchaudio==2.11.0", "xformers==0.0.35"],
    ["einops", "julius", "num2words", "sentencepiece", "omegaconf", "hydra-core", "hydra_colorlog", "flashy",
     "huggingface_hub", "tqdm", "transformers", "librosa", "soundfile", "scipy", "protobuf", "av", "spacy",
     "torchmetrics", "pytest", "pillow", "jsonschema"],
    ["--no-deps", "beat_this==1.1.0", "rotary-embedding-torch==0.9.1", "soxr"],
]
# torchaudio's compiled extensions are built against CUDA and cannot load beside the CPU torch; without
# them it imports as pure Python, which is all MusicGen needs.
AUDIOCRAFT_REMOVE = ("torchaudio/lib/*.so",)


def main() -> int:
    """Parse the command and run it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("zip", "demo", "test"), default="zip")
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="passed on to 'toonbeat demo' or pytest")
    args = parser.parse_args()
    if args.command == "demo":
        return demo(args.extra)
    if args.command == "test":
        return test(args.extra)
    python = ensure_venv()
    print(build_extension(DIST, python))
    return 0


def demo(extra: list[str]) -> int:
    """Set up, then run ``toonbeat demo`` into ``out/``."""
    ensure_system_packages()
    python = ensure_venv()
    return run([str(python), "-m", "generators", "demo", *extra], check=False)


def test(extra: list[str]) -> int:
    """Set up, then run ruff, mypy and pytest on Blender 5.0 and 4.5 (4.2: Grease Pencil only) and in the
    audiocraft environment (audiocraft, and the transformers melody model, whose chroma needs torchaudio)."""
    ensure_system_packages()
    project = project_metadata()
    base = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    generation = [TEST_TORCH, *(r for r in project["optional-dependencies"]["gen"] if not r.startswith("torch"))]
    blender_5 = ensure_cached_env("bpy-5.0", [[BLENDER_TEST_VERSIONS["5.0"], *base, *generation]])
    blender_4 = ensure_cached_env("bpy-4.5", [[BLENDER_TEST_VERSIONS["4.5"], *base]])
    blender_4_2 = ensure_cached_env("bpy-4.2", [[BLENDER_TEST_VERSIONS["4.2"], "numpy<2", *base]])
    audiocraft = ensure_cached_env("audiocraft", AUDIOCRAFT_INSTALL, remove=AUDIOCRAFT_REMOVE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    window_env = {**env, **window_test_setup(blender_5), "TOONBEAT_LTS_PYTHON": str(blender_4)}
    checks = [
        ("ruff", [str(blender_5), "-m", "ruff", "check", "."], env),
        ("mypy", [str(blender_5), "-m", "mypy"], env),
        ("pytest on Blender 5.0 and the generators", [str(blender_5), "-m", "pytest", "-m", "not audiocraft",
                                                      f"--ignore={MELODY_TESTS}", f"--ignore={WINDOW_TESTS}",
                                                      f"--ignore={BEAT_THIS_TESTS}", *extra], env),
        ("pytest on Blender 4.5", [str(blender_4), "-m", "pytest", "-m", "blender", f"--ignore={MELODY_TESTS}",
                                   *extra], {**env, "TOONBEAT_GENERATORS_PYTHON": str(blender_5)}),
        ("pytest on Blender 4.2 (Grease Pencil)", [str(blender_4_2), "-m", "pytest", BLENDER_4_2_TESTS, *extra], env),
        ("pytest with audiocraft", [str(audiocraft), "-m", "pytest", "-m", "audiocraft",
                                    "tests/test_music_audiocraft.py", *extra], env),
        ("pytest: MusicGen melody through transformers", [str(audiocraft), "-m", "pytest", MELODY_TESTS, *extra],
         env),
        ("pytest: Beat This! plumbing", [str(audiocraft), "-m", "pytest", BEAT_THIS_TESTS, *extra], env),
        ("window test: Blender 4.3 in Xvfb", [str(blender_5), "-m", "pytest", WINDOW_TESTS, *extra], window_env),
    ]
    failed = []
    for name, command, command_env in checks:
        _banner(name)
        if run(command, env=command_env, check=False) != 0:
            failed.append(name)
    _banner("all checks passed" if not failed else f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def window_test_setup(python: Path) -> dict[str, str]:
    """The Debian root with Blender 4.3 and the freshly built zip, for ``tests/window``."""
    from tests.window import chroot

    if os.geteuid() != 0:
        raise SystemExit("the window test needs root (debootstrap, chroot and mount): run 'sudo python3 build.py test'")
    root = chroot.ensure_root()
    package = build_extension(DIST, python)
    return {"TOONBEAT_WINDOW_ROOT": str(root), "TOONBEAT_ZIP": str(package)}


def build_extension(out_dir: Path, python: Path) -> Path:
    """Build the extension zip from the manifest and ``addon/`` with Blender's own tool, and validate it."""
    tool = blender_extension_tool(python)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as staging:
        source = Path(staging) / "toonbeat"
        shutil.copytree(ROOT / "addon", source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy2(ROOT / "blender_manifest.toml", source / "blender_manifest.toml")
        run([str(python), str(tool), "build", "--source-dir", str(source), "--output-dir", str(out_dir)])
    version = tomllib.loads((ROOT / "blender_manifest.toml").read_text())["version"]
    package = out_dir / f"toonbeat-{version}.zip"
    run([str(python), str(tool), "validate", str(package)])
    return package


def blender_extension_tool(python: Path) -> Path:
    """Blender's ``blender_ext.py`` (the extension builder and validator) from the bpy wheel of ``python``."""
    found = subprocess.run(
        [str(python), "-c", "import importlib.util, json; "
         "print(json.dumps(importlib.util.find_spec('bpy').submodule_search_locations))"],
        capture_output=True, text=True, check=True,
    ).stdout
    bpy_dir = Path(json.loads(found)[0])
    tools = sorted(bpy_dir.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not tools:
        raise SystemExit(f"Blender's extension tool is missing from {bpy_dir}")
    return tools[-1]


def ensure_venv() -> Path:
    """``.venv`` with Toonbeat (editable) and Blender as a module; returns its Python."""
    project = project_metadata()
    wanted = [*project["dependencies"], *project["optional-dependencies"]["blender"]]
    stamp = VENV / f".toonbeat-{_digest(wanted)}"
    python = VENV / "bin" / "python"
    if stamp.exists() and python.exists():
        return python
    _banner(f"setting up {VENV}")
    if not python.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    run([str(python), "-m", "pip", "install", "--upgrade", "--quiet", "pip"])
    run([str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[blender]"])
    for old in VENV.glob(".toonbeat-*"):
        old.unlink()
    stamp.touch()
    return python


def ensure_cached_env(name: str, installs: list[list[str]], remove: tuple[str, ...] = ()) -> Path:
    """A virtual environment under the cache folder; returns its Python.

    ``installs`` are pip install argument lists run in order; ``remove`` are globs under
    site-packages deleted afterwards. The folder is keyed by all of them and rebuilt
    when missing or left incomplete.
    """
    key = _digest([sys.version, *(" ".join(step) for step in installs), *remove])
    folder = ENV_CACHE / f"{name}-{key}"
    python = folder / "bin" / "python"
    if (folder / ".complete").exists() and python.exists():
        return python
    _banner(f"setting up the {name} environment in {folder}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "venv", str(folder)])
    run([str(python), "-m", "pip", "install", "--upgrade", "--quiet", "pip"])
    for step in installs:
        run([str(python), "-m", "pip", "install", "--quiet", *step])
    site_packages = next(folder.glob("lib/python3*/site-packages"))
    for pattern in remove:
        for path in site_packages.glob(pattern):
            path.unlink()
    (folder / ".complete").write_text("\n".join(" ".join(step) for step in installs) + "\n")
    return python


def ensure_system_packages() -> None:
    """Install the Debian packages Blender as a module and the tests need, if any is missing."""
    if shutil.which("dpkg") is None:
        print("Not a Debian system: make sure ffmpeg and the X11/OpenGL libraries Blender needs are installed.")
        return
    missing = [p for p in APT_PACKAGES if not _dpkg_installed(p)]
    if subprocess.run([sys.executable, "-c", "import ensurepip, venv"], capture_output=True, check=False).returncode:
        missing.append(f"python3.{sys.version_info.minor}-venv")
    if not missing:
        return
    _banner(f"installing {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([*sudo, "apt-get", "update", "-q"], env=apt_env)
    run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=apt_env)


def _dpkg_installed(package: str) -> bool:
    return subprocess.run(["dpkg", "-s", package], capture_output=True, check=False).returncode == 0


def project_metadata() -> dict:
    """The ``[project]`` table of pyproject.toml."""
    project: dict = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def run(command: list[str], env: dict[str, str] | None = None, check: bool = True) -> int:
    """Run ``command`` from the checkout, echoing it; raise on failure when ``check``."""
    print("+ " + " ".join(command), flush=True)
    code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    if check and code != 0:
        raise SystemExit(f"command failed with exit code {code}: {' '.join(command)}")
    return code


def _digest(items: list[str]) -> str:
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:12]


def _banner(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


if __name__ == "__main__":
    sys.exit(main())
