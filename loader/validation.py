"""SHACL validation of a build: the union of its named graphs against the shapes file.

Two engines give the same results. ``pyshacl`` is the reference implementation;
``sparql`` compiles the shapes into SELECT queries (see loader.shacl_sparql) and runs
them on the embedded store, which scales to 100k studies where pyshacl takes minutes.
Both report each result as a ShapeViolation whose ``focus`` and ``path`` let the caller
point the reviewer at a sheet row and column.

Errors: ShapeCompilationError (the shapes use SHACL the compiler does not support) and
ValidatorError (a validator could not run), both LoaderErrors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from smqi.loader.errors import ConfigurationError, ValidatorError
from smqi.loader.shacl_sparql import (
    CompiledQuery,
    Message,
    ResultTemplate,
    ShapeCompilationError,
    compile_shapes,
    shape_id,
)
from smqi.loader.terms import RDF, SH, XSD

ENGINES = ("pyshacl", "sparql")
SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class ShapeViolation:
    """One SHACL validation result, with every term as text."""

    focus: str  # IRI (or blank node id) of the focus node
    path: str | None  # IRI of the result path when it is a plain predicate, else None
    value: str | None  # the value node in N-Triples syntax, or None
    message: str  # the sh:message (first one, English)
    severity: str  # "Violation" | "Warning" | "Info"
    component: str  # constraint component IRI
    source_shape: str  # shape IRI or a stable id


def validate(
    store: ox.Store, shapes_file: Path, engine: str, cache_dir: Path | None = None
) -> list[ShapeViolation]:
    """Validate the union of the store's graphs against ``shapes_file`` with ``engine``.

    The SPARQL engine's queries are kept in ``cache_dir`` under the digest of the shapes
    and of the compiler, so that checking a sheet again does not parse and compile the
    shapes again (a fifth of ``smqi validate``'s time on a thousand rows).
    """
    if engine not in ENGINES:
        raise ConfigurationError(f"unknown validator '{engine}'; expected one of {ENGINES}")
    if engine == "pyshacl":
        violations = _validate_with_pyshacl(store, _read_shapes(shapes_file))
    else:
        violations = _validate_with_sparql(store, compiled_shapes(shapes_file, cache_dir))
    return sorted(set(violations), key=_sort_key)


def compiled_shapes(shapes_file: Path, cache_dir: Path | None) -> list[CompiledQuery]:
    """The shapes compiled to SPARQL, from the cache when it holds them."""
    digest = _compiled_digest(shapes_file)
    cached = cache_dir / f"shapes-{digest}.json" if cache_dir is not None else None
    if cached is not None:
        try:
            return queries_from_json(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # absent, or written by other code: compile again
    queries = compile_shapes(_read_shapes(shapes_file))
    if cached is not None:
        partial = cached.with_suffix(".partial")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(queries_to_json(queries), encoding="utf-8")
            partial.replace(cached)
        except OSError:
            pass  # the cache only saves time
    return queries


def _compiled_digest(shapes_file: Path) -> str:
    from smqi.loader import shacl_sparql

    try:
        shapes = shapes_file.read_bytes()
    except OSError as exc:
        raise ValidatorError(f"cannot read the shapes file {shapes_file}: {exc}") from exc
    compiler = Path(shacl_sparql.__file__).read_bytes()
    return hashlib.sha256(hashlib.sha256(shapes).digest() + compiler).hexdigest()


def queries_to_json(queries: list[CompiledQuery]) -> str:
    return json.dumps([dataclasses.asdict(query) for query in queries])


def queries_from_json(text: str) -> list[CompiledQuery]:
    return [
        CompiledQuery(
            query=item["query"],
            results=tuple(
                ResultTemplate(
                    **{
                        **result,
                        "messages": tuple(Message(**m) for m in result["messages"]),
                    }
                )
                for result in item["results"]
            ),
        )
        for item in json.loads(text)
    ]


def report_graph(violations: Iterable[ShapeViolation]) -> Graph:
    """The violations as an sh:ValidationReport."""
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    results = list(violations)
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not results)))
    for violation in results:
        result = BNode()
        graph.add((report, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, _node_from_id(violation.focus)))
        if violation.path is not None:
            graph.add((result, SH.resultPath, URIRef(violation.path)))
        if violation.value is not None:
            graph.add((result, SH.value, _term_from_ntriples(violation.value)))
        graph.add((result, SH.resultMessage, Literal(violation.message, lang="en")))
        graph.add((result, SH.resultSeverity, SH[violation.severity]))
        graph.add((result, SH.sourceConstraintComponent, URIRef(violation.component)))
        graph.add((result, SH.sourceShape, _node_from_id(violation.source_shape)))
    return graph


def report_text(violations: Iterable[ShapeViolation]) -> str:
    """The violations as text a reviewer can read, most severe first."""
    results = sorted(violations, key=lambda v: (SEVERITIES.index(v.severity), *_sort_key(v)))
    if not results:
        return "The graph conforms to the shapes: no violations."
    counts = ", ".join(
        f"{n} {severity.lower()}{'s' if n != 1 else ''}"
        for severity in SEVERITIES
        if (n := sum(1 for v in results if v.severity == severity))
    )
    lines = [f"The graph does not conform to the shapes: {counts}."]
    for v in results:
        lines.append("")
        lines.append(f"{v.severity}: {v.message}")
        lines.append(f"  focus: {v.focus}")
        if v.path is not None:
            lines.append(f"  path:  {v.path}")
        if v.value is not None:
            lines.append(f"  value: {v.value}")
        component = v.component.rsplit("#", 1)[-1]
        lines.append(f"  shape: {v.source_shape} ({component})")
    return "\n".join(lines)


# -- pyshacl -------------------------------------------------------------------------


def _read_shapes(shapes_file: Path) -> Graph:
    try:
        return Graph().parse(shapes_file, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidatorError(f"cannot read the shapes file {shapes_file}: {exc}") from exc


def union_graph(store: ox.Store) -> Graph:
    """The union of every graph in the store as one rdflib graph (duplicates merge)."""
    lines = [
        f"{quad.subject} {quad.predicate} {quad.object} .\n"
        for quad in store.quads_for_pattern(None, None, None, None)
    ]
    return Graph().parse(data="".join(lines), format="nt")


def _validate_with_pyshacl(store: ox.Store, shapes: Graph) -> list[ShapeViolation]:
    import pyshacl  # imported here: a second's import that the SPARQL engine never needs

    data = union_graph(store)
    try:
        _, report, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", abort_on_first=False
        )
    except Exception as exc:  # pyshacl raises many unrelated types for a bad shapes graph
        raise ValidatorError(f"pyshacl could not validate the graph: {exc}") from exc
    assert isinstance(report, Graph)
    violations = []
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(report_node, SH.result):
            path = report.value(result, SH.resultPath)
            value = report.value(result, SH.value)
            severity = report.value(result, SH.resultSeverity)
            messages = [
                Message(str(m), m.language)
                for m in report.objects(result, SH.resultMessage)
                if isinstance(m, Literal)
            ]
            violations.append(
                ShapeViolation(
                    focus=_node_id(report.value(result, SH.focusNode)),
                    path=str(path) if isinstance(path, URIRef) else None,
                    value=_ntriples(value) if value is not None else None,
                    message=_first_message(messages),
                    severity=str(severity).rsplit("#", 1)[-1],
                    component=str(report.value(result, SH.sourceConstraintComponent)),
                    source_shape=shape_id(shapes, _required(report.value(result, SH.sourceShape))),
                )
            )
    return violations


# -- compiled SPARQL -----------------------------------------------------------------


def _validate_with_sparql(store: ox.Store, queries: list[CompiledQuery]) -> list[ShapeViolation]:
    # pyoxigraph releases the GIL while it evaluates, so queries run in parallel.
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = list(pool.map(lambda query: _run_query(store, query), queries))
    return [violation for batch in batches for violation in batch]


def _run_query(store: ox.Store, compiled: CompiledQuery) -> list[ShapeViolation]:
    try:
        solutions = store.query(compiled.query, use_default_graph_as_union=True)
    except (SyntaxError, OSError) as exc:
        shapes = ", ".join(sorted({r.source_shape for r in compiled.results}))
        raise ValidatorError(f"the query compiled from {shapes} failed: {exc}") from exc
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    violations = []
    for solution in solutions:
        bound = {name: term for name in names if (term := solution[name]) is not None}
        k = bound.pop("shacl_k", None)
        result = compiled.results[int(k.value) if k is not None else 0]
        focus = bound["this"]
        value = bound.get("value")
        if value is None and result.value_is_focus:
            value = focus
        path = bound.get("path")
        messages = list(result.messages)
        if result.templated:
            fill = {name: term for name, term in bound.items() if not name.startswith("shacl_")}
            if value is not None:
                fill["value"] = value
            messages = [Message(_fill(m.text, fill), m.language) for m in messages]
        violations.append(
            ShapeViolation(
                focus=_ox_id(focus),
                path=path.value if isinstance(path, ox.NamedNode) else result.path,
                value=str(value) if value is not None else None,
                message=_first_message(messages),
                severity=result.severity.rsplit("#", 1)[-1],
                component=result.component,
                source_shape=result.source_shape,
            )
        )
    return violations


def _fill(template: str, terms: dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """Fill {?name} and {$name} placeholders with the terms' plain text, as pyshacl does."""
    for name, term in terms.items():
        placeholder = r"\{[?$]" + re.escape(name) + r"\}"
        template = re.sub(placeholder, term.value.replace("\\", "\\\\"), template)
    return template


# -- terms ---------------------------------------------------------------------------


def _first_message(messages: list[Message]) -> str:
    """The first English (or untagged) message in text order, else the first message."""
    english = [m for m in messages if m.language is None or m.language.lower().startswith("en")]
    chosen = sorted(english or messages, key=lambda m: m.text)
    return chosen[0].text if chosen else ""


def _sort_key(v: ShapeViolation) -> tuple[str, str, str, str, str, str]:
    return (v.focus, v.path or "", v.component, v.value or "", v.message, v.source_shape)


def _required(node: Node | None) -> Node:
    if node is None:
        raise ValidatorError("pyshacl returned a validation result without a required field")
    return node


def _node_id(node: Node | None) -> str:
    node = _required(node)
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _ox_id(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _ntriples(term: Node) -> str:
    """An rdflib term in N-Triples syntax, written as pyoxigraph writes it."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string))))
    raise ValidatorError(f"unexpected term in a validation result: {term!r}")


def _node_from_id(node_id: str) -> URIRef | BNode:
    return BNode(node_id[2:]) if node_id.startswith("_:") else URIRef(node_id)


def _term_from_ntriples(text: str) -> Node:
    """Parse one N-Triples term back into rdflib."""
    subject = ox.NamedNode("urn:x-term:subject")
    line = f"{subject} {subject} {text} .\n"
    [triple] = list(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES))
    term = triple.object
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else datatype)
    raise ValidatorError(f"unexpected term in a violation: {text}")


__all__ = [
    "ENGINES",
    "ShapeCompilationError",
    "ShapeViolation",
    "ValidatorError",
    "report_graph",
    "report_text",
    "validate",
]
