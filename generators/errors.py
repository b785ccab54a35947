"""The error every Toonbeat command reports as one clear line instead of a traceback."""


class ToonbeatError(Exception):
    """A problem the user can fix: bad input, a missing file, an unwritable folder."""


class CancelledError(ToonbeatError):
    """A job stopped on request (its cancel event was set); nothing it was writing is left behind."""
