"""Render MIDI files with FluidSynth and a General MIDI soundfont (Debian ``fluidsynth``, ``fluid-soundfont-gm``).

FluidSynth plays events at the start of its 64-frame blocks, so a note sounds within 1.5 ms of its
tempo-map time; its fast file rendering is deterministic.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

SAMPLE_RATE = 44100
CHANNELS = 2
RENDER_TIMEOUT_SECONDS = 1800
"""Generous: at a load average of 15 a 4-minute score took over 300 s, and a timed-out song is left out."""
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
POLL_SECONDS = 0.05
"""How often the growing render is measured (FluidSynth writes tens of MB a second)."""
_BYTES_PER_FRAME = CHANNELS * 4  # little-endian 32-bit float


def render(midi_path: Path, max_seconds: float) -> np.ndarray:
    """The file rendered to float stereo audio, shape ``(frames, 2)``, at ``SAMPLE_RATE``, at most ``max_seconds``.

    FluidSynth renders until the last note has faded, and some files go on for half an hour or never stop
    (a full disk was the sign): it is stopped once ``max_seconds`` are written, and it dies with the
    process that started it (``setpriv --pdeathsig``).
    """
    if not SOUNDFONT.exists():
        raise RuntimeError(f"{SOUNDFONT} is missing: apt-get install fluid-soundfont-gm")
    limit = round(max_seconds * SAMPLE_RATE) * _BYTES_PER_FRAME
    with tempfile.TemporaryDirectory(prefix="toonbeat-fluid-") as folder:
        raw, log = Path(folder) / "render.f32", Path(folder) / "fluidsynth.log"
        command = ["setpriv", "--pdeathsig", "KILL", "fluidsynth", "-q", "-n", "-i", "-r", str(SAMPLE_RATE),
                   "-T", "raw", "-O", "float", "-E", "little", "-o", "synth.cpu-cores=1", "-F", str(raw),
                   str(SOUNDFONT), str(midi_path)]
        with log.open("wb") as errors, subprocess.Popen(command, stdout=errors, stderr=errors) as player:
            stopped = _stop_when_written(player, raw, limit, command)
        if player.returncode != 0 and not stopped:
            raise subprocess.CalledProcessError(player.returncode, command, stderr=log.read_bytes())
        samples = np.fromfile(raw, dtype="<f4", count=limit // 4)
    return samples[: len(samples) // CHANNELS * CHANNELS].reshape(-1, CHANNELS).astype(np.float64)


def _stop_when_written(player: subprocess.Popen[bytes], raw: Path, limit: int, command: list[str]) -> bool:
    """Wait for ``player``; kill it once ``raw`` holds ``limit`` bytes (returns whether it was stopped so), or
    past ``RENDER_TIMEOUT_SECONDS`` (raises ``TimeoutExpired``)."""
    started = time.monotonic()
    while player.poll() is None:
        if raw.exists() and raw.stat().st_size >= limit:
            player.kill()
            player.wait()
            return True
        if time.monotonic() - started > RENDER_TIMEOUT_SECONDS:
            player.kill()
            player.wait()
            raise subprocess.TimeoutExpired(command, RENDER_TIMEOUT_SECONDS)
        time.sleep(POLL_SECONDS)
    return False
