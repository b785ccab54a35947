"""Scores from music21's corpus (PyPI ``music21``), written as MIDI at a chosen tempo.

music21 writes each score's time signatures into the MIDI file; a pickup bar is padded with rests to a
full bar so that bars count from tick 0, and the tempo map is replaced by the one given here (a steady
tempo, or a step up at the middle bar), so the truth stays exact.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import mido

from .midi_truth import midi_beat_grid
from .note_checks import AmbiguousTruthError
from .sources import refuse_reserved

MUSIC21_VERSION = "10.5.1"
STEP_FACTOR = 1.15


@dataclass(frozen=True)
class Score:
    """One corpus score: its path in music21's corpus, composer, style, and tempo plan."""

    path: str
    composer: str
    style: str
    quarter_bpm: float
    tempo_plan: str = "steady"
    """``steady``, or ``step`` (up by 15 % from the middle bar on)."""

    @property
    def source(self) -> str:
        return f"pypi:music21=={MUSIC21_VERSION}:music21/corpus/{self.path}"

    @property
    def song_id(self) -> str:
        stem = self.path.rsplit(".", 1)[0].replace("/", "-").replace("_", "-").replace(".", "-").lower()
        return f"music21-{stem}"


SCORES = (
    Score("mozart/k458/movement2.mxl", "Mozart", "orchestral", 132),
    Score("mozart/k80/movement3.mxl", "Mozart", "orchestral", 126, "step"),
    Score("mozart/k155/movement1.mxl", "Mozart", "orchestral", 132),
    Score("mozart/k156/movement3.mxl", "Mozart", "orchestral", 120),
    Score("haydn/opus74no1/movement3.mxl", "Haydn", "orchestral", 150),
    Score("haydn/opus1no1/movement3.mxl", "Haydn", "orchestral", 84, "step"),
    Score("haydn/opus1no1/movement5.mxl", "Haydn", "orchestral", 160),
    Score("beethoven/opus18no1/movement3.mxl", "Beethoven", "orchestral", 176),
    Score("beethoven/opus59no2/movement3.mxl", "Beethoven", "orchestral", 168),
    Score("schubert/Lindenbaum.xml", "Schubert", "classical song", 88, "step"),
    Score("schumann_clara/polonaise_op1n1.mxl", "Clara Schumann", "classical piano", 100),
    Score("schumann_clara/polonaise_op1n2.mxl", "Clara Schumann", "classical piano", 96, "step"),
    Score("schumann_clara/polonaise_op1n3.mxl", "Clara Schumann", "classical piano", 104),
    Score("schumann_clara/polonaise_op1n4.mxl", "Clara Schumann", "classical piano", 100),
    Score("handel/rinaldo/Lascia_chio_pianga.mxl", "Handel", "orchestral", 66),
    Score("cpebach/h186.mxl", "C. P. E. Bach", "classical piano", 72),
    Score("beach/prayer_of_a_tired_child.musicxml", "Amy Beach", "classical song", 72),
    Score("joplin/maple_leaf_rag.mxl", "Scott Joplin", "ragtime", 96),
    Score("leadSheet/fosterBrownHair.mxl", "Stephen Foster", "pop", 84),
    Score("leadSheet/berlinAlexandersRagtime.mxl", "Irving Berlin", "pop", 120, "step"),
    Score("liliuokalani/aloha_oe.mxl", "Liliuokalani", "pop", 76),
    Score("schumann_robert/opus41no1/movement3.mxl", "Robert Schumann", "orchestral", 132),
)


def check_music21() -> None:
    """Raise with the install command where music21 is missing or of another version than the set's."""
    refuse_reserved("pypi", "music21")
    try:
        version = metadata.version("music21")
    except metadata.PackageNotFoundError:
        version = ""
    if version != MUSIC21_VERSION:
        raise RuntimeError(f"the set's scores come from music21 {MUSIC21_VERSION} (found {version or 'none'}): "
                           f"pip install music21=={MUSIC21_VERSION}")


def write_midi(score: Score, target: Path) -> tuple[str, str]:
    """Write ``score`` as a MIDI file at ``target``; return its title and composer as the score names them."""
    from music21 import corpus, exceptions21, stream

    parsed = corpus.parse(score.path)
    try:
        expanded = parsed.expandRepeats()
    except exceptions21.Music21Exception as error:
        raise ValueError(f"music21 cannot expand its repeats: {error}") from error
    measures = list(expanded.parts[0].getElementsByClass(stream.Measure))
    pickup = float(measures[0].paddingLeft) if measures else 0.0
    for measure in measures[1:-1]:
        if measure.highestTime < measure.barDuration.quarterLength:
            raise AmbiguousTruthError(f"bar {measure.number} is shorter than its time signature, so the bars "
                                      "of the MIDI file would drift")
    with tempfile.TemporaryDirectory(prefix="toonbeat-score-") as folder:
        written = Path(folder) / "score.mid"
        parsed.write("midi", fp=str(written))
        midi = mido.MidiFile(written)
    pad_ticks = round(pickup * midi.ticks_per_beat)
    _delay_music(midi, pad_ticks)
    _replace_tempo(midi, score)
    midi.save(target)
    title = (parsed.metadata.title if parsed.metadata else "") or score.path
    return title, score.composer


def _delay_music(midi: mido.MidiFile, ticks: int) -> None:
    """Delay every event but the tick-0 meta events by ``ticks``: a pickup bar becomes a full bar."""
    if ticks <= 0:
        return
    for track in midi.tracks:
        absolute, tick = [], 0
        for message in track:
            tick += message.time
            shifted = tick if message.is_meta and tick == 0 and message.type != "end_of_track" else tick + ticks
            absolute.append((shifted, message))
        _set_absolute(track, absolute)


def _replace_tempo(midi: mido.MidiFile, score: Score) -> None:
    """Drop the file's tempo events and write the score's tempo plan into the first track."""
    grid = midi_beat_grid(midi)
    bar_ticks = [round(tick) for tick, position in zip(grid.beat_ticks, grid.positions, strict=True) if position == 1]
    base = round(60e6 / score.quarter_bpm)
    plan = [(0, base)]
    if score.tempo_plan == "step" and len(bar_ticks) > 2:
        plan.append((bar_ticks[len(bar_ticks) // 2], round(base / STEP_FACTOR)))
    for track in midi.tracks:
        absolute, tick = [], 0
        for message in track:
            tick += message.time
            if message.type != "set_tempo":
                absolute.append((tick, message))
        if track is midi.tracks[0]:
            absolute += [(at, mido.MetaMessage("set_tempo", tempo=tempo, time=0)) for at, tempo in plan]
        _set_absolute(track, absolute)


def _set_absolute(track: mido.MidiTrack, absolute: list[tuple[int, mido.Message]]) -> None:
    """Refill ``track`` from ``(tick, message)`` pairs (stable by tick, end of track last)."""
    ordered = sorted(absolute, key=lambda pair: (pair[1].type == "end_of_track", pair[0]))
    track.clear()
    previous = 0
    for tick, message in ordered:
        track.append(message.copy(time=max(tick - previous, 0)))
        previous = max(tick, previous)
