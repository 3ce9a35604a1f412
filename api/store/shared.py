"""How a store writer treats the graphs every build shares (``loader.shared``).

- A shared graph the file fills replaces the store's copy whole, on a load as on a
  replace. Its name says its content, so readers see no change; written into the copy
  instead, the ontology's blank nodes would be copied again on each load.
- A replace removes the shared graphs that no dataset left in the store names as a
  ``void:subset`` any longer: those of an older tool version, once the last dataset built
  with it has been replaced. A load (which adds) removes nothing.
- A project served ``dataset_only`` sees the shared graphs its own metadata names.
"""

from __future__ import annotations

from collections.abc import Iterable

from smqi.loader.shared import SUBSET, is_shared

# every dataset's subsets, by the graph that states them (its metadata graph)
SUBSETS_QUERY = (
    f"SELECT ?metadata ?graph WHERE {{ GRAPH ?metadata {{ ?dataset <{SUBSET}> ?graph }} }}"
)


def subsets_in(lines: Iterable[str]) -> set[str]:
    """The graphs named as a ``void:subset`` in N-Triples ``lines`` (as ``updates.Quads``
    holds them)."""
    named = set()
    mark = f" <{SUBSET}> <"
    for line in lines:
        at = line.find(mark)
        if at != -1:
            named.add(line[at + len(mark) : line.index(">", at + len(mark))])
    return named


def orphans(
    present: Iterable[str],
    subsets: Iterable[tuple[str, str]],
    gone: set[str],
    incoming: set[str],
) -> set[str]:
    """The shared graphs among ``present`` that no dataset names once the graphs ``gone``
    are removed and a file naming ``incoming`` is written. ``subsets``: (metadata graph,
    subset) pairs read from the store before the write."""
    kept = {graph for metadata, graph in subsets if metadata not in gone}
    return {graph for graph in present if is_shared(graph)} - kept - incoming


__all__ = ["SUBSET", "SUBSETS_QUERY", "orphans", "subsets_in"]
