"""Reading just enough of a SPARQL query's text to run it safely on either store.

A small lexer (comments, strings, IRIs, names, brackets) finds the query form, refuses what
the read-only endpoint never runs (updates, ``SERVICE``, ``\\u`` escapes) or what no store
parses safely (brackets nested deeper than MAX_NESTING, more than MAX_TOKENS words: the
Oxigraph server and pyoxigraph recurse on both, and overflow their stacks), reads the
dataset a query names with FROM and FROM NAMED, and places bound terms as a VALUES block
at the start of the outer WHERE group, so a parameter restricts the pattern before any
grouping (a trailing VALUES clause would join after aggregation). Terms are written in
N-Triples syntax from validated pyoxigraph terms; raw user text never reaches a query.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from urllib.parse import urljoin

import pyoxigraph as ox

from smqi.api.errors import QueryRefusedError, QuerySyntaxError, QueryTooComplexError

BindingValue = ox.NamedNode | ox.Literal
Bindings = Mapping[str, BindingValue | list[BindingValue] | tuple[BindingValue, ...]]


class QueryForm(Enum):
    """The four read-only SPARQL query forms."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def returns_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


# Measured: pyoxigraph (8 MiB stack) and the Oxigraph server (2 MiB per thread) crash on
# groups nested 5000 deep and on 10000-term chains (1+1+...); real queries nest a few levels
# and hold a few hundred tokens (strings, variables and comments are not counted).
NO_GRAPH = "urn:x-smqi:no-graph"  # never written: names an empty part of a dataset
MAX_NESTING = 256
MAX_TOKENS = 5000
CACHED_QUERY_CHARS = 16_384

_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_PROLOGUE_KEYWORDS = frozenset({"BASE", "PREFIX"})
_DATASET_KEYWORDS = frozenset({"FROM", "NAMED"})
_BRACKETS = frozenset("{}()[]")
_OPENING = frozenset("{([")

