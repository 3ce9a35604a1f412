"""How a dataset is cut into the requests a remote store takes (api.store.updates)."""

from __future__ import annotations

import pytest

from smqi.api.errors import DatasetError
from smqi.api.store.updates import documents

LINES = [f'<https://example.org/s{n}> <https://example.org/p> "é{n}" .' for n in range(100)]


def test_documents_hold_every_line_once_in_order_within_the_bound() -> None:
    bound = 500
    sent = list(documents(LINES, bound))

    assert len(sent) > 1
    assert all(len(document) <= bound for document in sent)
    assert b"".join(sent).decode("utf-8").splitlines() == LINES
    assert all(document.endswith(b" .\n") for document in sent)  # lines are never split


def test_a_line_larger_than_a_request_is_refused() -> None:
    with pytest.raises(DatasetError, match=r"one triple takes \d+ bytes, more than the 20"):
        list(documents(LINES[:1], 20))


def test_no_lines_make_no_document() -> None:
    assert list(documents([], 100)) == []
