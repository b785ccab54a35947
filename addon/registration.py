"""Registers Toonbeat's parts with Blender in order, and unregisters them in reverse."""

from . import cli_command, generation, library, operators, preferences, properties, ui

_modules = (preferences, properties, operators, ui, library, cli_command)


def register() -> None:
    """Register every part."""
    for module in _modules:
        module.register()
    generation.start()


def unregister() -> None:
    """Unregister every part, last registered first."""
    generation.shutdown()
    for module in reversed(_modules):
        module.unregister()
