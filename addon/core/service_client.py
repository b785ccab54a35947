"""The add-on's client for the Toonbeat job service: standard library only, no bpy.

``ServiceClient`` makes blocking calls with timeouts and turns every failure into
one ``ServiceError`` subclass with a message a user can act on. ``ServiceWorker``
runs those calls on a background thread and hands back ``concurrent.futures``
futures, so Blender's UI thread only polls (``future.done()`` from a
``bpy.app.timers`` callback) and never waits on the network.

Addresses other than this machine are refused unless the caller allows online
access (the add-on passes ``bpy.app.online_access``).

Examples
--------
>>> client = ServiceClient("http://127.0.0.1:8765")  # doctest: +SKIP
>>> job = client.submit("music", {"preset": "industrial", "seconds": 180})  # doctest: +SKIP
>>> client.wait(job["id"])["status"]  # doctest: +SKIP
'done'
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .files import atomic_path

FINISHED = ("done", "failed", "cancelled")


class ServiceError(Exception):
    """Anything that went wrong talking to the service; the message says what to do."""


class ServiceUnavailableError(ServiceError):
    """Nothing answers at the address, or it answered too slowly."""


class AuthError(ServiceError):
    """The service wants a token, or a different one."""


class OnlineAccessError(ServiceError):
    """A non-local address while online access is not allowed."""


class RequestError(ServiceError):
    """The service refused a request (bad parameters, unknown job); ``field`` names the culprit, if any."""

    def __init__(self, message: str, status: int, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.field = status, field


def is_local(url: str) -> bool:
    """Whether ``url`` points at this machine (localhost, 127.0.0.0/8 or ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServiceClient:
    """Blocking calls to the service at ``base_url``; ``timeout`` in seconds for each request."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0,
                 allow_online: bool = False) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ServiceError(f"service address {base_url!r} must look like http://127.0.0.1:8765")
        if not allow_online and not is_local(base_url):
            raise OnlineAccessError(f"{base_url} is not on this machine and online access is off "
                                    "(enable 'Allow Online Access' in Blender's preferences, or use 127.0.0.1)")
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        """The service's version, queue and loaded models."""
        return self._json("GET", "/health")

    def submit(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """Queue a job (``music``, ``art`` or ``analysis``); returns its status, with its ``id``."""
        return self._json("POST", "/jobs", {"kind": kind, "params": params})

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's status: ``status``, ``progress`` (0..1), ``message``, ``error``, ``files``."""
        return self._json("GET", f"/jobs/{quote(job_id)}")

    def jobs(self) -> list[dict[str, Any]]:
        """Every job the service knows, oldest first."""
        result: list[dict[str, Any]] = self._json("GET", "/jobs")["jobs"]
        return result

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job."""
        return self._json("POST", f"/jobs/{quote(job_id)}/cancel")

    def upload(self, path: str | os.PathLike[str]) -> str:
        """Send a local file (audio for analysis, a melody); returns the upload id to put in job params."""
        source = Path(path)
        try:
            size = source.stat().st_size
            with open(source, "rb") as stream:
                request = self._request("POST", f"/uploads?name={quote(source.name)}", stream,
                                        {"Content-Type": "application/octet-stream", "Content-Length": str(size)})
                answer = self._send(request, timeout=max(self.timeout, 60.0))
        except OSError as error:  # network failures arrive as ServiceError, so this is the local file
            raise ServiceError(f"{source}: cannot read the file to upload ({error.strerror or error})") from error
        upload_id: str = json.loads(answer)["id"]
        return upload_id

    def download(self, job_id: str, name: str, folder: str | os.PathLike[str]) -> Path:
        """Fetch one result file into ``folder`` (keeping its relative path); written whole or not at all."""
        target = Path(folder) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        request = self._request("GET", f"/jobs/{quote(job_id)}/files/{quote(name)}")
        with atomic_path(target) as temporary, open(temporary, "wb") as stream:
            self._send(request, timeout=max(self.timeout, 60.0), into=stream)
        return target

    def download_all(self, job: dict[str, Any], folder: str | os.PathLike[str]) -> list[Path]:
        """Fetch every result file of a finished job into ``folder``."""
        return [self.download(job["id"], name, folder) for name in job["files"]]

    def wait(self, job_id: str, poll_seconds: float = 0.5, timeout: float | None = None) -> dict[str, Any]:
        """Poll until the job finishes (for scripts and tests; Blender polls from a timer instead)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.job(job_id)
            if status["status"] in FINISHED:
                return status
            if deadline is not None and time.monotonic() > deadline:
                raise ServiceError(f"job {job_id} still {status['status']} after {timeout:g} s")
            time.sleep(poll_seconds)

    def _json(self, method: str, path: str, document: Any = None) -> Any:
        body = None if document is None else json.dumps(document).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        return json.loads(self._send(self._request(method, path, body, headers)))

    def _request(self, method: str, path: str, body: Any = None,
                 headers: dict[str, str] | None = None) -> urllib.request.Request:
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        return request

    def _send(self, request: urllib.request.Request, timeout: float | None = None, into: Any = None) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                if into is None:
                    data: bytes = response.read()
                    return data
                while chunk := response.read(1 << 20):
                    into.write(chunk)
                return b""
        except urllib.error.HTTPError as error:
            raise _from_http_error(error, self.base_url) from error
        except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise ServiceUnavailableError(f"no Toonbeat service answers at {self.base_url} ({reason}); "
                                          "start it with 'toonbeat serve' or check the address") from error


def _from_http_error(error: urllib.error.HTTPError, base_url: str) -> ServiceError:
    try:
        document = json.loads(error.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        document = {}
    message = document.get("error") or error.reason
    if error.code == 401:
        return AuthError(f"the service at {base_url} refused the token ({message}); "
                         "set the token in Toonbeat's preferences")
    field = document.get("field")
    return RequestError(f"{field}: {message}" if field else str(message), error.code, field)


class ServiceWorker:
    """Runs ``ServiceClient`` calls off the caller's thread; every method returns a ``Future`` to poll.

    Calls run one after another on one worker thread, in the order they were made.
    """

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="toonbeat-client")

    def call(self, method: str, *args: Any, **kwargs: Any) -> Future[Any]:
        """``client.<method>(*args, **kwargs)`` on the worker thread."""
        return self._executor.submit(getattr(self.client, method), *args, **kwargs)

    def shutdown(self) -> None:
        """Stop taking calls; calls already queued still run."""
        self._executor.shutdown(wait=False, cancel_futures=False)
