"""Bounded requests: uvicorn's h11 protocol, refusing what it should not read.

uvicorn's h11 layer answers every request h11 cannot parse with a 400 (h11's hint of 431
for a head over its buffer is dropped), bounds neither the number of headers, the URL nor
the body, and waits as long as a client likes for a head that never ends (a connection
that sends nothing, or a byte every few seconds: slowloris). uvicorn takes an HTTP
protocol class in its configuration, so ``BoundedH11Protocol`` is its protocol with a
connection (``LimitedConnection``) that checks ``RequestLimits`` as h11's events arrive and
a timer on each request's head:

- a head over ``max_head_bytes`` (h11 stops buffering there): 431, or 414 when the request
  line alone is too long; a target over ``max_url_bytes``: 414; more than ``max_headers``
  fields: 431; a body over ``max_body_bytes``, declared or as it arrives: 413; a head not
  finished ``head_timeout_s`` after the connection opened or the request began: 408 (or the
  connection is closed when nothing was sent); any other malformed request: 400.
- The refusal is written before the application sees the request, as the API's problem
  document with the security headers every answer has, and ``Connection: close``. The
  connection is then half-closed and, for ``linger_s``, what the client still sends is
  read and dropped without being kept: a client still sending a 200 MB header reads the
  answer rather than a reset connection. Memory stays at one read buffer per connection.

Subclassing keeps the server as it was (uvicorn on h11, chosen for the ``Link`` header's
spelling: ``api.http.server``): its workers, logging and keep-alive timeout, which still
closes connections left idle between requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from smqi.api.errors import (
    ApiError,
    RequestError,
    RequestHeadTooLargeError,
    RequestTimeoutError,
    RequestTooLargeError,
    UrlTooLongError,
)
from smqi.api.http.limits import RequestLimits
from smqi.api.http.problems import PROBLEM_JSON, problem_body
from smqi.api.http.security import headers_for

LOG = logging.getLogger("smqi.api.http")
# a request line is its target and a few bytes more (method, spaces, version)
REQUEST_LINE_EXTRA = 64


class LimitedConnection(h11.Connection):
    """An h11 server connection that raises ``RemoteProtocolError`` for a request over
    ``limits``, and keeps the reason (an ``ApiError``) in ``refusal``."""

    def __init__(self, limits: RequestLimits) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=limits.max_head_bytes)
        self.limits = limits
        self.refusal: ApiError | None = None
        self._body_bytes = 0

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refusal = self._unreadable(exc)
            raise
        refusal: ApiError | None = None
        if isinstance(event, h11.Request):
            self._body_bytes = 0
            refusal = self._too_large(event)
        elif isinstance(event, h11.Data):
            self._body_bytes += len(event.data)
            if self._body_bytes > self.limits.max_body_bytes:
                refusal = self._body_too_large()
        if refusal is not None:
            self.refusal = refusal
            raise h11.RemoteProtocolError(str(refusal), refusal.status)
        return event

    def _unreadable(self, exc: h11.RemoteProtocolError) -> ApiError:
        if exc.error_status_hint != 431:
            return RequestError(f"not a valid HTTP/1.1 request: {exc}")
        buffered = self.trailing_data[0]
        line_end = buffered.find(b"\n")
        if line_end < 0 or line_end > self.limits.max_url_bytes + REQUEST_LINE_EXTRA:
            return self._url_too_long()
        return RequestHeadTooLargeError(
            f"the request's line and headers are over {self.limits.max_head_bytes} bytes"
        )

    def _too_large(self, request: h11.Request) -> ApiError | None:
        if len(request.target) > self.limits.max_url_bytes:
            return self._url_too_long()
        if len(request.headers) > self.limits.max_headers:
            return RequestHeadTooLargeError(
                f"the request has {len(request.headers)} header fields; "
                f"at most {self.limits.max_headers} are read"
            )
        for name, value in request.headers:
            if name == b"content-length" and int(value) > self.limits.max_body_bytes:
                return self._body_too_large()
        return None

    def _url_too_long(self) -> ApiError:
        return UrlTooLongError(
            f"the URL is over {self.limits.max_url_bytes} bytes; send a long query in a POST body"
        )

    def _body_too_large(self) -> ApiError:
        return RequestTooLargeError(f"the request body is over {self.limits.max_body_bytes} bytes")


def refusal_bytes(error: ApiError) -> bytes:
    """``error`` as a whole HTTP/1.1 answer that closes the connection."""
    body = json.dumps(problem_body(error), ensure_ascii=False).encode("utf-8")
    headers = [
        ("Content-Type", PROBLEM_JSON),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        ("Connection", "close"),
        *headers_for("", PROBLEM_JSON, error.status),
        *error.headers.items(),
    ]
    head = f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return head.encode("latin-1") + body


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol under ``limits`` (a class attribute: uvicorn makes the
    protocol itself; ``bounded_protocol`` gives a class with other limits)."""

    limits: ClassVar[RequestLimits] = RequestLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn: LimitedConnection = LimitedConnection(self.limits)
        self._head_timer: asyncio.TimerHandle | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._head_timer, self._linger_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._linger_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a refusal: read and dropped
        super().data_received(data)
        self._watch_head()

    def send_400_response(self, msg: str) -> None:
        """uvicorn calls this for every request h11 will not pass on."""
        self._refuse(self.conn.refusal or RequestError(f"not a valid HTTP/1.1 request: {msg}"))

    def shutdown(self) -> None:
        if self._refused:
            self.transport.close()
            return
        super().shutdown()

    def _watch_head(self) -> None:
        """Time the head a request is waiting for, from its first byte (or the connection's
        opening) to its end; the timer is not renewed by bytes that arrive meanwhile."""
        waiting = (
            not self._refused
            and self.conn.their_state is h11.IDLE
            and not self.transport.is_closing()
        )
        if waiting and self._head_timer is None:
            self._head_timer = self.loop.call_later(
                self.limits.head_timeout_s, self._head_timed_out
            )
        elif not waiting and self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if not self.conn.trailing_data[0]:
            self.transport.close()  # nothing of a request was sent: nothing to answer
            return
        self._refuse(
            RequestTimeoutError(
                f"the request's headers did not arrive within {self.limits.head_timeout_s:g} s"
            )
        )

    def _refuse(self, error: ApiError) -> None:
        """Answer ``error`` (unless an answer has begun), then half-close and linger."""
        self._refused = True
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the application, if it runs, sees the client leave
            cycle.message_event.set()
            if cycle.response_started:
                self.transport.close()
                return
        LOG.info("refused %s %s: %s", error.status, error.code, error)
        self.transport.write(refusal_bytes(error))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self._linger_timer = self.loop.call_later(self.limits.linger_s, self.transport.close)


def bounded_protocol(limits: RequestLimits) -> type[BoundedH11Protocol]:
    """``BoundedH11Protocol`` under ``limits``."""
    if limits == BoundedH11Protocol.limits:
        return BoundedH11Protocol
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"limits": limits})
