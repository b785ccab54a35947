"""The service's model cache: a failed load keeps the good model, evicted models really go, one on the GPU."""

import gc
import weakref

import pytest

from generators.service.cache import ModelCache


class Model:
    """A loaded model stand-in that, like a real pipeline, refers back to itself."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts = {"self": self}


def failing_load() -> Model:
    raise OSError("no model at 'smal'")


def test_a_mistyped_model_name_keeps_the_model_that_works():
    cache = ModelCache(capacity=1)
    good = cache.get("small", lambda: Model("small"))
    with pytest.raises(OSError, match="smal"):
        cache.get("smal", failing_load)
    assert cache.loaded() == ["small"]
    assert cache.get("small", failing_load) is good


def test_an_evicted_model_is_collected_at_once_even_when_it_refers_to_itself():
    cache = ModelCache(capacity=1)
    gc.disable()
    try:
        first = weakref.ref(cache.get("a", lambda: Model("a")))
        cache.get("b", lambda: Model("b"))
        assert first() is None
    finally:
        gc.enable()


def test_only_one_model_stays_on_the_gpu_and_cpu_models_stay_beside_it():
    cache = ModelCache(capacity=3, gpu_capacity=1)
    cache.get("musicgen-large", lambda: Model("music"), on_gpu=True)
    cache.get("analysis", lambda: Model("cpu"), on_gpu=False)
    cache.get("sd15", lambda: Model("art"), on_gpu=True)
    assert cache.on_gpu() == ["sd15"]
    assert cache.loaded() == ["analysis", "sd15"]


def test_a_load_that_runs_out_of_gpu_memory_drops_the_other_gpu_models_and_tries_once_more():
    import torch  # inside: the Blender-only environments collect this file without PyTorch

    cache = ModelCache(capacity=2, gpu_capacity=2)
    cache.get("musicgen", lambda: Model("music"), on_gpu=True)
    cache.get("cpu-side", lambda: Model("cpu"), on_gpu=False)
    attempts = []

    def load_sdxl() -> Model:
        attempts.append(cache.on_gpu())
        if len(attempts) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return Model("sdxl")

    assert cache.get("sdxl", load_sdxl, on_gpu=True).name == "sdxl"
    assert len(attempts) == 2
    assert cache.loaded() == ["cpu-side", "sdxl"]


def test_running_out_of_memory_on_the_cpu_is_not_retried():
    import torch

    cache = ModelCache()
    cache.get("kept", lambda: Model("kept"), on_gpu=True)

    def load() -> Model:
        raise torch.cuda.OutOfMemoryError("out of memory")

    with pytest.raises(torch.cuda.OutOfMemoryError):
        cache.get("cpu-model", load, on_gpu=False)
    assert cache.loaded() == ["kept"]
