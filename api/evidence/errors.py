"""The errors the evidence API raises, from the API's one error tree (``api.errors``).

Kept as a module so that evidence code names what it raises where it lives; ``EvidenceError``
is the old name of ``RequestError``, the base of every request the API cannot answer as asked.
"""

from __future__ import annotations

from smqi.api.errors import InvalidParameterError, NotFoundError, RequestError, TooLargeError

EvidenceError = RequestError

__all__ = ["EvidenceError", "InvalidParameterError", "NotFoundError", "TooLargeError"]
