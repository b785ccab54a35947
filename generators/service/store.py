"""Jobs on disk: one SQLite table in the service's folder, so a restarted service knows every job."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

COLUMNS = ("id", "kind", "params", "status", "progress", "message", "error", "files", "created", "started",
           "finished")
_JSON_COLUMNS = ("params", "files")


class JobStore:
    """Job records as dictionaries, written through on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL, "
            "status TEXT NOT NULL, progress REAL NOT NULL, message TEXT NOT NULL, error TEXT, files TEXT NOT NULL, "
            "created REAL NOT NULL, started REAL, finished REAL)")

    def save(self, record: dict[str, Any]) -> None:
        """Insert or replace one job."""
        values = [json.dumps(record[name]) if name in _JSON_COLUMNS else record[name] for name in COLUMNS]
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO jobs ({', '.join(COLUMNS)}) "
                             f"VALUES ({', '.join('?' * len(COLUMNS))})", values)

    def load(self) -> list[dict[str, Any]]:
        """Every job, oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs ORDER BY created").fetchall()
        return [{name: json.loads(value) if name in _JSON_COLUMNS else value for name, value in zip(COLUMNS, row,
                                                                                                     strict=True)}
                for row in rows]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
