"""Test session setup: Blender and Hugging Face stay off the user's folders and the network.

Both read these variables when first imported, so they are set here, before any
test module imports ``bpy`` or ``huggingface_hub``.
"""

import os
import shutil
import tempfile

_SESSION_HOME = tempfile.mkdtemp(prefix="toonbeat-tests-home-")
os.environ["HOME"] = _SESSION_HOME
os.environ["BLENDER_USER_RESOURCES"] = os.path.join(_SESSION_HOME, "blender")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def pytest_sessionfinish() -> None:
    """Remove the session's home folder."""
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)
