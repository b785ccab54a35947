"""The Blender side of Toonbeat's library: asset files for entries, the Library panel, drops from the Asset Browser.

The library itself (entries, versions, catalogs, search) is plain Python in
``addon/core/library.py`` and ``addon/core/asset_catalogs.py``.
"""

from . import drop, panel


def register() -> None:
    """Register the panel, then watch for dropped assets."""
    panel.register()
    drop.register()


def unregister() -> None:
    """Undo ``register``."""
    drop.unregister()
    panel.unregister()
