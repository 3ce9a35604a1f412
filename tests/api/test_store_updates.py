"""How a dataset is cut into the requests a remote store takes (api.store.updates)."""

from __future__ import annotations

import pytest

from smqi.api.errors import DatasetError
from smqi.api.store.updates import Quads, documents, insert_operations

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


def test_blank_nodes_go_in_one_template_per_graph_unless_graphs_share_one() -> None:
    quads = Quads(
        with_blank_nodes={
            "urn:g:a": ["<urn:s> <urn:p> _:a1 .", "_:a1 <urn:p> _:shared ."],
            "urn:g:b": ["<urn:s> <urn:p> _:b1 ."],
            "urn:g:c": ["_:shared <urn:p> <urn:o> ."],
            "urn:g:d": ['<urn:s> <urn:p> "not _:a1, a literal" .'],
        }
    )
    templates = insert_operations(quads)

    assert len(templates) == 3  # a with c (they share _:shared), b, d
    together = next(t for t in templates if "urn:g:a" in t)
    assert "GRAPH <urn:g:c>" in together
    assert all(t.count("GRAPH <") == 1 for t in templates if t is not together)
    written = [line for t in templates for line in t.splitlines() if line.endswith(" .")]
    given = [line for lines in quads.with_blank_nodes.values() for line in lines]
    assert sorted(written) == sorted(given)
