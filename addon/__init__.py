"""Toonbeat, the Blender extension: only registration lives here.

Importing this package needs no ``bpy``: the pure modules in ``core`` serve the
generators and the tests outside Blender, and the Blender classes are imported
when Blender calls ``register``.
"""


def register() -> None:
    """Register Toonbeat's classes, properties and command line with Blender."""
    from . import registration

    registration.register()


def unregister() -> None:
    """Undo ``register`` in reverse order."""
    from . import registration

    registration.unregister()
