"""Run a generators command in the background and follow its output without blocking Blender.

The Blender side polls ``poll()`` from a modal operator's timer: it never waits.
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Sequence

_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")

KILL_AFTER_SECONDS = 2.0
"""How long a cancelled process has to end cleanly before it is killed."""


class BackgroundProcess:
    """A child process whose output lines are collected by a reader thread."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.output: list[str] = []
        self.progress: float | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self._process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line.rstrip())

    def poll(self) -> int | None:
        """Collect new output; the exit code once the process and its output are done, else ``None``."""
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            self.output.append(line)
            found = _PERCENT.search(line)
            if found:
                self.progress = min(float(found.group(1)) / 100.0, 1.0)
        code = self._process.poll()
        if code is None or self._reader.is_alive():
            return None
        return code

    def cancel(self) -> bool:
        """Ask the process to stop, without waiting for it: one that is still running
        ``KILL_AFTER_SECONDS`` later is killed. False where it had ended already, so that
        what it did stands (its exit code and output come from ``poll``)."""
        if self._process.poll() is not None:
            return False
        self._process.terminate()
        threading.Timer(KILL_AFTER_SECONDS, self._kill_if_running).start()
        return True

    def _kill_if_running(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    @property
    def last_line(self) -> str:
        """The latest line of output, for status text and error reports."""
        return self.output[-1] if self.output else ""
