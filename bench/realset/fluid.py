"""Render MIDI files with FluidSynth and a General MIDI soundfont (Debian ``fluidsynth``, ``fluid-soundfont-gm``).

FluidSynth plays events at the start of its 64-frame blocks, so a note sounds within 1.5 ms of its
tempo-map time; its fast file rendering is deterministic.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 44100
RENDER_TIMEOUT_SECONDS = 1800
"""Generous: at a load average of 15 a 4-minute score took over 300 s, and a timed-out song is left out."""
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def render(midi_path: Path) -> np.ndarray:
    """The file rendered to float stereo audio, shape ``(frames, 2)``, at ``SAMPLE_RATE``."""
    if not SOUNDFONT.exists():
        raise RuntimeError(f"{SOUNDFONT} is missing: apt-get install fluid-soundfont-gm")
    with tempfile.TemporaryDirectory(prefix="toonbeat-fluid-") as folder:
        wav = Path(folder) / "render.wav"
        subprocess.run(["fluidsynth", "-q", "-n", "-i", "-r", str(SAMPLE_RATE), "-T", "wav", "-O", "float",
                        "-o", "synth.cpu-cores=1", "-F", str(wav), str(SOUNDFONT), str(midi_path)],
                       check=True, capture_output=True, timeout=RENDER_TIMEOUT_SECONDS)
        samples, rate = soundfile.read(wav, dtype="float64", always_2d=True)
    if rate != SAMPLE_RATE:
        raise RuntimeError(f"FluidSynth rendered at {rate} Hz instead of {SAMPLE_RATE}")
    return samples
