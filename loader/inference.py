"""Apply a ``RuleSet`` to the data in a store, to a fixpoint, in memory.

Rules are applied a set at a time, semi-naively: each round joins only the facts the
previous round added, so every fact meets every rule once however many rounds it takes.
Terms are plain strings (an IRI, or ``_:id`` for a blank node), which hash once and
compare fast; data property values stay pyoxigraph literals. Data properties feed no
chain, inverse or definition, so their rules (super-properties and domains) are applied
in one pass before the fixpoint. What the fixpoint adds is rendered once as N-Quads text
(``render``), which both the store and the published N-Quads file take.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TypeVar

import pyoxigraph as ox

from smqi.loader.mapper import Statements
from smqi.loader.rules import Definition, RuleSet
from smqi.loader.terms import OWL, RDF, XSD

Pair = tuple[str, str]
T = TypeVar("T")
Extension = dict[str, set[str]]  # class IRI -> member keys
Relation = dict[str, set[Pair]]  # object property IRI -> (subject key, object key)
Values = dict[str, set[tuple[str, ox.Literal]]]  # data property IRI -> (subject, literal)
Index = dict[str, list[str]]

_FIRST, _SECOND, _SWAP = itemgetter(0), itemgetter(1), itemgetter(1, 0)
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_THING = str(OWL.Thing)
_TYPE = str(RDF.type)
_XSD_STRING = str(XSD.string)
_BLANK = "_:"


@dataclass
class Facts:
    """Class memberships, object property values and the data property facts rules use.

    ``values`` holds the data properties whose values are copied to a super-property (and
    those super-properties); ``subjects`` only the subjects of the others with a domain,
    which is all their rules need (and several times faster to read than literals).
    """

    types: Extension = field(default_factory=lambda: defaultdict(set))
    relations: Relation = field(default_factory=lambda: defaultdict(set))
    values: Values = field(default_factory=lambda: defaultdict(set))
    subjects: Extension = field(default_factory=lambda: defaultdict(set))
    # whether any key is a blank node; rules only combine the terms they read, so facts
    # derived from facts without blank nodes have none either
    blank: bool = False


def _key(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str | None:
    if type(term) is ox.NamedNode:
        return term.value
    if type(term) is ox.BlankNode:
        return _BLANK + term.value
    return None  # a literal or quoted triple is no individual


def read_facts(
    store: ox.Store,
    rules: RuleSet,
    facts: Facts | None = None,
    *,
    graphs: Iterable[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None,
) -> Facts:
    """The facts in the union of all graphs (or of ``graphs``) that the rules read or may
    derive (added to ``facts`` if given, to read the union of several stores)."""
    facts = Facts() if facts is None else facts
    for graph in [None] if graphs is None else graphs:
        _read_graph(store, rules, facts, graph)
    return facts


def _types_subjects(rules: RuleSet, prop: str) -> bool:
    """Whether a domain of ``prop`` or of a super-property types its subjects."""
    return any(rules.domains.get(p) for p in (prop, *rules.super_properties.get(prop, ())))


def _with_values(rules: RuleSet) -> set[str]:
    """The data properties whose values the rules copy, and the properties they copy to."""
    copied = {p for p in rules.data_properties if rules.super_properties.get(p)}
    return copied.union(*(rules.super_properties[p] for p in copied))


def _read_graph(
    store: ox.Store,
    rules: RuleSet,
    facts: Facts,
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None,
) -> None:
    for quad in store.quads_for_pattern(None, _RDF_TYPE, None, graph):
        cls = quad.object
        if type(cls) is ox.NamedNode and cls.value in rules.classes:
            member = _key(quad.subject)
            if member is not None:
                facts.types[cls.value].add(member)
                facts.blank |= member.startswith(_BLANK)
    for prop in rules.object_properties:
        pairs = facts.relations[prop]
        for quad in store.quads_for_pattern(None, ox.NamedNode(prop), None, graph):
            s, o = quad.subject, quad.object
            if type(s) is ox.NamedNode and type(o) is ox.NamedNode:
                pairs.add((s.value, o.value))
            else:
                s_key, o_key = _key(s), _key(o)
                if s_key is not None and o_key is not None:
                    pairs.add((s_key, o_key))
                    facts.blank = True  # one of them is a blank node
    with_values = _with_values(rules)
    for prop in rules.data_properties:
        quads = store.quads_for_pattern(None, ox.NamedNode(prop), None, graph)
        if prop in with_values:
            values = facts.values[prop]
            for quad in quads:
                s_key, o = _key(quad.subject), quad.object
                if s_key is not None and type(o) is ox.Literal:
                    values.add((s_key, o))
                    facts.blank |= s_key.startswith(_BLANK)
        elif _types_subjects(rules, prop):
            subjects = facts.subjects[prop]
            for quad in quads:
                s_key = _key(quad.subject)
                if s_key is not None:
                    subjects.add(s_key)
                    facts.blank |= s_key.startswith(_BLANK)


def read_statements(
    statements: Statements,
    rules: RuleSet,
    facts: Facts,
    store: ox.Store,
    graphs: Iterable[ox.NamedNode],
) -> None:
    """Add to ``facts`` what the rules read in the mapper's ``statements``, which say what
    ``graphs`` of ``store`` hold: the same as ``read_facts`` on those graphs, without
    making a Python object of every quad. The statements keep no literals, so the values
    of data properties the rules copy are read from the store."""
    for cls, members in statements.types.items():
        if cls in rules.classes:
            facts.types[cls].update(members)
    for prop, pairs in statements.links.items():
        if prop in rules.object_properties:
            facts.relations[prop].update(pairs)
    with_values = _with_values(rules)
    for prop, subjects in statements.literal_subjects.items():
        if prop not in rules.data_properties or prop in with_values:
            continue
        if _types_subjects(rules, prop):
            facts.subjects[prop].update(subjects)
    for prop in with_values & rules.data_properties:
        values = facts.values[prop]
        for graph in graphs:
            for quad in store.quads_for_pattern(None, ox.NamedNode(prop), None, graph):
                s_key = _key(quad.subject)
                if s_key is not None and type(quad.object) is ox.Literal:
                    values.add((s_key, quad.object))


def _chain(
    links: tuple[str, ...], full: Relation, delta: Relation, indexes: dict[object, Index]
) -> set[Pair]:
    """Pairs of the chain that use at least one pair added in the last round.

    ``indexes`` caches, for one round, the first link indexed by object: chains that share
    it (``hasCodedRecord`` in all of ours) index it once.
    """
    result: set[Pair] = set()
    for i, link in enumerate(links):
        if link not in delta:
            continue
        relations = [delta[k] if j == i else full.get(k, set()) for j, k in enumerate(links)]
        pairs = relations[0]
        for j in range(1, len(links)):
            if not pairs:
                break
            cache_key = (links[0], i == 0) if j == 1 else None
            index = indexes.get(cache_key) if cache_key else None
            if index is None:
                index = defaultdict(list)
                for x, y in pairs:
                    index[y].append(x)
                if cache_key:
                    indexes[cache_key] = index
            pairs = {(x, z) for y, z in relations[j] for x in index.get(y, ())}
        result |= pairs
    return result


def _members(definition: Definition, relations: Relation, types: Extension) -> set[str]:
    parts = [types.get(c, set()) for c in definition.classes]
    for prop, filler in definition.restrictions:
        pairs = relations.get(prop, set())
        if filler == _THING:
            parts.append(set(map(_FIRST, pairs)))
        else:
            fillers = types.get(filler, set())
            parts.append({s for s, o in pairs if o in fillers})
    parts.sort(key=len)
    return set(parts[0]).intersection(*parts[1:]) if parts else set()


def _touches(
    definition: Definition, relations: Mapping[str, object], types: Mapping[str, object]
) -> bool:
    return any(c in types for c in definition.classes) or any(
        p in relations or f in types for p, f in definition.restrictions
    )


def _merge(
    out: Mapping[str, set[T]], full: dict[str, set[T]], derived: dict[str, set[T]]
) -> dict[str, set[T]]:
    """Keep what is new in ``out``; add it to ``full`` and ``derived``; return it as the delta."""
    delta: dict[str, set[T]] = {}
    for key, candidates in out.items():
        known = full.setdefault(key, set())
        new = candidates - known
        if new:
            known |= new
            derived.setdefault(key, set()).update(new)
            delta[key] = new
    return delta


def _apply_data_rules(facts: Facts, rules: RuleSet, derived: Facts, out_types: Extension) -> None:
    """Copy values to super-properties and type subjects by domains, in one pass."""
    subjects = dict(facts.subjects)
    for prop, values in list(facts.values.items()):
        subjects[prop] = set(map(_FIRST, values))
        for target in rules.super_properties.get(prop, ()):
            new = values - facts.values[target]
            facts.values[target] |= new
            derived.values[target] |= new
    for prop, members in subjects.items():
        for target in (prop, *rules.super_properties.get(prop, ())):
            for cls in rules.domains.get(target, ()):
                out_types[cls] |= members


def close(facts: Facts, rules: RuleSet) -> Facts:
    """Add to ``facts`` everything the rules entail from them; return only what was added."""
    derived = Facts(blank=facts.blank)
    domain_types: Extension = defaultdict(set)
    _apply_data_rules(facts, rules, derived, domain_types)
    # Round one joins every stated fact. The delta may alias the full sets: these change
    # only in _merge, after the round has read them.
    delta_r: Relation = {p: v for p, v in facts.relations.items() if v}
    delta_t: Extension = {c: v for c, v in facts.types.items() if v}
    for cls in _merge(domain_types, facts.types, derived.types):
        delta_t[cls] = facts.types[cls]
    while delta_r or delta_t:
        out_r: Relation = defaultdict(set)
        out_t: Extension = defaultdict(set)
        for prop, pairs in delta_r.items():
            for target in rules.super_properties.get(prop, ()):
                out_r[target] |= pairs
            inverses = rules.inverses.get(prop)
            if inverses:
                flipped = set(map(_SWAP, pairs))
                for target in inverses:
                    out_r[target] |= flipped
            if prop in rules.domains:
                subjects = set(map(_FIRST, pairs))
                for cls in rules.domains[prop]:
                    out_t[cls] |= subjects
            if prop in rules.ranges:
                objects = set(map(_SECOND, pairs))
                for cls in rules.ranges[prop]:
                    out_t[cls] |= objects
        indexes: dict[object, Index] = {}
        for links, target in rules.chains:
            if any(link in delta_r for link in links):
                out_r[target] |= _chain(links, facts.relations, delta_r, indexes)
        for cls, members in delta_t.items():
            for target in rules.super_classes.get(cls, ()):
                out_t[target] |= members
        for definition in rules.definitions:
            if _touches(definition, delta_r, delta_t):
                out_t[definition.defined] |= _members(definition, facts.relations, facts.types)
        delta_r = _merge(out_r, facts.relations, derived.relations)
        delta_t = _merge(out_t, facts.types, derived.types)
    return derived


def _node(key: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(key[2:]) if key.startswith(_BLANK) else ox.NamedNode(key)


@dataclass
class Entailments:
    """Facts rendered as quads of one graph, ready to insert and to publish.

    IRI-only facts are N-Quads text, which the store loads several times faster than term
    objects. The few facts about blank nodes stay quads: the store gives the blank nodes
    of loaded text new identities, so they must go in as terms to keep theirs.
    """

    nquads: list[bytes]  # N-Quads text, in chunks
    text_quads: int  # how many quads ``nquads`` holds
    blank: list[ox.Quad]
    members: dict[str, int]  # class -> how many members the quads give it
    terms: set[str]  # the predicates and classes the quads use

    def __len__(self) -> int:
        return self.text_quads + len(self.blank)

    def blank_nquads(self) -> bytes:
        """The quads about blank nodes as N-Quads, under the labels the store writes."""
        lines = [f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n" for q in self.blank]
        return "".join(lines).encode()


@dataclass(frozen=True)
class Chunk:
    """One chunk of the rendered graph in each text format.

    ``jsonld`` is a comma-separated run of node objects, without the brackets of the
    array they go in; ``turtle`` uses only the prefixes ``render`` was given and has no
    prefix lines. Both are empty unless ``render`` was asked for them.
    """

    nquads: bytes
    turtle: bytes = b""
    jsonld: bytes = b""


_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _turtle_name(iri: str, prefixes: Mapping[str, str]) -> str:
    """A prefixed name for ``iri`` where a prefix and a plain local name fit, else ``<iri>``."""
    if iri == _TYPE:
        return "a"
    for prefix, namespace in prefixes.items():
        local = iri.removeprefix(namespace)
        if local != iri and _LOCAL_NAME.fullmatch(local):
            return f"{prefix}:{local}"
    return f"<{iri}>"


def _json_object(term: str, literals: Mapping[str, str]) -> str:
    """A JSON-LD value object for an N-Triples term (an IRI needs no JSON escaping: the
    characters JSON escapes are not allowed in one)."""
    if term[0] == "<":
        return '{"@id":"' + term[1:-1] + '"}'
    if term.startswith(_BLANK):
        return '{"@id":"' + term + '"}'
    return literals[term]


def _literal_json(literal: ox.Literal) -> str:
    value: dict[str, str] = {"@value": literal.value}
    if literal.language:
        value["@language"] = literal.language
    elif literal.datatype.value != _XSD_STRING:
        value["@type"] = literal.datatype.value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def render(
    facts: Facts,
    graph: ox.NamedNode,
    sink: Callable[[Chunk], object] | None = None,
    chunk_lines: int = 65536,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> Entailments:
    """``facts`` as quads in ``graph``; each chunk of text also goes to ``sink`` as soon as
    it is written (to insert or write it while the rest is rendered). With ``prefixes``,
    each chunk also holds the same statements as Turtle and as JSON-LD, so that the graph's
    parts of the published files need no store to dump them.

    Statements about one subject are adjacent, subjects in sorted order and each one's
    statements sorted: the store inserts them 1.5 times as fast as scattered ones, Turtle
    and JSON-LD group them under one subject, and the text is the same from build to
    build. Grouping by subject in a dict and sorting the short groups costs far less than
    sorting millions of lines.
    """
    g = f" <{graph.value}> .\n"
    members = {cls: len(of) for cls, of in facts.types.items() if of}
    terms = {*members, *(p for p, v in facts.relations.items() if v)}
    terms |= {p for p, v in facts.values.items() if v}
    if members:
        terms.add(_TYPE)
    blank: list[ox.Quad] = []
    if facts.blank:
        facts, blank = _split_blank(facts, graph)
    about: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)  # subject -> (p, o)
    for cls, of in facts.types.items():
        pair = (_TYPE, f"<{cls}>")
        for member in of:
            about[member].append(pair)
    for prop, pairs in facts.relations.items():
        for s, o in pairs:
            about[s].append((prop, f"<{o}>"))
    literals: dict[str, str] = {}
    for prop, values in facts.values.items():
        for s, literal in values:
            term = str(literal)
            about[s].append((prop, term))
            if prefixes is not None and term not in literals:
                literals[term] = _literal_json(literal)
    texts = _Texts(g, prefixes, literals)
    chunks: list[bytes] = []
    count = 0
    for subject in sorted(about):
        statements = about.pop(subject)
        statements.sort()
        texts.add(subject, statements)
        if texts.lines >= chunk_lines or not about:
            count += texts.lines
            chunk = texts.take()
            chunks.append(chunk.nquads)
            if sink is not None:
                sink(chunk)
    if prefixes is not None and blank:
        # one node object (Turtle statement) per quad: JSON-LD merges node objects with one
        # @id, and the N-Quads of these quads are Entailments.blank_nquads
        for quad in blank:
            term = str(quad.object)
            if isinstance(quad.object, ox.Literal):
                literals[term] = _literal_json(quad.object)
            node = quad.subject
            key = _BLANK + node.value if isinstance(node, ox.BlankNode) else str(node)[1:-1]
            texts.add(key, [(quad.predicate.value, term)], nquads=False)
        if sink is not None:
            sink(texts.take())
    return Entailments(chunks, count, blank, members, terms)


class _Texts:
    """Statements grouped by subject, written as N-Quads and, given prefixes, as Turtle and
    JSON-LD, until ``take`` hands the text over."""

    def __init__(
        self, graph_end: str, prefixes: Mapping[str, str] | None, literals: Mapping[str, str]
    ) -> None:
        self.graph_end = graph_end
        self.prefixes = prefixes
        self.literals = literals
        self.names: dict[str, str] = {}  # predicate or class IRI term -> Turtle name
        self.nquads: list[str] = []
        self.turtle: list[str] = []
        self.jsonld: list[str] = []
        self.lines = 0

    def add(self, subject: str, pairs: list[tuple[str, str]], *, nquads: bool = True) -> None:
        """``subject``: an IRI, or ``_:label``; ``pairs``: (predicate IRI, object term)."""
        node = subject if subject.startswith(_BLANK) else f"<{subject}>"
        end = self.graph_end
        self.lines += len(pairs)
        if nquads:
            self.nquads.append("".join([f"{node} <{p}> {o}{end}" for p, o in pairs]))
        if self.prefixes is None:
            return
        names, literals = self.names, self.literals
        turtle: list[str] = []
        jsonld: list[str] = []
        last = ""
        for p, o in pairs:
            if p == last:
                turtle.append(" , ")
                jsonld.append(",")
            else:
                name = names.get(p)
                if name is None:
                    name = names[p] = _turtle_name(p, self.prefixes)
                turtle.append(f" ;\n\t{name} " if last else f" {name} ")
                jsonld.append(f'],"{p}":[' if last else f'"{p}":[')
                last = p
            if p == _TYPE:
                cls = names.get(o)
                if cls is None:
                    cls = names[o] = _turtle_name(o[1:-1], self.prefixes)
                turtle.append(cls)
            else:
                turtle.append(o)
            jsonld.append(_json_object(o, literals))
        self.turtle.append(node + "".join(turtle) + " .\n")
        self.jsonld.append('{"@id":"' + subject + '",' + "".join(jsonld) + "]}")

    def take(self) -> Chunk:
        chunk = Chunk(
            "".join(self.nquads).encode("utf-8"),
            "".join(self.turtle).encode("utf-8"),
            ",".join(self.jsonld).encode("utf-8"),
        )
        self.nquads, self.turtle, self.jsonld, self.lines = [], [], [], 0
        return chunk


def quads_about(facts: Facts, terms: frozenset[str], graph: ox.NamedNode) -> list[ox.Quad]:
    """The facts about the classes and properties in ``terms``, as quads in ``graph``."""
    quads: list[ox.Quad] = []
    for cls, members in facts.types.items():
        if cls in terms:
            target = ox.NamedNode(cls)
            quads += [ox.Quad(_node(m), _RDF_TYPE, target, graph) for m in members]
    for prop, pairs in facts.relations.items():
        if prop in terms:
            predicate = ox.NamedNode(prop)
            quads += [ox.Quad(_node(s), predicate, _node(o), graph) for s, o in pairs]
    for prop, values in facts.values.items():
        if prop in terms:
            predicate = ox.NamedNode(prop)
            quads += [ox.Quad(_node(s), predicate, v, graph) for s, v in values]
    return quads


def _split_blank(facts: Facts, graph: ox.NamedNode) -> tuple[Facts, list[ox.Quad]]:
    """The facts without blank nodes, and those with them as quads."""
    iris = Facts()
    blank: list[ox.Quad] = []
    for cls, members in facts.types.items():
        for member in members:
            if member.startswith(_BLANK):
                blank.append(ox.Quad(_node(member), _RDF_TYPE, ox.NamedNode(cls), graph))
            else:
                iris.types[cls].add(member)
    for prop, pairs in facts.relations.items():
        for s, o in pairs:
            if s.startswith(_BLANK) or o.startswith(_BLANK):
                blank.append(ox.Quad(_node(s), ox.NamedNode(prop), _node(o), graph))
            else:
                iris.relations[prop].add((s, o))
    for prop, values in facts.values.items():
        for s, literal in values:
            if s.startswith(_BLANK):
                blank.append(ox.Quad(_node(s), ox.NamedNode(prop), literal, graph))
            else:
                iris.values[prop].add((s, literal))
    return iris, blank


def insert(store: ox.Store, entailments: Entailments) -> None:
    # lenient: the IRIs come from the store or the rules, so they were checked on the way in
    for chunk in entailments.nquads:
        store.load(chunk, format=ox.RdfFormat.N_QUADS, lenient=True)
    if entailments.blank:
        store.extend(entailments.blank)
