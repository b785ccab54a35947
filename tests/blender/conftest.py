"""Blender fixtures: the extension zip users download, installed into Blender as a Python module."""

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

import build


@pytest.fixture(scope="session")
def extension_zip(tmp_path_factory) -> Path:
    """``dist/toonbeat-<version>.zip``, built and validated by Blender's own tool."""
    return build.build_extension(tmp_path_factory.mktemp("dist"), Path(sys.executable))


@pytest.fixture(scope="session")
def toonbeat(extension_zip) -> ModuleType:
    """The installed and enabled extension package (``bl_ext.user_default.toonbeat``)."""
    import bpy

    result = bpy.ops.extensions.package_install_files(filepath=str(extension_zip), repo="user_default",
                                                      enable_on_install=True)
    assert result == {"FINISHED"}
    return importlib.import_module("bl_ext.user_default.toonbeat")


@pytest.fixture
def scene(toonbeat):
    """An empty scene at 320x180, 24 fps, with Toonbeat enabled."""
    import bpy

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = 320, 180
    scene.render.fps, scene.render.fps_base = 24, 1.0
    return scene


class Installed:
    """The installed extension's modules by dotted name: ``tb.module("sync.keys")``."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package.__name__}.{name}")


@pytest.fixture(scope="session")
def tb(toonbeat) -> Installed:
    """Access to the installed extension's modules."""
    return Installed(toonbeat)
