"""Reading a request body up to a size, so that an oversized one is refused without being
held in memory.

A body somewhat over the limit is read to its end and dropped before the 413 is sent:
a client that is still sending when the answer comes gets a broken connection instead of
the problem that says why (urllib and SPARQLWrapper did). Past ``DRAIN_FACTOR`` times the
limit the answer is sent at once.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

from smqi.api.errors import IncompleteBodyError, RequestTooLargeError

DRAIN_FACTOR = 16


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body; RequestTooLargeError (413) when it is longer than ``limit``,
    IncompleteBodyError (400) when the client disconnects before its end."""
    drain = DRAIN_FACTOR * limit
    declared = request.headers.get("content-length", "")
    too_large = RequestTooLargeError(f"the request body is over {limit} bytes")
    if declared.isdigit() and int(declared) > drain:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif size > drain:
                break
    except ClientDisconnect:
        raise IncompleteBodyError(f"the client left after {size} bytes of the body") from None
    if size > limit:
        raise too_large
    return b"".join(chunks)
