"""Cached, conditional answers: ETag, Last-Modified, If-None-Match, If-Modified-Since.

The graph changes only when a build is loaded, so an answer is a function of the dataset
version and the request. Its ETag is a digest of the two, known before any work is done: a
client that holds it gets a 304 without a query being run. Last-Modified is the served
build's ``dcterms:modified``. The rendered bytes are kept in the application's
``AnswerCache`` under the version, so a repeated request costs a dictionary lookup; large
answers also go gzip-compressed (compressed once) to clients that accept it.

A remote store that others write to as well names a new version every ``answer_ttl_s``
seconds (``RemoteStoreSettings``); Last-Modified is then the start of that period when it is
later than the build.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from smqi.api.context import AppContext
from smqi.api.evidence.queries import Snapshot, api_query, text
from smqi.api.http.media import quality
from smqi.api.http.replay import ANSWER_VERSION
from smqi.api.store.base import renewed_at

# Caches may keep answers but must ask again before reusing one (a 304 costs nothing here).
CACHE_CONTROL = "public, no-cache"
# Answers at least this long go gzip-compressed to clients that accept it: a cross-tab with
# its study lists is megabytes at 100k studies, and IRIs compress about tenfold. The
# compressed bytes are cached beside the plain ones, so each is compressed once per build.
GZIP_MIN_BYTES = 16 * 1024


@dataclass(frozen=True)
class Representation:
    """An answer rendered in one media type, with any headers of its own."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()


def entity_tag(version: str, key: str) -> str:
    """A weak ETag for the answer to request ``key`` from dataset ``version``."""
    digest = hashlib.sha256(f"{version}\x00{key}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison) or is ``*``."""
    opaque = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def not_modified(headers: Mapping[str, str], etag: str, modified: datetime | None) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None or modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= since


def dataset_modified(snapshot: Snapshot) -> datetime | None:
    """When the served build was made (dataset-modified.rq), once per version."""

    def read() -> datetime | None:
        rows = snapshot.select(api_query("dataset-modified")).rows
        value = text(rows[0], "modified") if rows else None
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    return snapshot.cached("dataset-modified", read)


def respond(
    request: Request,
    context: AppContext,
    key: str,
    render: Callable[[Snapshot], Representation],
    vary: str | None = None,
) -> Response:
    """The cached answer to ``key`` (rendered by ``render`` on a miss), or a 304.

    ``key`` must determine the answer given the dataset: the path, the parameters that
    matter and the chosen media type.
    """
    snapshot = Snapshot.of(context)
    etag = entity_tag(snapshot.version, key)
    modified = dataset_modified(snapshot)
    renewed = renewed_at(snapshot.version)  # a store others write to: its answer period
    if renewed is not None:
        modified = renewed if modified is None else max(modified, renewed)
    # Accept-Encoding always: the same answer may go compressed or not (a 304 included)
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": f"{vary}, Accept-Encoding" if vary else "Accept-Encoding",
    }
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    if not_modified(request.headers, etag, modified):
        return Response(status_code=304, headers=headers)
    answer = snapshot.cached(f"answer:{key}", lambda: render(snapshot))
    body = answer.body
    if len(body) >= GZIP_MIN_BYTES and accepts_gzip(request.headers.get("accept-encoding")):
        body = snapshot.cached(f"gzip:{key}", lambda: gzip.compress(answer.body, 6, mtime=0))
        headers["Content-Encoding"] = "gzip"
    request.scope[ANSWER_VERSION] = snapshot.version  # api.http.replay may send it again
    return Response(body, media_type=answer.media_type, headers={**headers, **dict(answer.headers)})


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header admits gzip (by name or ``*``) with quality above 0."""
    qualities: dict[str, float] = {}
    for item in (accept_encoding or "").split(","):
        coding, *params = (part.strip().lower() for part in item.split(";"))
        if coding:
            qualities[coding] = quality(params)
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0))) > 0
