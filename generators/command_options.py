"""What every generating command shares: its options (where it writes, its parameters, ``--overwrite``,
``--library``) and its progress line on stderr."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from addon.core.cli_args import add_overwrite_argument

from .library.command import add_keep_argument
from .parameters import add_arguments


def add_generator_options(parser: argparse.ArgumentParser, params: type[BaseModel], *, output: str | None,
                          output_help: str, overwrites: str, kept: str) -> None:
    """``-o/--output`` (default ``output``; with ``None`` the command names it, as ``output_help`` says), one
    option per field of ``params``, ``--overwrite`` for ``overwrites`` and ``--library`` keeping ``kept``."""
    default_help = " (default: %(default)s)" if output is not None else ""
    parser.add_argument("-o", "--output", default=output, help=f"{output_help}{default_help}")
    add_arguments(parser, params)
    add_overwrite_argument(parser, overwrites)
    add_keep_argument(parser, kept)


@dataclass(frozen=True)
class StepProgress:
    """Progress counted in steps, as the video backends report it."""

    step: int
    steps: int

    @property
    def fraction(self) -> float:
        """The share of the steps done."""
        return self.step / self.steps if self.steps else 1.0


class ProgressLine:
    """A progress callback that rewrites one stderr line with ``describe(progress)``, at most every
    ``seconds_between`` seconds, and always once ``progress.fraction`` reaches 1."""

    def __init__(self, describe: Callable[[Any], str], seconds_between: float = 0.5) -> None:
        self._describe = describe
        self._seconds_between = seconds_between
        self._shown_at = -math.inf

    def __call__(self, progress: Any) -> None:
        """Show ``progress`` unless the line was rewritten a moment ago."""
        now = time.monotonic()
        if now - self._shown_at < self._seconds_between and progress.fraction < 1.0:
            return
        self._shown_at = now
        print(f"\r{self._describe(progress)}   ", end="", file=sys.stderr, flush=True)

    def steps(self, step: int, steps: int) -> None:
        """Show progress reported as ``step`` of ``steps`` (a ``StepProgress``)."""
        self(StepProgress(step, steps))
