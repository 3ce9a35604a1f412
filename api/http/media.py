"""Reading an Accept header (RFC 9110 section 12.5.1) and choosing among offered types.

Shared by the store, which chooses among the types it writes for a query result, and by
``api.http.negotiation``, which also offers HTML, N-Quads and TriG.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    """One item of an Accept header: ``type/subtype`` (either may be ``*``) and its quality."""

    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """-1 when this range does not cover ``media_type``; else 0 (*/*), 1 (type/*), 2."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(accept: str, aliases: Mapping[str, str]) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed items are skipped."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if media.count("/") != 1:
            continue
        main, sub = aliases.get(media, media).split("/")
        ranges.append(MediaRange(main, sub, quality(params)))
    return ranges


def quality(params: Iterable[str]) -> float:
    """The ``q`` of an Accept or Accept-Encoding item's parameters: 1 when absent, 0 when
    unreadable, else clamped to [0, 1]."""
    found = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                found = min(1.0, max(0.0, float(value)))
            except ValueError:
                found = 0.0
    return found


def choose(
    accept: str | None, offered: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The offered type the client rates highest, ties going to the earlier offer.

    Each offered type takes the quality of the most specific range covering it. No Accept
    header means anything; None when nothing offered is acceptable.
    """
    ranges = parse_accept(accept, aliases or {}) if accept and accept.strip() else []
    if not ranges:
        return offered[0] if offered else None
    best, best_quality = None, 0.0
    for media_type in offered:
        covering = [(r.specificity(media_type), r.quality) for r in ranges]
        specificity, quality = max(covering)
        if specificity >= 0 and quality > best_quality:
            best, best_quality = media_type, quality
    return best
