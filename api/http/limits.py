"""How much of a request the server reads, and for how long: one settings object, with the
defaults the README documents. ``api.http.connection`` enforces it before the application
sees a request; the routes' own limits (a SPARQL query's 1 MB, a reconciliation batch's
4 MiB) are smaller and answered by the routes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestLimits:
    """``max_head_bytes``: the request line and headers together (431; h11's own bound on
    what it buffers); ``max_headers``: how many header fields (431); ``max_url_bytes``: the
    request target (414); ``max_body_bytes``: a body, by its Content-Length or as its chunks
    arrive (413); ``head_timeout_s``: from a connection's opening, or a request's first
    byte, to the end of its headers (408, then the connection is closed);
    ``linger_s``: after a refusal, how long what the client still sends is read and dropped,
    so that it reads the answer instead of a reset connection."""

    max_head_bytes: int = 64 * 1024
    max_headers: int = 100
    max_url_bytes: int = 32 * 1024
    max_body_bytes: int = 16 * 1024 * 1024
    head_timeout_s: float = 10.0
    linger_s: float = 2.0

    def __post_init__(self) -> None:
        if self.max_url_bytes >= self.max_head_bytes:
            raise ValueError("the URL limit must be below the request head's limit")
        if min(self.max_head_bytes, self.max_headers, self.max_body_bytes) <= 0:
            raise ValueError("request limits must be positive")
        if self.head_timeout_s <= 0 or self.linger_s < 0:
            raise ValueError("the head timeout must be positive")
