"""Render tracker modules with libopenmpt (through its C API) and log the time of every row played.

libopenmpt reports the order and row it is playing; rendering in small blocks and reading them after
each block gives the start time of every row actually played, with tempo and speed changes, pattern
breaks, jumps and loops followed exactly. Debian's ``libopenmpt0`` ships the library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass
from functools import cache

import numpy as np

from .note_checks import Strike
from .tracker_truth import RowEvent

SAMPLE_RATE = 44100
BLOCK_FRAMES = 16
"""Frames rendered between two position reads: a row's start is known to within 8 frames (0.18 ms)."""
_RENDER_INTERPOLATIONFILTER_LENGTH = 3
_RENDER_STEREOSEPARATION_PERCENT = 2
_COMMAND_NOTE = 0
_COMMAND_INSTRUMENT = 1
_NOTE_MAX = 120


@dataclass(frozen=True)
class RenderedModule:
    """A module's audio and what the player did while rendering it."""

    samples: np.ndarray
    """Float stereo audio, shape ``(frames, 2)``, at ``SAMPLE_RATE``."""
    rows: list[RowEvent]
    """Every row played, in playing order, with its start time in seconds."""
    notes_per_row: dict[tuple[int, int], list[Strike]]
    """``(pattern, row)`` -> the notes struck on that row (an instrument carried on where the row names none)."""
    title: str
    artist: str
    module_type: str
    message: str


@cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("openmpt") or "libopenmpt.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as error:
        raise RuntimeError("libopenmpt is not installed: apt-get install libopenmpt0") from error
    handle, i32, u8, c_str = ctypes.c_void_p, ctypes.c_int32, ctypes.c_uint8, ctypes.c_char_p
    signatures: dict[str, tuple[object, list[object]]] = {
        "openmpt_module_create_from_memory2": (handle, [ctypes.c_void_p, ctypes.c_size_t, handle, handle, handle,
                                                        handle, ctypes.POINTER(ctypes.c_int),
                                                        ctypes.POINTER(ctypes.c_void_p), handle]),
        "openmpt_module_destroy": (None, [handle]),
        "openmpt_module_set_repeat_count": (ctypes.c_int, [handle, i32]),
        "openmpt_module_set_render_param": (ctypes.c_int, [handle, ctypes.c_int, i32]),
        "openmpt_module_ctl_set_text": (ctypes.c_int, [handle, c_str, c_str]),
        "openmpt_module_read_interleaved_float_stereo": (ctypes.c_size_t, [handle, i32, ctypes.c_size_t,
                                                                           ctypes.c_void_p]),
        "openmpt_module_get_current_order": (i32, [handle]),
        "openmpt_module_get_current_pattern": (i32, [handle]),
        "openmpt_module_get_current_row": (i32, [handle]),
        "openmpt_module_get_metadata": (ctypes.c_void_p, [handle, c_str]),
        "openmpt_module_get_instrument_name": (ctypes.c_void_p, [handle, i32]),
        "openmpt_module_get_sample_name": (ctypes.c_void_p, [handle, i32]),
        "openmpt_module_get_num_instruments": (i32, [handle]),
        "openmpt_module_get_num_channels": (i32, [handle]),
        "openmpt_module_get_num_patterns": (i32, [handle]),
        "openmpt_module_get_pattern_num_rows": (i32, [handle, i32]),
        "openmpt_module_get_pattern_row_channel_command": (u8, [handle, i32, i32, i32, ctypes.c_int]),
        "openmpt_free_string": (None, [ctypes.c_void_p]),
        "openmpt_get_library_version": (ctypes.c_uint32, []),
    }
    for function, (restype, argtypes) in signatures.items():
        getattr(lib, function).restype = restype
        getattr(lib, function).argtypes = argtypes
    return lib


def library_version() -> str:
    """libopenmpt's version as ``major.minor.patch``."""
    packed = _library().openmpt_get_library_version()
    return f"{packed >> 24}.{(packed >> 16) & 0xFF}.{packed & 0xFFFF}"


def _take_string(pointer: int | None) -> str:
    if not pointer:
        return ""
    lib = _library()
    text = ctypes.string_at(pointer).decode("utf-8", errors="replace")
    lib.openmpt_free_string(pointer)
    return text


