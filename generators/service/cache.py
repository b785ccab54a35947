"""Loaded models kept between jobs, keyed by their settings, the least recently used dropped first.

A new model is loaded before any other is dropped, so a load that fails (a mistyped
name) keeps the models that work. At most ``gpu_capacity`` of them stay on the GPU
(one on the 10 GB profile: MusicGen large and Stable Diffusion do not fit together);
when a load runs out of GPU memory, the other GPU models are dropped and it is tried
once more. Dropping a model runs ``gc.collect()`` and ``torch.cuda.empty_cache()``, so
its memory really goes back.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any


@dataclass
class _Entry:
    model: Any
    on_gpu: bool


class ModelCache:
    """At most ``capacity`` loaded models, ``gpu_capacity`` of them on the GPU; ``get`` loads on a miss."""

    def __init__(self, capacity: int = 2, gpu_capacity: int = 1) -> None:
        if capacity < 1 or gpu_capacity < 1:
            raise ValueError(f"capacity and gpu_capacity must be at least 1, got {capacity} and {gpu_capacity}")
        self.capacity = capacity
        self.gpu_capacity = gpu_capacity
        self._models: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.RLock()
        self.loads = 0

    def get(self, key: Hashable, load: Callable[[], Any], on_gpu: bool = False) -> Any:
        """The model for ``key``, loading it with ``load()`` when absent; ``on_gpu`` says where it will live."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key].model
            model = self._load(load, on_gpu)
            self.loads += 1
            self._models[key] = _Entry(model, on_gpu)
            self._evict(keep=key)
            return model

    def loaded(self) -> list[Hashable]:
        """Keys of the loaded models, oldest first."""
        with self._lock:
            return list(self._models)

    def on_gpu(self) -> list[Hashable]:
        """Keys of the loaded models that live on the GPU, oldest first."""
        with self._lock:
            return [key for key, entry in self._models.items() if entry.on_gpu]

    def clear(self) -> None:
        """Drop every model."""
        with self._lock:
            self._models.clear()
            release_memory()

    def _load(self, load: Callable[[], Any], on_gpu: bool) -> Any:
        try:
            return load()
        except Exception as error:
            if not (on_gpu and _is_out_of_gpu_memory(error)):
                raise
        # Out of GPU memory: outside the handler, so the failed load's traceback no longer holds its tensors.
        if not self._drop(lambda entry: entry.on_gpu):
            release_memory()
        return load()  # once more, with the GPU to itself

    def _evict(self, keep: Hashable) -> None:
        while len(self._models) > self.capacity:
            self._drop_oldest(keep, lambda _entry: True)
        while sum(entry.on_gpu for entry in self._models.values()) > self.gpu_capacity:
            self._drop_oldest(keep, lambda entry: entry.on_gpu)

    def _drop_oldest(self, keep: Hashable, which: Callable[[_Entry], bool]) -> None:
        oldest = next(key for key, entry in self._models.items() if key != keep and which(entry))
        del self._models[oldest]
        release_memory()

    def _drop(self, which: Callable[[_Entry], bool]) -> bool:
        doomed = [key for key, entry in self._models.items() if which(entry)]
        for key in doomed:
            del self._models[key]
        if doomed:
            release_memory()
        return bool(doomed)


def release_memory() -> None:
    """Collect what nothing references any more and hand PyTorch's cached GPU memory back."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def _is_out_of_gpu_memory(error: BaseException) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(error, torch.cuda.OutOfMemoryError)
