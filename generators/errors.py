"""The error every Toonbeat command reports as one clear line instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterable


class ToonbeatError(Exception):
    """A problem the user can fix: bad input, a missing file, an unwritable folder."""


class CancelledError(ToonbeatError):
    """A job stopped on request (its cancel event was set); nothing it was writing is left behind."""


def check_choice(value: str, choices: Iterable[str], what: str) -> None:
    """Raise a ``ToonbeatError`` naming ``what`` and the ``choices`` unless ``value`` is one of them.

    Examples
    --------
    >>> check_choice("huge", ("low", "full"), "memory profile")
    Traceback (most recent call last):
    ...
    generators.errors.ToonbeatError: unknown memory profile 'huge' (choose from low, full)
    """
    choices = tuple(choices)
    if value not in choices:
        raise ToonbeatError(f"unknown {what} {value!r} (choose from {', '.join(choices)})")
