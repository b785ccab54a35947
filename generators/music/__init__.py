"""Music generation: MusicGen tracks of any length, loudness-normalised for video.

``musicgen`` composes windows into a track and writes it; ``backends`` wraps
audiocraft and transformers; ``crossfade`` joins windows; ``loudness`` is BS.1770;
``presets`` holds the editable prompt presets; ``command`` is ``toonbeat music``.
"""
