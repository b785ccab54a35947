"""Progress as an artist reads it: percent done and time left, from the fraction done and the time spent."""

from __future__ import annotations

# Before this much of the work is done, the estimate of the time left swings too much to show.
MIN_FRACTION_FOR_ESTIMATE = 0.02


def time_left(fraction: float, elapsed_seconds: float) -> float | None:
    """Seconds still to go at the pace so far, or ``None`` while too little is done to tell.

    >>> time_left(0.25, 10.0)
    30.0
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction done {fraction!r} is not between 0 and 1")
    if elapsed_seconds < 0:
        raise ValueError(f"elapsed time {elapsed_seconds!r} s is negative")
    if fraction < MIN_FRACTION_FOR_ESTIMATE:
        return None
    return elapsed_seconds * (1.0 - fraction) / fraction


def duration_text(seconds: float) -> str:
    """``"8 s"`` under a minute, ``"2:05 min"`` from one on.

    >>> duration_text(125.2)
    '2:05 min'
    """
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60}:{whole % 60:02d} min"


def progress_text(doing: str, fraction: float | None, elapsed_seconds: float) -> str:
    """``"Analyzing: 42%, 12 s left"``; ``"Analyzing: starting"`` before the first report.

    >>> progress_text("Analyzing", 0.5, 6.0)
    'Analyzing: 50%, 6 s left'
    """
    if fraction is None:
        return f"{doing}: starting"
    left = time_left(fraction, elapsed_seconds)
    estimate = "" if left is None or fraction >= 1.0 else f", {duration_text(left)} left"
    return f"{doing}: {fraction:.0%}{estimate}"
