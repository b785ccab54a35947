"""Keep the frame buffers Blender frees during a render mapped, so the next frame reuses them.

Each composited frame allocates several frame-sized buffers and frees them again. With
glibc's default settings a freed buffer of a few megabytes goes back to the system and the
next frame faults every page of a new one in: about 1200 page faults and 4 CPU milliseconds
a 720p frame (``bench/render_results.md``). Raising the mmap and trim thresholds keeps them
in the heap. Only on Linux with glibc; elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
# glibc caps the mmap threshold at 32 MiB on 64-bit systems: a 4K byte frame (33 MB) is still mapped.
_MMAP_THRESHOLD_BYTES = 32 << 20
_TRIM_THRESHOLD_BYTES = 1 << 30
_TOP_PAD_BYTES = 64 << 20


def keep_freed_buffers() -> bool:
    """Tell glibc's allocator to keep freed frame buffers for reuse; returns whether it took the settings."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    settings = ((_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES),
                (_M_TOP_PAD, _TOP_PAD_BYTES))
    return all(mallopt(option, value) == 1 for option, value in settings)
