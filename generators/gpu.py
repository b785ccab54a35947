"""What every model-loading generator shares: the gen extra and its floors, model sources, GPU memory errors.

One home for the rules the image, video and music generators all follow:

- :func:`require_gen_extra` imports torch and diffusers / transformers, or says which
  package is missing or too old for the calls Toonbeat makes (``dtype=`` in
  ``from_pretrained``, ``from_pipe`` and ``from_single_file``).
- :func:`check_model_source` tells a local path that does not exist from a hub id
  before a library turns it into an unrelated message.
- :func:`gpu_memory_guard` turns ``torch.OutOfMemoryError`` anywhere inside it into one
  clear line naming the settings that lower the need, after freeing what it can.
"""

from __future__ import annotations

import gc
import importlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ToonbeatError

MINIMUM_VERSIONS = {"diffusers": "0.40", "transformers": "4.56"}
"""The first releases whose ``from_pretrained`` / ``from_pipe`` take ``dtype=`` (older ones ignore it or fail)."""
GEN_EXTRA_HINT = "pip install 'toonbeat[gen]' (on a GPU machine install the CUDA torch first)"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
MODEL_FILE_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".bin")


def require_gen_extra(purpose: str, *packages: str) -> None:
    """Import torch and ``packages``; a missing or too old one is a :class:`ToonbeatError` with the remedy."""
    for name in ("torch", *packages):
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise ToonbeatError(f"{purpose} needs the gen extra ({error.name or name} is missing): "
                                f"{GEN_EXTRA_HINT}") from error
        floor = MINIMUM_VERSIONS.get(name)
        if floor and _release(module.__version__) < _release(floor):
            raise ToonbeatError(f"{purpose} needs {name}>={floor} (installed: {module.__version__}): "
                                f"pip install -U '{name}>={floor}'")


def looks_like_hub_id(source: str) -> bool:
    """Whether ``source`` has the shape of a hub repository id (``owner/name``, no file suffix)."""
    return bool(_HUB_ID.match(source)) and Path(source).suffix.lower() not in MODEL_FILE_SUFFIXES


def check_model_source(source: str, what: str) -> None:
    """Raise a :class:`ToonbeatError` when ``source`` is meant as a local file or folder that does not exist.

    ``what`` names it in the message: "cannot load {what} '{source}': ...".

    A source is local when it exists, or when it is not shaped like a hub id
    (absolute, ``./``-relative, more than one ``/``, or a weights file suffix).
    """
    if Path(source).exists() or looks_like_hub_id(source):
        return
    raise ToonbeatError(f"cannot load {what} {source!r}: no such file or folder (give an existing path, "
                        "or a hub id like owner/name that is downloaded or reachable)")


@contextmanager
def gpu_memory_guard(action: str, remedy: str) -> Iterator[None]:
    """Run the body; when the GPU runs out of memory, free the cache and raise one clear error.

    ``action`` says what was being done ("loading SDXL"), ``remedy`` the settings to try.
    """
    import torch

    try:
        yield
    except torch.OutOfMemoryError as error:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise ToonbeatError(f"the GPU ran out of memory {action}: {remedy}") from error


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (library errors are often pages long)."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _release(version: str) -> tuple[int, ...]:
    """``"0.42.1"`` -> ``(0, 42, 1)``; pre-release and local tails are dropped."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+", maxsplit=1)[0])[:3])