# One pass over the text: each match is one lexeme, named by its group. Strings (short and
# long, with escapes), comments, variables and language tags are skipped whole, so a keyword
# inside them is no keyword; IRIREF is as the SPARQL grammar defines it (no spaces, quotes,
# braces or angle brackets inside); a name is a keyword, prefixed name, number or blank node
# label, where a backslash escapes one character.
_LEXEME = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<string>"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*"{3}|'{3}(?:[^'\\]|\\[\s\S]|'(?!''))*'{3}
        |"(?!"")(?:[^"\\\r\n]|\\[\s\S])*"|'(?!'')(?:[^'\\\r\n]|\\[\s\S])*')
    |(?P<unclosed>["'])
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<bracket>[{}()\[\]])
    |(?P<variable>[?$][A-Za-z0-9_\u00B7\u00C0-\U000EFFFF]*)
    |(?P<language>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<name>(?:[^\s{}()\[\]<>"'\#,;?$@\\^|=!&*+/]|\\.)+)
    |(?P<other>[\s\S])""",
    re.VERBOSE,
)
_CODEPOINT_ESCAPE = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LITERAL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class _Token:
    text: str  # a name, one of { } ( ) [ ], or an IRI with its angle brackets
    start: int

    @property
    def is_iri(self) -> bool:
        return self.text.startswith("<")


def _tokens(query: str) -> Iterator[_Token]:
    """Names, brackets and IRIs outside comments and strings, with their offsets."""
    for match in _LEXEME.finditer(query):
        kind = match.lastgroup
        if kind == "name":
            yield from _name_tokens(match.group(), match.start())
        elif kind in ("iri", "bracket"):
            yield _Token(match.group(), match.start())
        elif kind == "unclosed":
            raise QuerySyntaxError(
                f"the string starting at character {match.start() + 1} is not closed"
            )


def _name_tokens(name: str, start: int) -> Iterator[_Token]:
    """A prefixed name or blank node label whole; anything else split at dots.

    A dot may sit inside a prefixed name (``ex:a.b``) but separates a number, keyword or
    literal from the next word (``1.SERVICE`` is ``1``, ``.``, ``SERVICE``).
    """
    if ":" in name:
        yield _Token(name, start)
        return
    offset = start
    for part in name.split("."):
        if part:
            yield _Token(part, offset)
        offset += len(part) + 1


def _keyword(token: _Token) -> str | None:
    if token.text in _BRACKETS or token.is_iri or ":" in token.text:
        return None
    return token.text.upper()


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query runs on when it names one (SPARQL 1.1 Query section 13.2): the
    default graph is the merge of ``default_graphs`` (empty when there are none), and GRAPH
    patterns see ``named_graphs`` only. Named in the query (FROM, FROM NAMED) or by the
    protocol (default-graph-uri, named-graph-uri), which wins."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @classmethod
    def only(cls, graphs: Sequence[str]) -> QueryDataset:
        """``graphs`` as the default and the named graphs: a project's own dataset in a
        shared store. With none, NO_GRAPH names both parts, so the query sees nothing (an
        empty part would mean the whole store to some)."""
        named = tuple(graphs) or (NO_GRAPH,)
        return cls(named, named)


@dataclass(frozen=True)
class CheckedQuery:
    """A query text found to be one of the read-only forms, with the offsets binding needs."""

    text: str
    form: QueryForm
    tokens: tuple[_Token, ...]
    form_index: int  # index in ``tokens`` of the SELECT/ASK/CONSTRUCT/DESCRIBE keyword

    @property
    def names_dataset(self) -> bool:
        """Whether the query has FROM or FROM NAMED clauses."""
        return any(_keyword(token) == "FROM" for token in self.tokens)

    @property
    def has_relative_iri(self) -> bool:
        """Whether an IRI in the query needs a base to resolve against."""
        return any(t.is_iri and not _SCHEME.match(t.text[1:]) for t in self.tokens)

    def dataset(self, base_iri: str | None = None) -> QueryDataset | None:
        """The dataset the FROM and FROM NAMED clauses name, their prefixed names expanded
        and relative IRIs resolved (against the query's BASE, else ``base_iri``); None
        when the query names none."""
        if not self.names_dataset:
            return None
        prefixes: dict[str, str] = {}
        base = base_iri or ""
        tokens = self.tokens
        for index in range(self.form_index):
            keyword = _keyword(tokens[index])
            following = tokens[index + 1 : index + 3]
            if keyword == "BASE" and following and following[0].is_iri:
                base = urljoin(base, following[0].text[1:-1])
            elif keyword == "PREFIX" and len(following) == 2 and following[1].is_iri:
                prefixes[following[0].text.rstrip(":")] = urljoin(base, following[1].text[1:-1])
        default: list[str] = []
        named: list[str] = []
        for index in range(self.form_index + 1, len(tokens) - 1):
            if _keyword(tokens[index]) != "FROM":
                continue
            is_named = _keyword(tokens[index + 1]) == "NAMED"
            target = (
                tokens[index + 2] if is_named and index + 2 < len(tokens) else tokens[index + 1]
            )
            (named if is_named else default).append(_graph_iri(target, prefixes, base))
        return QueryDataset(tuple(default), tuple(named))


def with_base(checked: CheckedQuery, text: str, base: str) -> str:
    """``text`` (``checked`` with any bindings in place) with its relative IRIs resolving
    against ``base``: a ``BASE`` declaration first when it has relative IRIs, and a relative
    ``BASE`` of its own made absolute (some servers, Virtuoso, read one BASE only).

    Bindings are placed after the prologue, so the prologue's offsets hold in ``text``.
    """
    if not checked.has_relative_iri:
        return text
    tokens = checked.tokens
    own = next((i for i in range(checked.form_index) if _keyword(tokens[i]) == "BASE"), None)
    if own is None or own + 1 >= len(tokens) or not tokens[own + 1].is_iri:
        return f"BASE <{base}> {text}"
    declared = tokens[own + 1]
    absolute = urljoin(base, declared.text[1:-1])
    end = declared.start + len(declared.text)
    text = f"{text[: declared.start]}<{absolute}>{text[end:]}"
    before = any(t.is_iri and not _SCHEME.match(t.text[1:]) for t in tokens[:own])
    return f"BASE <{base}> {text}" if before else text


def limit_rows(checked: CheckedQuery, rows: int) -> str:
    """What to append to ``checked`` so that the store stops after ``rows`` solutions: a
    ``LIMIT`` for a SELECT without a LIMIT of its own or a trailing VALUES block (after
    which a LIMIT may not come), else nothing. On a new line: the text may end in a comment.

    A client's query is cut at the row cap anyway; without the LIMIT a store still writes
    every row, and the API parses them all: at 100k studies, 109 MB and 25 s from Virtuoso
    for CQ6, of which the client was sent the first 10000 rows.
    """
    if checked.form is not QueryForm.SELECT:
        return ""
    try:
        _, close, _ = _where_group(checked)
    except (ValueError, QuerySyntaxError):  # the store says what is wrong with it
        return ""
    after = checked.tokens[close + 1 :]  # the solution modifiers, and any trailing VALUES
    if any(_keyword(token) in ("LIMIT", "VALUES") for token in after):
        return ""
    return f"\nLIMIT {rows}"


def without_dataset_clauses(checked: CheckedQuery) -> str:
    """The query's text without its FROM and FROM NAMED clauses, for a dataset given with the
    query (the protocol's), which replaces them; a server that merges the two (Virtuoso)
    then answers on the protocol's alone."""
    tokens = checked.tokens
    spans: list[tuple[int, int]] = []
    index = checked.form_index + 1
    while index < len(tokens) - 1:
        if _keyword(tokens[index]) == "FROM":
            last = index + 2 if _keyword(tokens[index + 1]) == "NAMED" else index + 1
            if last < len(tokens):
                target = tokens[last]
                spans.append((tokens[index].start, target.start + len(target.text)))
            index = last + 1
        else:
            index += 1
    text = checked.text
    for start, end in reversed(spans):
        text = f"{text[:start]} {text[end:]}"
    return text


def _graph_iri(token: _Token, prefixes: Mapping[str, str], base: str) -> str:
    """The IRI a FROM clause names: ``<iri>`` resolved against ``base``, or a prefixed name."""
    if token.is_iri:
        return urljoin(base, token.text[1:-1])
    prefix, colon, local = token.text.partition(":")
    if colon and prefix in prefixes:
        return prefixes[prefix] + local.replace("\\", "")
    raise QuerySyntaxError(
        f"FROM at character {token.start + 1} names {token.text!r}, which is not an IRI or a "
        "declared prefixed name"
    )


def check_query(query: str) -> CheckedQuery:
    """Return the query's form, or raise if it is not a read-only query this store runs.

    The result of the last few queries up to CACHED_QUERY_CHARS long is kept: the endpoint
    checks a query before the store does, and the evidence API sends the same few texts.

    Raises QueryRefusedError for updates, ``SERVICE`` (the server would fetch from any URL)
    and ``\\u`` escapes (some servers decode them before parsing, which could hide a keyword
    from this check), QueryTooComplexError for brackets nested deeper than MAX_NESTING or
    more than MAX_TOKENS words, and QuerySyntaxError when no query form can be found.
    """
    if len(query) <= CACHED_QUERY_CHARS:
        return _checked(query)
    return _check(query)


@lru_cache(maxsize=256)
def _checked(query: str) -> CheckedQuery:
    return _check(query)


def _check(query: str) -> CheckedQuery:
    if escape := _CODEPOINT_ESCAPE.search(query):
        raise QueryRefusedError(
            f"'{escape.group()}' escapes are not accepted here; write the character itself"
        )
    tokens = _limited_tokens(query)
    form_index: int | None = None
    for index, token in enumerate(tokens):
        keyword = _keyword(token)
        if keyword == "SERVICE":
            raise QueryRefusedError(
                "federated queries (SERVICE) are not run by this endpoint; "
                "query the other endpoint yourself"
            )
        if form_index is None and keyword is not None and keyword not in _PROLOGUE_KEYWORDS:
            if keyword in _UPDATE_KEYWORDS:
                raise QueryRefusedError(
                    f"{keyword} is a SPARQL Update operation; this endpoint only answers "
                    "SELECT, ASK, CONSTRUCT and DESCRIBE queries"
                )
            if keyword not in QueryForm.__members__:
                raise QuerySyntaxError(
                    f"expected SELECT, ASK, CONSTRUCT or DESCRIBE after the PREFIX and BASE "
                    f"declarations, found '{token.text}' at character {token.start + 1}"
                )
            form_index = index
    if form_index is None:
        raise QuerySyntaxError("the query is empty: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    form = QueryForm[tokens[form_index].text.upper()]
    return CheckedQuery(query, form, tokens, form_index)


def _limited_tokens(query: str) -> tuple[_Token, ...]:
    """The query's tokens, refusing it as soon as it nests too deep or runs too long."""
    tokens: list[_Token] = []
    depth = 0
    for token in _tokens(query):
        tokens.append(token)
        if len(tokens) > MAX_TOKENS:
            raise QueryTooComplexError(
                f"the query has more than {MAX_TOKENS} keywords, names, IRIs, numbers and "
                "brackets, more than this endpoint parses; split it into smaller queries"
            )
        if token.text in _OPENING:
            depth += 1
            if depth > MAX_NESTING:
                raise QueryTooComplexError(
                    f"the query nests brackets more than {MAX_NESTING} deep (at character "
                    f"{token.start + 1}), more than this endpoint parses; flatten it"
                )
        elif token.text in _BRACKETS:
            depth -= 1
    return tuple(tokens)


def bind(checked: CheckedQuery, bindings: Bindings | None) -> str:
    """The query text with ``bindings`` as one VALUES block at the start of its WHERE group.

    A sequence binds one variable to several values (any of them may match). One block of
    every combination, not a block per variable: Virtuoso 7.2.5 answered a UNION after two
    VALUES blocks with no rows. Raises ValueError for a bad variable name, a term VALUES
    cannot hold, or a query without a WHERE group (``DESCRIBE <iri>``,
    ``CONSTRUCT WHERE { ... }``).
    """
    if not bindings:
        return checked.text
    blocks = _values_block(bindings)
    open_index, close_index, is_subquery = _where_group(checked)
    text = checked.text
    opening = checked.tokens[open_index].start + 1
    if not is_subquery:
        return f"{text[:opening]} {blocks} {text[opening:]}"
    # a group holding only a sub-SELECT cannot also hold VALUES: nest the sub-SELECT
    closing = checked.tokens[close_index].start
    return f"{text[:opening]} {blocks} {{ {text[opening:closing]} }} {text[closing:]}"


def _values_block(bindings: Bindings) -> str:
    for name in bindings:
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a SPARQL variable name")
    columns = [
        [term_to_sparql(term) for term in (value if isinstance(value, list | tuple) else [value])]
        for value in bindings.values()
    ]
    variables = " ".join(f"?{name}" for name in bindings)
    rows = " ".join(f"({' '.join(row)})" for row in itertools.product(*columns))
    return f"VALUES ({variables}) {{ {rows} }}"


def term_to_sparql(term: object) -> str:
    """An IRI or literal in N-Triples syntax, which SPARQL reads the same way."""
    if isinstance(term, ox.NamedNode):
        # pyoxigraph has already refused IRIs with spaces, quotes, braces or angle brackets
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        lexical = '"' + term.value.translate(_LITERAL_ESCAPES) + '"'
        if term.language is not None:
            return f"{lexical}@{term.language}"
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return lexical
        return f"{lexical}^^<{term.datatype.value}>"
    raise ValueError(
        f"only IRIs and literals can be bound, not {type(term).__name__} "
        "(VALUES cannot hold blank nodes)"
    )


def _where_group(checked: CheckedQuery) -> tuple[int, int, bool]:
    """Token indexes of the outer WHERE group's braces, and whether it holds a sub-SELECT."""
    tokens = checked.tokens
    braces = parens = 0
    groups: list[int] = []  # indexes of '{' at the top level of the query
    after_form: list[str] = []  # keywords between the form and the first group
    for index in range(checked.form_index + 1, len(tokens)):
        text = tokens[index].text
        if text == "(":
            parens += 1
        elif text == ")":
            parens -= 1
        elif text == "{":
            if braces == 0 and parens == 0:
                groups.append(index)
            braces += 1
        elif text == "}":
            braces -= 1
        elif braces == 0 and not groups and (keyword := _keyword(tokens[index])):
            after_form.append(keyword)
    if checked.form is QueryForm.CONSTRUCT:
        short_form = [k for k in after_form if k not in _DATASET_KEYWORDS][:1] == ["WHERE"]
        if short_form:
            raise ValueError("bindings need 'CONSTRUCT { template } WHERE { pattern }'")
        groups = groups[1:]
    if not groups:
        raise ValueError("bindings need a query with a WHERE { ... } group")
    open_index = groups[0]
    close_index = _matching_brace(tokens, open_index)
    first = tokens[open_index + 1] if open_index + 1 < len(tokens) else None
    is_subquery = first is not None and _keyword(first) == "SELECT"
    return open_index, close_index, is_subquery


def _matching_brace(tokens: Sequence[_Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        if tokens[index].text == "{":
            depth += 1
        elif tokens[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    raise QuerySyntaxError(
        f"the group opened at character {tokens[open_index].start + 1} is not closed"
    )
