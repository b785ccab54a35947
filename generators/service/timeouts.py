"""uvicorn's HTTP/1.1 protocol with the two timeouts it lacks: for a request's headers and for its body.

uvicorn closes idle keep-alive connections, but a client that opens a connection and
sends half a request line, or a body one byte a minute (slowloris), would hold it
forever. Here the headers must arrive whole within ``header_timeout`` seconds of the
first byte (or of the connection), and a body may pause at most ``body_timeout``
seconds between chunks; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


class ServiceConfig(uvicorn.Config):
    """uvicorn's settings plus the header and body timeouts, in seconds."""

    def __init__(self, app: Any, header_timeout: float = 10.0, body_timeout: float = 30.0, **settings: Any) -> None:
        super().__init__(app, http=TimedH11Protocol, **settings)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout


class TimedH11Protocol(H11Protocol):
    """``H11Protocol`` that closes connections whose client stalls before its request is whole."""

    def __init__(self, config: ServiceConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._header_timeout = config.header_timeout
        self._body_timeout = config.body_timeout
        self._stall_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._header_timeout)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm(self._body_timeout, restart=True)  # the body may pause between chunks, not stall
        elif state is h11.IDLE:
            self._arm(self._header_timeout)  # the headers have one deadline, however slowly they trickle
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float, restart: bool = False) -> None:
        if self._stall_timer is not None and not restart:
            return
        self._disarm()
        self._stall_timer = self.loop.call_later(seconds, self._close_if_stalled)

    def _disarm(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    def _close_if_stalled(self) -> None:
        self._stall_timer = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()
