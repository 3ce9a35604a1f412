"""Compile a SHACL shapes graph into SPARQL SELECT queries that pyoxigraph runs fast.

pyshacl checks focus node by focus node in Python and needs minutes for 100k studies.
The queries made here check every focus node at once and return the rows pyshacl would
report (focus node, value, path), so one shapes file gives the same verdicts at both
scales. A query reads a predicate once for all the per-value checks on it (sh:class apart) and
once for all the sh:maxCount checks on it; its rows name the constraint they break
(``?shacl_k``). Focus nodes are listed only to find missing values; otherwise the
candidates are found first and then tested for target membership.
Only the subset below compiles; anything else raises ShapeCompilationError, which keeps
the shapes file inside what both validators understand alike.

    targets     sh:targetClass (instances of subclasses too), sh:targetNode,
                sh:targetSubjectsOf, sh:targetObjectsOf
    paths       a predicate IRI or [ sh:inversePath IRI ]
    per value   sh:datatype, sh:nodeKind, sh:pattern (+ sh:flags), sh:minInclusive,
                sh:maxInclusive, sh:minLength, sh:class, sh:in, sh:node
    per focus   sh:minCount, sh:maxCount, sh:hasValue, sh:uniqueLang (property shapes)
    SPARQL      sh:sparql / sh:select with sh:prefixes, $this and $PATH
    no effect   sh:message, sh:severity, sh:deactivated, sh:name, sh:description,
                sh:order, sh:group

A node shape used through sh:node may hold per-value checks and property shapes with
per-value checks, sh:minCount 1 and sh:hasValue. A SPARQL constraint is joined with the
focus nodes instead of being run once per focus node, so its query must bind $this in a
triple pattern (not only in FILTER, OPTIONAL or BOUND), and it must not use MINUS, VALUES,
SERVICE or a nested SELECT, which pyshacl refuses too. Every constraint needs an
sh:message: the reviewer reads it.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from smqi.loader.errors import ShapeCompilationError
from smqi.loader.terms import OWL, RDF, RDFS, SH, XSD

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_VALUE_PARAMETERS = (
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minLength,
    SH["class"],
    SH["in"],
    SH.node,
)
_NO_EFFECT = (SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order)
_NODE_SHAPE = frozenset((*_TARGETS, *_VALUE_PARAMETERS, *_NO_EFFECT, SH.group, SH.property))
_NODE_SHAPE_PREDICATES = _NODE_SHAPE | {SH.sparql}
_PROPERTY_SHAPE_PREDICATES = _NODE_SHAPE_PREDICATES | {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.hasValue,
    SH.uniqueLang,
}
_NESTED_NODE_PREDICATES = _NODE_SHAPE - set(_TARGETS)
_NESTED_PROPERTY_PREDICATES = (_NESTED_NODE_PREDICATES - {SH.property}) | {
    SH.path,
    SH.minCount,
    SH.hasValue,
}

# Casting to these datatypes fails on an ill-typed lexical form, which tells a
# well-formed literal from an ill-typed one as pyshacl's datatype check does.
_CASTABLE = frozenset(
    XSD[name]
    for name in ("integer", "decimal", "float", "double", "boolean", "date", "dateTime", "time")
)
_NODE_KIND_FAILS = {
    SH.IRI: "!isIRI({v})",
    SH.BlankNode: "!isBlank({v})",
    SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}
_FORBIDDEN_SPARQL = re.compile(r"(?<![?$\w])(MINUS|VALUES|SERVICE)\b|\{\s*SELECT\b", re.I)
_LEADING_PREFIX = re.compile(r"^\s*PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class Message:
    """One sh:message: its text and language tag (None when untagged)."""

    text: str
    language: str | None


@dataclass(frozen=True)
class ResultTemplate:
    """What a row reports besides its focus node, value and (SPARQL) path.

    ``value_is_focus``: the value is the focus node when the row binds none (SPARQL
    constraints of node shapes). ``templated``: the messages hold ``{?name}`` placeholders
    filled from the row (SPARQL constraints).
    """

    source_shape: str
    component: str
    severity: str
    messages: tuple[Message, ...]
    path: str | None
    value_is_focus: bool = False
    templated: bool = False


@dataclass(frozen=True)
class CompiledQuery:
    """A SELECT that projects ``?this`` and maybe ``?value``, ``?path`` and other variables;
    a row's ``?shacl_k`` (0 when unbound) picks the ResultTemplate it reports."""

    query: str
    results: tuple[ResultTemplate, ...]


