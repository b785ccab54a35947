"""Who may talk to the service: the checks every request passes before any route sees it.

- **Host**: the ``Host`` header must be one of the names the service is bound to
  (``127.0.0.1``, ``localhost``, ``[::1]`` on loopback), so a web page whose own name
  was re-pointed at 127.0.0.1 (DNS rebinding) is refused.
- **Token**: when the service has one, every request must carry
  ``Authorization: Bearer <token>``.
- **Cross-origin**: a request from another web page (an ``Origin`` that is not the
  service's own, or ``Sec-Fetch-Site`` cross-site or same-site) is refused unless it
  presented the token. No CORS headers are ever sent, so browsers block the answers too.
- **Bodies**: ``POST /jobs`` must be ``application/json`` and ``POST /uploads``
  ``application/octet-stream`` (so a ``text/plain`` "simple request" from a form or
  ``fetch`` never reaches a route), with a ``Content-Length`` within its limit.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """Whether ``host`` is "every address of this machine" (``0.0.0.0``, ``::``)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


@dataclass(frozen=True)
class BodyRule:
    """What a route's body must be: its media type and at most how many bytes."""

    media_type: str
    max_bytes: int


class _RefusedError(Exception):
    def __init__(self, status: int, message: str, field: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers


class RequestGuard:
    """ASGI middleware that answers 400, 401, 403, 411, 413 or 415 before a bad request reaches ``app``."""

    def __init__(self, app: ASGIApp, *, host: str, port: int, token: str | None, bodies: dict[str, BodyRule],
                 host_names: Iterable[str] = ()) -> None:
        self.app = app
        self.token = token
        self.bodies = bodies
        names = {host.lower(), f"[{host.lower()}]" if ":" in host else host.lower(), *map(str.lower, host_names)}
        if is_loopback(host):
            names.update(LOOPBACK_NAMES)
        # Bound to every address, with the token every request needs: the token, not the name, protects it.
        self.host_names = None if is_wildcard(host) and token else frozenset(names)
        self.port = port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check(scope, Headers(scope=scope))
        except _RefusedError as refusal:
            response = JSONResponse({"error": refusal.message, "field": refusal.field}, refusal.status,
                                    headers={**(refusal.headers or {}), "Connection": "close"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope, headers: Headers) -> None:
        host = headers.get("host", "")
        self._check_host(host)
        if self.token is not None:
            given = headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
                raise _RefusedError(401, "missing or wrong token (Authorization: Bearer)", "Authorization",
                               {"WWW-Authenticate": "Bearer"})
        else:
            self._check_same_origin(host, headers)
        rule = self.bodies.get(scope["path"]) if scope["method"] == "POST" else None
        if rule is not None:
            self._check_body(rule, headers)

    def _check_host(self, host: str) -> None:
        if self.host_names is None:
            return
        name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
        if not name:
            name, port = host, ""
        if name.lower() not in self.host_names or (port and port != str(self.port)):
            names = ", ".join(sorted(self.host_names))
            raise _RefusedError(400, f"Host {host!r} is not a name of this service ({names})", "Host")

    @staticmethod
    def _check_same_origin(host: str, headers: Headers) -> None:
        origin = headers.get("origin")
        if origin is not None and origin.lower() != f"http://{host}".lower():
            raise _RefusedError(403, f"cross-origin request from {origin!r} refused: this service only answers its own "
                                "pages and programs (or requests carrying its token)", "Origin")
        if headers.get("sec-fetch-site", "none") not in ("none", "same-origin"):
            raise _RefusedError(403, "cross-site request refused", "Sec-Fetch-Site")

    @staticmethod
    def _check_body(rule: BodyRule, headers: Headers) -> None:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != rule.media_type:
            raise _RefusedError(415, f"the body must be {rule.media_type}, not {media_type or 'untyped'}",
                                "Content-Type")
        length = headers.get("content-length")
        if length is None or "transfer-encoding" in headers:
            raise _RefusedError(411, "give the body's Content-Length (no chunked bodies)", "Content-Length")
        if not length.isdigit() or int(length) > rule.max_bytes:
            raise _RefusedError(413, f"the body must be at most {rule.max_bytes} bytes", "Content-Length")

