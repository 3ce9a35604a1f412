"""Reading a request body up to a size, so that an oversized one is refused before it is
held in memory (a Content-Length over the limit is refused before anything is read)."""

from __future__ import annotations

from starlette.requests import Request

from smqi.api.errors import RequestTooLargeError


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body; RequestTooLargeError (413) once it is longer than ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"the request body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(f"the request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
