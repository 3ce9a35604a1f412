"""How the application is served: uvicorn with the h11 HTTP layer, bounded.

uvicorn's default HTTP layer (httptools) sends every header name in lowercase, so clients
that read the ``Link`` header by its spelling (FAIR evaluators among them) saw no
signposts; h11 sends names as the application spells them. It parses in Python, which
costs some throughput on small answers (see bench/api_bench.py). The protocol is uvicorn's
h11 protocol under ``RequestLimits`` (``api.http.connection``): an oversized head, URL or
body and a head that never ends are refused before the application sees them.
"""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from smqi.api.http.connection import bounded_protocol
from smqi.api.http.limits import RequestLimits


def server_config(
    app: ASGIApp,
    host: str,
    port: int,
    log_level: str = "info",
    limits: RequestLimits | None = None,
) -> uvicorn.Config:
    """The uvicorn configuration the command line and the tests serve ``app`` with."""
    limits = limits or RequestLimits()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=bounded_protocol(limits),
        h11_max_incomplete_event_size=limits.max_head_bytes,
    )