def render(data: bytes, max_seconds: float) -> RenderedModule:
    """Render a module file's bytes once through (no repeats), at most ``max_seconds`` long.

    Parameters
    ----------
    data : bytes
        The module file (MOD, XM, S3M, IT, MPTM, ...).
    max_seconds : float
        Rendering stops after this much audio even if the song goes on.
    """
    lib = _library()
    error = ctypes.c_int(0)
    message = ctypes.c_void_p()
    buffer = ctypes.create_string_buffer(data, len(data))
    module = lib.openmpt_module_create_from_memory2(buffer, len(data), None, None, None, None,
                                                    ctypes.byref(error), ctypes.byref(message), None)
    if not module:
        raise ValueError(f"libopenmpt cannot read this module: {_take_string(message.value) or error.value}")
    try:
        lib.openmpt_module_set_repeat_count(module, 0)
        lib.openmpt_module_ctl_set_text(module, b"play.at_end", b"stop")
        lib.openmpt_module_set_render_param(module, _RENDER_INTERPOLATIONFILTER_LENGTH, 8)
        lib.openmpt_module_set_render_param(module, _RENDER_STEREOSEPARATION_PERCENT, 100)
        samples, rows = _render_logging_rows(module, max_seconds)
        return RenderedModule(
            samples=samples, rows=rows, notes_per_row=_struck_instruments(module),
            title=_take_string(lib.openmpt_module_get_metadata(module, b"title")).strip(),
            artist=_take_string(lib.openmpt_module_get_metadata(module, b"artist")).strip(),
            module_type=_take_string(lib.openmpt_module_get_metadata(module, b"type")).strip(),
            message=_take_string(lib.openmpt_module_get_metadata(module, b"message")).strip(),
        )
    finally:
        lib.openmpt_module_destroy(module)


def _render_logging_rows(module: int, max_seconds: float) -> tuple[np.ndarray, list[RowEvent]]:
    lib = _library()
    max_frames = int(max_seconds * SAMPLE_RATE)
    audio = np.zeros((max_frames + BLOCK_FRAMES, 2), dtype=np.float32)
    rows: list[RowEvent] = []
    last = (-1, -1)
    frames = 0
    read = lib.openmpt_module_read_interleaved_float_stereo
    current_order, current_row, current_pattern = (lib.openmpt_module_get_current_order,
                                                   lib.openmpt_module_get_current_row,
                                                   lib.openmpt_module_get_current_pattern)
    address = audio.ctypes.data
    frame_bytes = audio.strides[0]
    while frames < max_frames:
        got = read(module, SAMPLE_RATE, BLOCK_FRAMES, address + frames * frame_bytes)
        if got < BLOCK_FRAMES:
            # The song ended inside this block; the player already points back at its start.
            frames += got
            break
        position = (current_order(module), current_row(module))
        if position != last:
            # The row began inside this block: its middle is within BLOCK_FRAMES / 2 of the truth.
            start = (frames + got / 2) / SAMPLE_RATE if rows else 0.0
            rows.append(RowEvent(order=position[0], pattern=current_pattern(module), row=position[1], time=start))
            last = position
        frames += got
    return audio[:frames].copy(), rows


def _struck_instruments(module: int) -> dict[tuple[int, int], list[Strike]]:
    lib = _library()
    use_instruments = lib.openmpt_module_get_num_instruments(module) > 0
    name_of = lib.openmpt_module_get_instrument_name if use_instruments else lib.openmpt_module_get_sample_name
    names: dict[int, str] = {}
    channels = lib.openmpt_module_get_num_channels(module)
    struck: dict[tuple[int, int], list[Strike]] = {}
    for pattern in range(lib.openmpt_module_get_num_patterns(module)):
        current = [0] * channels
        for row in range(lib.openmpt_module_get_pattern_num_rows(module, pattern)):
            hits = []
            for channel in range(channels):
                note = lib.openmpt_module_get_pattern_row_channel_command(module, pattern, row, channel, _COMMAND_NOTE)
                instrument = lib.openmpt_module_get_pattern_row_channel_command(module, pattern, row, channel,
                                                                                _COMMAND_INSTRUMENT)
                current[channel] = instrument or current[channel]
                if not 1 <= note <= _NOTE_MAX:
                    continue
                if current[channel] not in names:
                    names[current[channel]] = _take_string(name_of(module, current[channel] - 1))
                hits.append(Strike(current[channel], names[current[channel]], note))
            if hits:
                struck[(pattern, row)] = hits
    return struck