def compile_shapes(shapes: Graph) -> list[CompiledQuery]:
    """Compile every targeted shape of ``shapes``, in a stable order."""
    return _Compiler(shapes).compile()


def shape_id(shapes: Graph, shape: Node) -> str:
    """A stable name for a shape: its IRI, else its sh:name, else its blank node id."""
    if isinstance(shape, URIRef):
        return str(shape)
    name = shapes.value(shape, SH.name)
    return str(name) if name is not None else f"_:{shape}"


def _nt(term: Node) -> str:
    """An rdflib term in N-Triples syntax (the SPARQL form of a constant)."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        datatype = ox.NamedNode(str(term.datatype or XSD.string))
        return str(ox.Literal(str(term), datatype=datatype))
    raise ShapeCompilationError(f"a blank node cannot be a constant in a shape: {term}")


def _instance_of(v: str, cls: Node) -> str:
    """A pattern matching when ``v`` is a SHACL instance of ``cls`` (rdfs:subClassOf*)."""
    return f"{v} {_nt(RDF.type)}/{_nt(RDFS.subClassOf)}* {_nt(cls)}"


@dataclass(frozen=True)
class _Path:
    predicate: URIRef
    inverse: bool

    def triple(self, focus: str, value: str) -> str:
        if self.inverse:
            return f"{value} {_nt(self.predicate)} {focus} ."
        return f"{focus} {_nt(self.predicate)} {value} ."

    def sparql(self) -> str:
        return ("^" if self.inverse else "") + _nt(self.predicate)

    def reported(self) -> str | None:
        return None if self.inverse else str(self.predicate)


@dataclass(frozen=True)
class _Targets:
    """A shape's focus nodes: a pattern listing them as ?this, and a test of one ?this.

    Checks for rare problems find candidates first and test them with ``member``; only
    checks for something missing list every focus node.
    """

    listing: str
    member: str


@dataclass(frozen=True)
class _Check:
    """A per-value check: an expression true when the value fails. ``conforming`` is a
    pattern matching the values that pass, subtracted with MINUS where that is cheaper
    (sh:class); ``costly`` checks are run once per distinct value (sh:node)."""

    component: URIRef
    fails: str
    conforming: str | None = None
    costly: bool = False


@dataclass(frozen=True)
class _Pending:
    """A constraint waiting to be merged with the others on the same path."""

    result: ResultTemplate
    targets: _Targets
    check: _Check | None = None
    max_count: int | None = None


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self._fresh = itertools.count()
        self.queries: list[CompiledQuery] = []
        self.per_value: dict[_Path, list[_Pending]] = defaultdict(list)
        self.max_counts: dict[_Path, list[_Pending]] = defaultdict(list)

    def compile(self) -> list[CompiledQuery]:
        targeted = {s for p in _TARGETS for s in self.g.subjects(p, None)}
        for shape in sorted(targeted, key=str):
            if self._deactivated(shape):
                continue
            targets = self._targets(shape)
            self._shape(shape, targets)
            if self.g.value(shape, SH.path) is None:
                for prop in sorted(self.g.objects(shape, SH.property), key=str):
                    if not self._deactivated(prop):
                        self._shape(prop, targets)
        for path, pending in sorted(self.per_value.items(), key=lambda item: str(item[0])):
            self._merge_value_checks(path, pending)
        for path, pending in sorted(self.max_counts.items(), key=lambda item: str(item[0])):
            self._merge_max_counts(path, pending)
        return self.queries

    # -- shapes --------------------------------------------------------------------

    def _var(self) -> str:
        return f"?shacl_{next(self._fresh)}"

    def _fail(self, shape: Node, problem: str) -> ShapeCompilationError:
        return ShapeCompilationError(f"shape {shape_id(self.g, shape)}: {problem}")

    def _deactivated(self, shape: Node) -> bool:
        flag = self.g.value(shape, SH.deactivated)
        return isinstance(flag, Literal) and flag.value is True

    def _check_predicates(self, shape: Node, allowed: frozenset[URIRef]) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in allowed:
                name = str(predicate)[len(str(SH)) :]
                raise self._fail(shape, f"sh:{name} is not supported here by the SPARQL validator")
        if (shape, RDF.type, RDFS.Class) in self.g or (shape, RDF.type, OWL.Class) in self.g:
            raise self._fail(shape, "implicit class targets are not supported")

    def _path(self, shape: Node) -> _Path | None:
        paths = list(self.g.objects(shape, SH.path))
        if not paths:
            return None
        if len(paths) > 1:
            raise self._fail(shape, "a property shape has exactly one sh:path")
        path = paths[0]
        if isinstance(path, URIRef):
            return _Path(path, inverse=False)
        inverse = self.g.value(path, SH.inversePath)
        if isinstance(inverse, URIRef) and len(list(self.g.predicate_objects(path))) == 1:
            return _Path(inverse, inverse=True)
        raise self._fail(shape, "only a predicate or [ sh:inversePath predicate ] is supported")

    def _messages(self, node: Node) -> tuple[Message, ...]:
        messages = []
        for message in self.g.objects(node, SH.message):
            if not isinstance(message, Literal):
                raise self._fail(node, "sh:message must be text")
            messages.append(Message(str(message), message.language))
        return tuple(sorted(messages, key=lambda m: (m.text, m.language or "")))

    def _integer(self, shape: Node, term: Node) -> int:
        if isinstance(term, Literal) and isinstance(term.value, int) and term.value >= 0:
            return term.value
        raise self._fail(shape, f"expected a non-negative integer, got {term}")

    def _targets(self, shape: Node) -> _Targets:
        listing: list[str] = []
        member: list[str] = []
        a, sub_class_of = _nt(RDF.type), _nt(RDFS.subClassOf)
        for cls in self.g.objects(shape, SH.targetClass):
            sub, c = self._var(), _nt(cls)
            listing.append(
                f"{{ ?this {a} {c} }} UNION {{ {sub} {sub_class_of}+ {c} . ?this {a} {sub} }}"
            )
            member.append(f"EXISTS {{ {_instance_of('?this', cls)} }}")
        for node in self.g.objects(shape, SH.targetNode):
            listing.append(f"{{ BIND ({_nt(node)} AS ?this) }}")
            member.append(f"sameTerm(?this, {_nt(node)})")
        for predicate in self.g.objects(shape, SH.targetSubjectsOf):
            listing.append(f"{{ ?this {_nt(predicate)} {self._var()} }}")
            member.append(f"EXISTS {{ ?this {_nt(predicate)} {self._var()} }}")
        for predicate in self.g.objects(shape, SH.targetObjectsOf):
            listing.append(f"{{ {self._var()} {_nt(predicate)} ?this }}")
            member.append(f"EXISTS {{ {self._var()} {_nt(predicate)} ?this }}")
        return _Targets("{ " + " UNION ".join(listing) + " }", " || ".join(member))

    def _shape(self, shape: Node, targets: _Targets) -> None:
        """Queue or compile the constraints of one shape on the focus nodes ``targets``."""
        path = self._path(shape)
        self._check_predicates(
            shape, _PROPERTY_SHAPE_PREDICATES if path else _NODE_SHAPE_PREDICATES
        )
        if path is not None and self.g.value(shape, SH.property) is not None:
            raise self._fail(shape, "property shapes inside property shapes are not supported")
        messages = self._messages(shape)
        checks = list(self._value_checks(shape, "?value", ()))
        counted = any(
            self.g.value(shape, p) is not None
            for p in _PROPERTY_SHAPE_PREDICATES - _NODE_SHAPE_PREDICATES - {SH.path}
        )
        if (checks or counted) and not messages:
            raise self._fail(shape, "every constraint needs an sh:message for the reviewer")

        def result(component: URIRef) -> ResultTemplate:
            return ResultTemplate(
                source_shape=shape_id(self.g, shape),
                component=str(component),
                severity=str(self.g.value(shape, SH.severity) or SH.Violation),
                messages=messages,
                path=path.reported() if path else None,
            )

        for check in checks:
            if path is not None:
                self.per_value[path].append(_Pending(result(check.component), targets, check))
            else:
                where = f"{targets.listing} BIND (?this AS ?value) FILTER ({check.fails})"
                self._emit(
                    f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}", result(check.component)
                )
        if path is not None:
            for count in self.g.objects(shape, SH.maxCount):
                pending = _Pending(
                    result(SH.MaxCountConstraintComponent),
                    targets,
                    max_count=self._integer(shape, count),
                )
                self.max_counts[path].append(pending)
            for component, where in self._focus_checks(shape, path, targets):
                self._emit(f"SELECT DISTINCT ?this WHERE {{ {where} }}", result(component))
        self._sparql_constraints(shape, targets, path)

    def _emit(self, query: str, *results: ResultTemplate) -> None:
        self.queries.append(CompiledQuery(query, results))

    # -- per-value checks ------------------------------------------------------------

    def _value_checks(self, shape: Node, v: str, stack: tuple[Node, ...]) -> Iterator[_Check]:
        g = self.g
        for datatype in g.objects(shape, SH.datatype):
            yield _Check(SH.DatatypeConstraintComponent, self._datatype_fails(shape, datatype, v))
        for kind in g.objects(shape, SH.nodeKind):
            if not isinstance(kind, URIRef) or kind not in _NODE_KIND_FAILS:
                raise self._fail(shape, f"unknown sh:nodeKind {kind}")
            yield _Check(SH.NodeKindConstraintComponent, _NODE_KIND_FAILS[kind].format(v=v))
        flags = g.value(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            args = _nt(Literal(str(pattern)))
            if flags is not None:
                args += ", " + _nt(Literal(str(flags)))
            fails = f"(isBlank({v}) || !REGEX(STR({v}), {args}))"
            yield _Check(SH.PatternConstraintComponent, fails)
        for bound in g.objects(shape, SH.minInclusive):
            fails = f"!COALESCE({v} >= {_nt(bound)}, false)"
            yield _Check(SH.MinInclusiveConstraintComponent, fails)
        for bound in g.objects(shape, SH.maxInclusive):
            fails = f"!COALESCE({v} <= {_nt(bound)}, false)"
            yield _Check(SH.MaxInclusiveConstraintComponent, fails)
        for length in g.objects(shape, SH.minLength):
            fails = f"(isBlank({v}) || STRLEN(STR({v})) < {self._integer(shape, length)})"
            yield _Check(SH.MinLengthConstraintComponent, fails)
        for cls in g.objects(shape, SH["class"]):
            typed = _instance_of(v, cls)
            yield _Check(SH.ClassConstraintComponent, f"NOT EXISTS {{ {typed} }}", typed)
        for members in g.objects(shape, SH["in"]):
            same = [f"sameTerm({v}, {_nt(item)})" for item in Collection(g, members)]
            yield _Check(SH.InConstraintComponent, "!(" + (" || ".join(same) or "false") + ")")
        for node in g.objects(shape, SH.node):
            violation = self._violation_pattern(node, v, (*stack, shape))
            fails = f"EXISTS {{ {violation} }}" if violation else "false"
            yield _Check(SH.NodeConstraintComponent, fails, costly=True)

    def _datatype_fails(self, shape: Node, datatype: Node, v: str) -> str:
        if datatype == RDF.langString:
            return f'!(isLiteral({v}) && LANG({v}) != "")'
        if datatype == RDFS.Literal:
            return f"!isLiteral({v})"
        if not isinstance(datatype, URIRef):
            raise self._fail(shape, "sh:datatype must be an IRI")
        matches = f"isLiteral({v}) && DATATYPE({v}) = {_nt(datatype)}"
        if datatype in _CASTABLE:
            matches += f" && COALESCE(isLiteral({_nt(datatype)}(STR({v}))), false)"
        return f"!({matches})"

    def _merge_value_checks(self, path: _Path, pending: list[_Pending]) -> None:
        """One query for the per-value checks on ``path``; sh:class gets its own, as it
        subtracts the class's instances, which beats a lookup per value."""
        merged = []
        for item in pending:
            assert item.check is not None
            if item.check.conforming is None:
                merged.append(item)
                continue
            values = self._values(path, "")
            failing = f"{{ {values} }} MINUS {{ {item.check.conforming} }}"
            where = f"{_candidates(failing, path, '')} FILTER ({item.targets.member})"
            self._emit(f"SELECT DISTINCT ?this ?value WHERE {{ {where} }}", item.result)
        if not merged:
            return
        checks = [item.check for item in merged if item.check is not None]
        any_fails = " || ".join(f"({check.fails})" for check in checks)
        if any(check.costly for check in checks):
            # Test each distinct value once; GROUP BY (unlike DISTINCT) keeps the optimiser
            # from pushing the test back down to every triple.
            candidates = (
                f"SELECT ?value WHERE {{ {{ {self._values(path, '')} }} FILTER ({any_fails}) }}"
            )
        else:
            candidates = self._values(path, any_fails)
        which = " || ".join(f"(?shacl_k = {k} && ({c.fails}))" for k, c in enumerate(checks))
        failing = (
            f"{{ SELECT ?value ?shacl_k WHERE {{ {{ {candidates} }} "
            f"VALUES ?shacl_k {{ {' '.join(str(k) for k in range(len(checks)))} }} "
            f"FILTER ({which}) }} }}"
        )
        where = f"{_candidates(failing, path, '?shacl_k')} FILTER ({_member_of(merged)})"
        query = f"SELECT DISTINCT ?this ?value ?shacl_k WHERE {{ {where} }}"
        self._emit(query, *(item.result for item in merged))

    def _values(self, path: _Path, keep: str) -> str:
        where = path.triple(self._var(), "?value") + (f" FILTER ({keep})" if keep else "")
        return f"SELECT ?value WHERE {{ {where} }} GROUP BY ?value"

    # -- per-focus checks of property shapes -------------------------------------------

    def _focus_checks(
        self, shape: Node, path: _Path, targets: _Targets
    ) -> Iterator[tuple[URIRef, str]]:
        g, every = self.g, targets.listing
        for count in g.objects(shape, SH.minCount):
            n = self._integer(shape, count)
            if n == 1:
                present = path.triple("?this", self._var())
                yield SH.MinCountConstraintComponent, f"{every} FILTER NOT EXISTS {{ {present} }}"
            elif n > 1:
                c = self._var()
                counts = self._counts(path, c)
                where = f"{every} OPTIONAL {{ {counts} }} FILTER (!BOUND({c}) || {c} < {n})"
                yield SH.MinCountConstraintComponent, where
        for value in g.objects(shape, SH.hasValue):
            present = path.triple("?this", _nt(value))
            yield SH.HasValueConstraintComponent, f"{every} FILTER NOT EXISTS {{ {present} }}"
        for flag in g.objects(shape, SH.uniqueLang):
            if not (isinstance(flag, Literal) and flag.value is True):
                continue
            x, lang = self._var(), self._var()
            grouped = (
                f"{{ SELECT ?this WHERE {{ {path.triple('?this', x)} "
                f'FILTER (LANG({x}) != "") }} GROUP BY ?this (LCASE(LANG({x})) AS {lang}) '
                f"HAVING (COUNT(DISTINCT {x}) > 1) }}"
            )
            yield SH.UniqueLangConstraintComponent, f"{grouped} FILTER ({targets.member})"

    def _counts(self, path: _Path, c: str) -> str:
        x = self._var()
        return (
            f"{{ SELECT ?this (COUNT(DISTINCT {x}) AS {c}) "
            f"WHERE {{ {path.triple('?this', x)} }} GROUP BY ?this }}"
        )

    def _merge_max_counts(self, path: _Path, pending: list[_Pending]) -> None:
        """One count per focus node on ``path``, compared with every sh:maxCount on it."""
        x, c = self._var(), self._var()
        lowest = min(item.max_count or 0 for item in pending)
        rows = " ".join(f"({k} {item.max_count})" for k, item in enumerate(pending))
        counts = (
            f"{{ SELECT ?this (COUNT(DISTINCT {x}) AS {c}) WHERE {{ {path.triple('?this', x)} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT {x}) > {lowest}) }}"
        )
        where = (
            f"{counts} VALUES (?shacl_k ?shacl_max) {{ {rows} }} "
            f"FILTER ({c} > ?shacl_max) FILTER ({_member_of(pending)})"
        )
        query = f"SELECT DISTINCT ?this ?shacl_k WHERE {{ {where} }}"
        self._emit(query, *(item.result for item in pending))

    # -- sh:node: a pattern with a solution when `focus` violates the node shape -------

    def _violation_pattern(self, shape: Node, focus: str, stack: tuple[Node, ...]) -> str:
        if shape in stack:
            raise self._fail(shape, "recursive sh:node references are not supported")
        if self._deactivated(shape):
            return ""
        self._check_predicates(shape, _NESTED_NODE_PREDICATES)
        branches = [f"FILTER ({c.fails})" for c in self._value_checks(shape, focus, stack)]
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            if self._deactivated(prop):
                continue
            path = self._path(prop)
            if path is None:
                raise self._fail(prop, "a property shape needs an sh:path")
            self._check_predicates(prop, _NESTED_PROPERTY_PREDICATES)
            if not self._messages(prop):
                raise self._fail(prop, "every constraint needs an sh:message for the reviewer")
            value = self._var()
            for check in self._value_checks(prop, value, (*stack, shape)):
                branches.append(f"{path.triple(focus, value)} FILTER ({check.fails})")
            for count in self.g.objects(prop, SH.minCount):
                n = self._integer(prop, count)
                if n > 1:
                    raise self._fail(prop, "only sh:minCount 1 is supported inside sh:node")
                if n == 1:
                    branches.append(f"FILTER NOT EXISTS {{ {path.triple(focus, self._var())} }}")
            for member in self.g.objects(prop, SH.hasValue):
                branches.append(f"FILTER NOT EXISTS {{ {path.triple(focus, _nt(member))} }}")
        return " UNION ".join(f"{{ {branch} }}" for branch in branches)

    # -- SPARQL constraints ------------------------------------------------------------

    def _sparql_constraints(self, shape: Node, targets: _Targets, path: _Path | None) -> None:
        for constraint in sorted(self.g.objects(shape, SH.sparql), key=str):
            if self._deactivated(constraint):
                continue
            selects = list(self.g.objects(constraint, SH.select))
            if len(selects) != 1:
                raise self._fail(shape, "an sh:sparql constraint needs exactly one sh:select")
            messages = self._messages(constraint) + self._messages(shape)
            if not messages:
                raise self._fail(shape, "every SPARQL constraint needs an sh:message")
            prefixes = self._prefixes(constraint)
            text = str(selects[0])
            while match := _LEADING_PREFIX.match(text):
                prefixes[match.group(1)] = match.group(2)
                text = text[match.end() :]
            if _FORBIDDEN_SPARQL.search(text):
                raise self._fail(shape, "sh:select must not use MINUS, VALUES, SERVICE or SELECT")
            text = re.sub(r"[$?]this\b", "?this", text)
            if "$PATH" in text:
                if path is None:
                    raise self._fail(shape, "$PATH is only defined in property shapes")
                text = text.replace("$PATH", path.sparql())
            projected = _projected(re.split(r"\bWHERE\b|\{", text, maxsplit=1, flags=re.I)[0])
            if "?this" not in projected:
                raise self._fail(shape, "a SPARQL constraint must select $this by name")
            header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))
            result = ResultTemplate(
                source_shape=shape_id(self.g, shape),
                component=str(SH.SPARQLConstraintComponent),
                severity=str(self.g.value(shape, SH.severity) or SH.Violation),
                messages=messages,
                path=path.reported() if path else None,
                value_is_focus=path is None,
                templated=True,
            )
            # Grouping the (few) violating rows keeps the test of target membership after them.
            variables = " ".join(projected)
            grouped = f"{{ SELECT {variables} WHERE {{ {{ {text} }} }} GROUP BY {variables} }}"
            self._emit(f"{header}SELECT * WHERE {{ {grouped} FILTER ({targets.member}) }}", result)

    def _prefixes(self, constraint: Node) -> dict[str, str]:
        prefixes: dict[str, str] = {}
        for source in self.g.objects(constraint, SH.prefixes):
            for declaration in self.g.objects(source, SH.declare):
                prefix = self.g.value(declaration, SH.prefix)
                namespace = self.g.value(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise self._fail(constraint, "sh:declare needs sh:prefix and sh:namespace")
                prefixes[str(prefix)] = str(namespace)
        return prefixes


def _projected(projection: str) -> list[str]:
    """The variables a SELECT clause projects: bare ones and those named by AS."""
    names, depth = [], 0
    for token in re.findall(r"\(|\)|\bAS\s+[?$]\w+|[?$]\w+", projection, re.IGNORECASE):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token[:2].upper() == "AS":
            names.append("?" + token.split()[-1][1:])
        elif depth == 0:
            names.append("?" + token[1:])
    return names


def _candidates(failing: str, path: _Path, extra: str) -> str:
    """The focus nodes with a failing value, grouped so that the optimiser cannot move the
    (costly) test of target membership in front of the join."""
    variables = f"?this ?value {extra}".strip()
    join = f"{failing} {path.triple('?this', '?value')}"
    return f"{{ SELECT {variables} WHERE {{ {join} }} GROUP BY {variables} }}"


def _member_of(pending: list[_Pending]) -> str:
    """True when row ?shacl_k's focus node is a focus node of constraint k."""
    by_test: dict[str, list[int]] = defaultdict(list)
    for k, item in enumerate(pending):
        by_test[item.targets.member].append(k)
    if len(by_test) == 1:
        return next(iter(by_test))
    return " || ".join(
        f"(?shacl_k IN ({', '.join(map(str, ks))}) && ({member}))" for member, ks in by_test.items()
    )


__all__ = [
    "CompiledQuery",
    "Message",
    "ResultTemplate",
    "ShapeCompilationError",
    "compile_shapes",
    "shape_id",
]
