"""Music: the built-in drum machine, and MusicGen tracks of any length, loudness-normalised for video.

``drum_machine`` (with ``drum_voices``) synthesizes songs with exact timing, no
model needed. For MusicGen: ``musicgen`` composes windows into a track and writes
it; ``backends`` wraps audiocraft and transformers; ``crossfade`` joins windows;
``loudness`` is BS.1770; ``presets`` holds the editable prompt presets;
``command`` is ``toonbeat music``.
"""
