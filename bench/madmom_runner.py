"""madmom's DBN beat and downbeat trackers, for the benchmark's comparison column only (never a dependency).

madmom 0.16.1 (2018) no longer runs on Python 3.11 with numpy 1.24+ as
released; this runner shims what it needs at runtime instead of patching it:
``collections.MutableSequence`` (moved to ``collections.abc``), numpy's
removed ``np.int``/``np.float``/... aliases, and ragged ``np.asarray`` in the
downbeat tracker. ``python -m bench.analysis_bench --madmom-venv /tmp/madmom-venv``
makes that throwaway environment when it is missing (``MADMOM_INSTALL`` there), as::

    python3 -m venv /tmp/madmom-venv
    /tmp/madmom-venv/bin/pip install "numpy<2" cython setuptools wheel
    /tmp/madmom-venv/bin/pip install --no-build-isolation madmom==0.16.1

Prints one JSON line per audio file: beats, downbeats and seconds taken.
madmom's models are licensed for non-commercial use only.
"""

import collections
import collections.abc
import json
import sys
import time
from typing import Any

import numpy

collections.MutableSequence = collections.abc.MutableSequence  # type: ignore[attr-defined]
for _name, _builtin in (("int", int), ("float", float), ("bool", bool), ("complex", complex), ("object", object)):
    setattr(numpy, _name, _builtin)


class _RaggedNumpy:
    """numpy, except that ``asarray`` of ragged tuples builds an object array as numpy < 1.24 did."""

    def __getattr__(self, name: str) -> object:
        return getattr(numpy, name)

    @staticmethod
    def asarray(values: Any, *args: Any, **kwargs: Any) -> numpy.ndarray:
        try:
            return numpy.asarray(values, *args, **kwargs)
        except ValueError:
            return numpy.asarray(values, dtype=object)


def main() -> None:
    from madmom.features import downbeats as madmom_downbeats
    from madmom.features.beats import DBNBeatTrackingProcessor, RNNBeatProcessor

    madmom_downbeats.np = _RaggedNumpy()
    beat_activation, beat_tracker = RNNBeatProcessor(), DBNBeatTrackingProcessor(fps=100)
    downbeat_activation = madmom_downbeats.RNNDownBeatProcessor()
    downbeat_tracker = madmom_downbeats.DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)
    for path in sys.argv[1:]:
        start = time.perf_counter()
        beats = beat_tracker(beat_activation(path))
        beat_seconds = time.perf_counter() - start
        bars = downbeat_tracker(downbeat_activation(path))
        result = {
            "path": path,
            "beats": [float(beat) for beat in beats],
            "downbeats": [float(time_) for time_, position in bars if int(position) == 1],
            "beat_seconds": beat_seconds,
            "seconds": time.perf_counter() - start,
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
