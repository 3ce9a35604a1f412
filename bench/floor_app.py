"""The transport floor for the API benchmark: a bare ASGI app (no framework, no routing, no
middleware) that answers every request with the bytes of one file, run by the same uvicorn
as the API. What it takes to send those bytes is what no server code can save, so the API's
time for the same body, less this, is what the API itself costs.

Usage: SMQI_FLOOR_BODY=FILE uvicorn bench.floor_app:app --port PORT
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["SMQI_FLOOR_BODY"]).read_bytes()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
