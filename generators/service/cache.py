"""Loaded models kept between jobs, keyed by their settings, the least recently used dropped first."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class ModelCache:
    """At most ``capacity`` loaded models; ``get`` loads on a miss and returns the same object on a hit."""

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self._models: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.loads = 0

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The model for ``key``, loading it with ``load()`` (and evicting the oldest) when absent."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            while len(self._models) >= self.capacity:
                self._models.popitem(last=False)
                _release_gpu_memory()
            model = load()
            self.loads += 1
            self._models[key] = model
            return model

    def loaded(self) -> list[Hashable]:
        """Keys of the loaded models, oldest first."""
        with self._lock:
            return list(self._models)


def _release_gpu_memory() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
