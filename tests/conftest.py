"""Test session setup: Blender and Hugging Face stay off the user's folders and the network.

Both read these variables when first imported, so they are set here, before any
test module imports ``bpy`` or ``huggingface_hub``.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SESSION_HOME = tempfile.mkdtemp(prefix="toonbeat-tests-home-")
os.environ["HOME"] = _SESSION_HOME
os.environ["BLENDER_USER_RESOURCES"] = os.path.join(_SESSION_HOME, "blender")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def musicgen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight MusicGen checkpoint folder (transformers), made once for the session."""
    from tests import tiny_models

    return tiny_models.tiny_musicgen(tmp_path_factory.mktemp("musicgen"))


@pytest.fixture(scope="session")
def stable_diffusion(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight Stable Diffusion 1.5 pipeline folder, made once for the session."""
    from tests import tiny_models

    return tiny_models.tiny_stable_diffusion(tmp_path_factory.mktemp("sd15"))


def pytest_sessionfinish() -> None:
    """Remove the session's home folder."""
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)
