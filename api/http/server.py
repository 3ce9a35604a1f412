"""How the application is served: uvicorn with the h11 HTTP layer.

uvicorn's default HTTP layer (httptools) sends every header name in lowercase, so clients
that read the ``Link`` header by its spelling (FAIR evaluators among them) saw no
signposts; h11 sends names as the application spells them. h11 also bounds what it reads
of a request's head (``h11_max_incomplete_event_size``), where httptools read a 64 MB
header for seconds while other clients waited. It parses in Python, which costs some
throughput on small answers (see bench/api_bench.py).
"""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

HTTP_LAYER = "h11"
MAX_REQUEST_HEAD_BYTES = 64 * 1024


def server_config(app: ASGIApp, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """The uvicorn configuration the command line and the tests serve ``app`` with."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=HTTP_LAYER,
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
    )
