"""The evidence graph in any SPARQL 1.1 endpoint, reached with SPARQLWrapper.

The endpoint must expose the union of its named graphs as the default graph (Oxigraph:
``oxigraph serve --union-default-graph``; Fuseki/TDB2: ``tdb2:unionDefaultGraph true``).
Such an endpoint may ignore a query's FROM clauses (the Oxigraph server does), so the
dataset a query names is always sent as the protocol's default-graph-uri and
named-graph-uri parameters, which every endpoint honours and which win over FROM: the
client's own, else those the FROM and FROM NAMED clauses name. A query with relative IRIs
is sent after a ``BASE`` declaration of the store's base IRI.

Results are always fetched as SPARQL JSON (SELECT, ASK; from Virtuoso, SPARQL XML) or
N-Triples (CONSTRUCT, DESCRIBE), parsed by pyoxigraph into the same terms the embedded store
returns, cut at the row cap, and written in the type the client asked for by the same code
as the embedded store.
A server that cuts an answer itself must say so: ``X-SPARQL-MaxRows`` (Virtuoso's row limit
was reached) marks the rows truncated, and ``X-SQL-State: S1TAT`` (Virtuoso's partial
answer at its time limit) is a timeout, never an answer.

``replace`` and ``load`` are built only after the whole file has parsed (``api.store.updates``).
On a SPARQL 1.1 store they send one SPARQL Update request (``DROP ... ; INSERT DATA {...}``):
on a store that runs an update request as one transaction (Oxigraph, Fuseki/TDB2, GraphDB)
readers see the old dataset or the new one, and a refused request changes nothing. With
``graph_prefix`` set (``smqi load`` sets the project's), ``replace`` drops only the graphs
under that prefix and those the file fills, so the datasets of other projects in a shared
store stay as they are. Staging into temporary graphs would not help there: with a union
default graph, readers would see them. The request holds the whole dataset in memory; for
millions of triples, load the server offline. On Virtuoso, which limits the size of a
request, the dataset goes in pieces through private staging graphs (``api.store.virtuoso``).
"""

from __future__ import annotations

import ast
import http.client
import logging
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from SPARQLWrapper import (
    BASIC,
    DIGEST,
    INSERT,
    POST,
    POSTDIRECTLY,
    URLENCODED,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException, Unauthorized

from smqi.api.errors import (
    DatasetError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
    StoreUnavailableError,
)
from smqi.api.store.base import (
    VERSION_PREDICATE,
    RawResult,
    SelectResult,
    new_version_id,
    prepare,
    row_dicts,
    version_quad,
    with_renewal,
)
from smqi.api.store.config import RemoteStoreSettings
from smqi.api.store.formats import (
    N_TRIPLES,
    SPARQL_JSON,
    TURTLE,
    Row,
    capped_results,
    negotiate,
    results_format,
    triples_from_ntriples,
    write_graph,
)
from smqi.api.store.shared import SUBSET, SUBSETS_QUERY, orphans, subsets_in
from smqi.api.store.sparql import (
    Bindings,
    CheckedQuery,
    QueryDataset,
    QueryForm,
    check_query,
    limit_rows,
    with_base,
    without_dataset_clauses,
)
from smqi.api.store.updates import SEPARATOR, Quads, drop, insert_operations, read_quads
from smqi.api.store.virtuoso import (
    ANYTIME_STATE,
    DESCRIBE_PRAGMA,
    RESULTS_TYPE,
    SORTED_TOP_REFUSED,
    TIMEOUT_PARAMETER,
    explicit_dataset,
    plain_blank_nodes,
    publish_staged,
)
from smqi.loader.shared import is_shared

logger = logging.getLogger(__name__)

# What the Oxigraph server writes into an already started response when its own timeout fires.
_SERVER_CANCELLED = b"operation has been cancelled"
UNVERSIONED = "unversioned"
_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class _Answer:
    """A response body, and whether the server said it cut the answer at its row limit."""

    body: bytes
    cut: bool = False


_CUT_GRAPH = (
    "the SPARQL endpoint cut the graph at its own limit on answers; raise it (Virtuoso: "
    "ResultSetMaxRows) above the largest graph this API serves"
)


class RemoteStore:
    """A ``Store`` over a SPARQL 1.1 query endpoint and, for writing, its update endpoint."""

    def __init__(self, settings: RemoteStoreSettings) -> None:
        self._settings = settings
        self._version: tuple[float, str] | None = None  # (read at, monotonic seconds; value)
        self._scope: tuple[str, QueryDataset] | None = None  # (version, the project's graphs)
        # the results format asked of the endpoint (Virtuoso writes XML faster than JSON)
        self._results = RESULTS_TYPE if settings.kind == "virtuoso" else SPARQL_JSON

    @property
    def settings(self) -> RemoteStoreSettings:
        return self._settings

    # -- reading ----------------------------------------------------------------------------

    def select(self, query: str, bindings: Bindings | None = None) -> SelectResult:
        return self._select(query, bindings, scoped=True)

    def _select(
        self,
        query: str,
        bindings: Bindings | None,
        *,
        scoped: bool,
        timeout_s: float | None = None,
    ) -> SelectResult:
        checked, text = prepare(query, bindings, QueryForm.SELECT)
        answer = self._query(checked, text, self._results, scoped=scoped, timeout_s=timeout_s)
        variables, rows, truncated = self._rows(answer)
        return SelectResult(variables, row_dicts(variables, rows), truncated)

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        checked, text = prepare(query, bindings, QueryForm.ASK)
        return _boolean(self._query(checked, text, self._results).body, self._results)

    def construct(self, query: str, bindings: Bindings | None = None) -> list[ox.Triple]:
        checked, text = prepare(query, bindings, QueryForm.CONSTRUCT, QueryForm.DESCRIBE)
        answer = self._query(checked, text, N_TRIPLES)
        if answer.cut:
            raise StoreError(_CUT_GRAPH)
        return _triples(answer.body)

    def query_raw(
        self, query: str, accept: str | None, dataset: QueryDataset | None = None
    ) -> RawResult:
        checked = check_query(query)
        media_type = negotiate(accept, graph=checked.form.returns_graph)
        if checked.form.returns_graph:
            graph = self._query(checked, checked.text, N_TRIPLES, dataset)
            written = write_graph(_triples(graph.body), media_type)
            return RawResult(written, media_type, graph.cut)
        answer = self._capped_query(checked, dataset)
        body = answer.body
        try:
            results = ox.parse_query_results(body, format=results_format(self._results))
            if isinstance(results, ox.QueryBoolean):
                boolean = results.serialize(format=results_format(media_type)) or b""
                return RawResult(boolean, media_type)
            table, truncated = capped_results(results, media_type, self._settings.max_rows)
        except SyntaxError as exc:
            raise _malformed(body) from exc
        return RawResult(table, media_type, truncated or answer.cut)

    def _capped_query(self, checked: CheckedQuery, dataset: QueryDataset | None) -> _Answer:
        """A client's query, asked for one row over the cap (``limit_rows``). Virtuoso sorts
        at most ``MaxSortedTopRows`` for an ORDER BY with a LIMIT (default 10000, SR353); over
        that, the query is sent again without the LIMIT, and a warning says what to raise."""
        limit = self._settings.max_rows + 1
        try:
            return self._query(checked, checked.text, self._results, dataset, row_limit=limit)
        except StoreError as exc:
            cause = exc.__cause__
            said = _server_message(cause) if isinstance(cause, SPARQLWrapperException) else ""
            if type(exc) is not StoreError or SORTED_TOP_REFUSED not in said:
                raise
        logger.warning(
            "Virtuoso refused to sort %d rows for a LIMIT (SR353): raise MaxSortedTopRows in "
            "its virtuoso.ini above the API's row cap; the query was sent again without it",
            limit,
        )
        return self._query(checked, checked.text, self._results, dataset)

    def version(self) -> str:
        now = time.monotonic()
        cached = self._version
        if cached is not None and now - cached[0] < self._settings.version_ttl_s:
            return self._in_period(cached[1])
        result = self._select(
            "SELECT ?version WHERE { GRAPH ?graph { ?graph ?identifier ?version } } LIMIT 1",
            {"graph": ox.NamedNode(self._settings.version_graph), "identifier": VERSION_PREDICATE},
            scoped=False,
        )
        term = result.rows[0]["version"] if result.rows else None
        value = term.value if isinstance(term, ox.Literal) else UNVERSIONED
        self._version = (now, value)  # one tuple, replaced whole: safe across threads
        return self._in_period(value)

    def _project_dataset(self) -> QueryDataset | None:
        """With ``dataset_only``, the dataset every query naming none runs on: the graphs
        under graph_prefix (read once per version), as default and as named graphs."""
        if not self._settings.dataset_only:
            return None
        version = self.version()
        cached = self._scope
        if cached is not None and cached[0] == version:
            return cached[1]
        scope = QueryDataset.only(sorted(self._dataset_graphs() or set()))
        self._scope = (version, scope)
        return scope

    def _in_period(self, marker: str) -> str:
        ttl = self._settings.answer_ttl_s
        if ttl is None:
            return marker
        return with_renewal(marker, math.floor(time.time() / ttl) * ttl)

    # -- writing ----------------------------------------------------------------------------

    def load(self, nquads_file: Path) -> None:
        self._publish(nquads_file, clear_first=False)

    def replace(self, nquads_file: Path) -> None:
        self._publish(nquads_file, clear_first=True)

    def _publish(self, source: Path, clear_first: bool) -> None:
        version_id = new_version_id()
        quads = read_quads(source)  # the whole file parses before the store is touched
        marker = version_quad(self._settings.version_graph, version_id)
        recorded = [
            drop(marker.graph_name.value),  # type: ignore[union-attr]
            f"INSERT DATA {{ GRAPH {marker.graph_name} {{ {marker.triple} . }} }}",
        ]
        timeout = self._settings.update_timeout_s
        replaced: set[str] | None = set()
        retired: set[str] = set()
        if clear_first:
            present = self._graphs(timeout)
            replaced = None if present is None else self._own(present)
            if present is not None:
                retired = self._retired(present, replaced or set(), quads, timeout)
        if self._settings.kind == "virtuoso":
            publish_staged(
                quads,
                (replaced or set()) | retired,
                version_id,
                recorded,
                lambda text: self._update(text, source),
                lambda graph, document: self._post(graph, document, source),
                self._call,
                additive=not clear_first,
            )
        else:
            if replaced is None:
                drops = ["DROP ALL"]
            else:  # a shared graph in the file replaces the store's copy whole
                whole = {graph for graph in quads.graphs if is_shared(graph)}
                drops = [drop(graph) for graph in sorted(replaced | retired | whole)]
            operations = [*drops, *insert_operations(quads), *recorded]
            self._update(SEPARATOR.join(operations), source)
        self._version = (time.monotonic(), version_id)

    def _retired(
        self, present: set[str], replaced: set[str], quads: Quads, timeout: float
    ) -> set[str]:
        """The shared graphs no dataset names once ``replaced`` gives way to ``quads``."""
        subsets = self._select(SUBSETS_QUERY, None, scoped=False, timeout_s=timeout)
        if subsets.truncated:
            raise StoreError("the store names more subsets than the row cap; nothing was replaced")
        pairs = [
            (row["metadata"].value, row["graph"].value)
            for row in subsets.rows
            if isinstance(row["metadata"], ox.NamedNode) and isinstance(row["graph"], ox.NamedNode)
        ]
        lines = (line for graph_lines in quads.plain.values() for line in graph_lines)
        incoming = quads.graphs | subsets_in(lines)
        return orphans(present, pairs, replaced | quads.graphs, incoming)

    def _graphs(self, timeout_s: float | None = None) -> set[str] | None:
        """Every named graph in the store, but the version marker's; None without a
        graph_prefix (a replace then drops all). Read with ``timeout_s`` (default: the query
        timeout; a load gives its own)."""
        if self._settings.graph_prefix is None:
            return None
        # Grouped, not SELECT DISTINCT ?graph: Virtuoso answers that form from its list of
        # every graph it has known (SPARQL_SELECT_KNOWN_GRAPHS), which ran past 120 s at
        # 50k synthetic studies (1.4M triples); grouped, 0.25-0.4 s. Filtered by prefix here,
        # not in the query: a FILTER or HAVING on STR(?graph) took 6.5-11 s there.
        present = self._select(
            "SELECT ?graph WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph",
            None,
            scoped=False,
            timeout_s=timeout_s,
        )
        if present.truncated:
            raise StoreError("the store holds more graphs than the row cap; nothing was replaced")
        kept = self._settings.version_graph
        return {
            row["graph"].value
            for row in present.rows
            if isinstance(row["graph"], ox.NamedNode) and row["graph"].value != kept
        }

    def _own(self, graphs: set[str]) -> set[str]:
        """The project's own graphs among ``graphs``: those under graph_prefix."""
        prefix = self._settings.graph_prefix or ""
        return {graph for graph in graphs if graph.startswith(prefix)}

    def _dataset_graphs(self, timeout_s: float | None = None) -> set[str] | None:
        """The graphs a dataset_only project is served: its own (under graph_prefix) and
        the shared graphs its metadata names; None without a graph_prefix."""
        present = self._graphs(timeout_s)
        if present is None:
            return None
        own = self._own(present)
        metadata = f"{self._settings.graph_prefix}metadata"
        subsets = self._select(
            f"SELECT ?graph WHERE {{ GRAPH <{metadata}> {{ ?dataset <{SUBSET}> ?graph }} }}",
            None,
            scoped=False,
            timeout_s=timeout_s,
        )
        named = {row["graph"] for row in subsets.rows}
        return own | {
            graph for graph in present if is_shared(graph) and ox.NamedNode(graph) in named
        }

    def _writer(self) -> SPARQLWrapper:
        """A POST to the update endpoint, with the load's timeout and the loading account."""
        if self._settings.update_url is None:
            raise StoreError("no update URL is configured, so this store cannot be written")
        sparql = self._wrapper(self._settings.update_timeout_s)
        sparql.updateEndpoint = self._settings.update_url
        sparql.setMethod(POST)
        return sparql

    def _call(self, query: str) -> None:
        """Run a SELECT at the update endpoint, as the loading account (Virtuoso's
        ``sql:`` procedure calls)."""
        sparql = self._writer()
        sparql.endpoint = sparql.updateEndpoint
        sparql.setRequestMethod(URLENCODED)
        sparql.queryString = query
        sparql.queryType = QueryForm.SELECT.value
        sparql.addCustomHttpHeader("Accept", SPARQL_JSON)
        self._send(sparql)

    def _post(self, graph: str, document: bytes, source: Path) -> None:
        """Add an N-Triples ``document`` (from ``source``) to ``graph`` through the store's
        Graph Store endpoint (SPARQL 1.1 Graph Store protocol), as the loading account."""
        url = self._settings.graph_store_url
        if url is None:
            raise StoreError("no update URL is configured, so this store cannot be written")
        request = urllib.request.Request(
            f"{url}?{urllib.parse.urlencode({'graph-uri': graph})}",
            data=document,
            method="POST",
            headers={"Content-Type": TURTLE},  # N-Triples is Turtle; Virtuoso knows Turtle's type
        )
        timeout = self._settings.update_timeout_s
        with _reaching("the store's Graph Store endpoint", timeout):
            try:
                with self._opener(url).open(request, timeout=timeout) as response:
                    response.read()
            except urllib.error.HTTPError as exc:
                if exc.code == 401:
                    raise StoreError(
                        "the SPARQL endpoint refused the configured credentials"
                    ) from exc
                said = _plain_text(exc.read(2000))
                raise DatasetError(
                    f"the store's Graph Store endpoint failed to write {source.name} "
                    f"({exc.code}{': ' + said if said else ''}). "
                    "The dataset being served is unchanged."
                ) from exc

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        """urllib with the loading account's credentials for ``url``, if any."""
        user, password = self._settings.user, self._settings.password
        if user is None or password is None:
            return urllib.request.build_opener()
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, user, password)
        handler: urllib.request.BaseHandler = (
            urllib.request.HTTPDigestAuthHandler(passwords)
            if self._settings.auth == "digest"
            else urllib.request.HTTPBasicAuthHandler(passwords)
        )
        return urllib.request.build_opener(handler)

    def _update(self, update: str, source: Path) -> None:
        sparql = self._writer()
        sparql.setRequestMethod(POSTDIRECTLY)
        # Set directly: setQuery would run SPARQLWrapper's regexes over the whole dataset.
        sparql.queryString = update
        sparql.queryType = INSERT
        try:
            self._send(sparql)
        except QuerySyntaxError as exc:
            raise DatasetError(
                f"the SPARQL endpoint refused the data in {source.name}: {exc}. "
                "The dataset being served is unchanged."
            ) from exc
        except StoreError as exc:
            if type(exc) is not StoreError:  # a timeout, an unreachable endpoint: as they are
                raise
            cause = exc.__cause__
            said = _server_message(cause) if isinstance(cause, SPARQLWrapperException) else ""
            raise DatasetError(
                f"the SPARQL endpoint failed to write {source.name}"
                f"{': ' + said if said else ''}. The dataset being served is unchanged."
            ) from exc

    # -- talking to the endpoint ------------------------------------------------------------

    def _wrapper(self, timeout_s: float) -> SPARQLWrapper:
        # One SPARQLWrapper per request: the object holds per-query state and is not thread-safe.
        sparql = SPARQLWrapper(self._settings.query_url)
        sparql.setOnlyConneg(True)
        sparql.setTimeout(math.ceil(timeout_s))
        if self._settings.user is not None and self._settings.password is not None:
            sparql.setHTTPAuth(DIGEST if self._settings.auth == "digest" else BASIC)
            sparql.setCredentials(self._settings.user, self._settings.password)
        return sparql

    def _query(
        self,
        checked: CheckedQuery,
        text: str,
        accept: str,
        dataset: QueryDataset | None = None,
        *,
        scoped: bool = True,
        timeout_s: float | None = None,
        row_limit: int | None = None,
    ) -> _Answer:
        """Send ``text`` (``checked`` with any bindings in place) on the dataset it names, or
        (``scoped``, with ``dataset_only``) the project's own; within ``timeout_s`` (default:
        the query timeout); a SELECT asked for at most ``row_limit`` rows."""
        base = self._settings.base_iri
        timeout_s = timeout_s or self._settings.query_timeout_s
        sparql = self._wrapper(timeout_s)
        virtuoso = self._settings.kind == "virtuoso"
        if virtuoso and dataset is not None and checked.names_dataset:
            text = without_dataset_clauses(checked)  # the protocol's dataset replaces them
        if virtuoso:  # the server stops the query itself at our timeout
            milliseconds = math.ceil(timeout_s * 1000)
            sparql.addParameter(TIMEOUT_PARAMETER, str(milliseconds))
        sparql.setMethod(POST)
        sparql.setRequestMethod(URLENCODED)
        # Our lexer has decided the form; SPARQLWrapper's own guess must not route it elsewhere.
        text = with_base(checked, text, base)
        if virtuoso and checked.form is QueryForm.DESCRIBE:
            text = f"{DESCRIBE_PRAGMA} {text}"
        if row_limit is not None:
            text += limit_rows(checked, row_limit)
        sparql.queryString = text
        sparql.queryType = checked.form.value
        sparql.addCustomHttpHeader("Accept", accept)
        named = dataset or checked.dataset(base) or (self._project_dataset() if scoped else None)
        if named is not None:
            if virtuoso:
                named = explicit_dataset(named)
            for graph in named.default_graphs:
                sparql.addParameter("default-graph-uri", graph)
            for graph in named.named_graphs:
                sparql.addParameter("named-graph-uri", graph)
        try:
            answer = self._send(sparql)
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(located_syntax_error(checked.text, base) or str(exc)) from exc
        if virtuoso and accept == RESULTS_TYPE:
            return _Answer(plain_blank_nodes(answer.body), answer.cut)
        return answer

    def _send(self, sparql: SPARQLWrapper) -> _Answer:
        """Send the request and read the whole body, translating every failure once.

        The socket timeout bounds each wait for the endpoint; the body must also arrive
        within the timeout of its first byte, so a result trickling in is abandoned too.
        """
        timeout = sparql.timeout or 0
        with _reaching("the SPARQL endpoint", timeout):
            return self._exchange(sparql, timeout)

    def _exchange(self, sparql: SPARQLWrapper, timeout: float) -> _Answer:
        """The request and its whole body: ``_send`` but for failing to reach the endpoint."""
        try:
            response = sparql.query().response
            try:
                headers = response.headers
                if headers.get("X-SQL-State", "").strip() == ANYTIME_STATE:
                    raise QueryTimeoutError(
                        "the SPARQL endpoint stopped the query at its time limit; its partial "
                        "answer was discarded"
                    )
                deadline = time.monotonic() + timeout
                chunks = []
                while chunk := response.read(_CHUNK_BYTES):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError
                return _Answer(b"".join(chunks), headers.get("X-SPARQL-MaxRows") is not None)
            finally:
                response.close()
        except QueryBadFormed as exc:
            raise QuerySyntaxError(_server_message(exc)) from exc
        except Unauthorized as exc:
            raise StoreError("the SPARQL endpoint refused the configured credentials") from exc
        except SPARQLWrapperException as exc:  # 404, 414, 500
            logger.error("SPARQL endpoint error: %s", exc)
            raise StoreError("the SPARQL endpoint failed to answer") from exc
        except urllib.error.HTTPError as exc:
            if exc.code == 504:
                raise QueryTimeoutError(f"the SPARQL endpoint timed out ({exc.code})") from exc
            if exc.code in (502, 503):
                raise StoreUnavailableError(
                    f"the SPARQL endpoint is unavailable ({exc.code}); try again shortly"
                ) from exc
            logger.error("SPARQL endpoint answered HTTP %s: %s", exc.code, exc.reason)
            raise StoreError(f"the SPARQL endpoint failed to answer ({exc.code})") from exc
        except TimeoutError as exc:
            raise QueryTimeoutError(
                f"the SPARQL endpoint did not answer within {timeout} s; the query was abandoned"
            ) from exc

    def _rows(self, answer: _Answer) -> tuple[list[str], list[Row], bool]:
        """Variables, the rows up to the cap, and whether more rows were left out (by us, or
        by the server at its own limit)."""
        max_rows = self._settings.max_rows
        body = answer.body
        if answer.cut:
            logger.warning(
                "the SPARQL endpoint cut an answer at its own row limit; raise it above "
                "%s (Virtuoso: ResultSetMaxRows)",
                max_rows,
            )
        try:
            solutions = ox.parse_query_results(body, format=results_format(self._results))
            if not isinstance(solutions, ox.QuerySolutions):
                raise StoreError("the SPARQL endpoint answered a SELECT with a boolean")
            variables = [variable.value for variable in solutions.variables]
            rows: list[Row] = []
            for solution in solutions:
                if len(rows) == max_rows:
                    return variables, rows, True
                rows.append(tuple(solution))
        except SyntaxError as exc:
            raise _malformed(body) from exc
        return variables, rows, answer.cut

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""


def _boolean(body: bytes, media_type: str) -> bool:
    try:
        result = ox.parse_query_results(body, format=results_format(media_type))
    except SyntaxError as exc:
        raise _malformed(body) from exc
    if not isinstance(result, ox.QueryBoolean):
        raise StoreError("the SPARQL endpoint answered an ASK with a table")
    return bool(result)


def _triples(body: bytes) -> list[ox.Triple]:
    try:
        return triples_from_ntriples(body)
    except SyntaxError as exc:
        raise _malformed(body) from exc


@contextmanager
def _reaching(endpoint: str, timeout: float) -> Iterator[None]:
    """Failures to reach ``endpoint`` (words naming it) or to hear from it within
    ``timeout`` seconds, as the API's errors: a timeout, or the store unavailable."""
    try:
        yield
    except TimeoutError as exc:
        raise QueryTimeoutError(f"{endpoint} did not answer within {timeout} s") from exc
    except urllib.error.URLError as exc:  # HTTPError, an answer, is the caller's to read
        if isinstance(exc.reason, TimeoutError):
            raise QueryTimeoutError(f"{endpoint} did not answer within {timeout} s") from exc
        raise StoreUnavailableError(f"{endpoint} cannot be reached") from exc
    except (http.client.HTTPException, ConnectionError) as exc:
        raise StoreUnavailableError(f"the connection to {endpoint} broke") from exc


def _plain_text(body: bytes) -> str:
    """A server's error page as one line of text (Virtuoso answers in HTML), shortened."""
    text = re.sub(r"<[^>]*>", " ", body.decode("utf-8", "replace"))
    return " ".join(text.split())[:500]


def _malformed(body: bytes) -> StoreError:
    if _SERVER_CANCELLED in body[-200:]:
        return QueryTimeoutError("the SPARQL endpoint stopped the query at its own timeout")
    logger.error("malformed SPARQL result, ending %r", body[-200:])
    return StoreError("the SPARQL endpoint sent a malformed result")


def _server_message(exc: SPARQLWrapperException) -> str:
    """The endpoint's own explanation of a 400, which SPARQLWrapper keeps only as a repr."""
    _, _, response = str(exc).partition("Response:\n")
    try:
        text = ast.literal_eval(response)
        message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    except (ValueError, SyntaxError):
        message = ""
    return message.strip()[:500] or "the SPARQL endpoint could not parse the query"


def located_syntax_error(query: str, base: str) -> str | None:
    """Where ``query`` fails to parse, as the embedded store says it (line:column), for a
    server whose own message gives no position; None if pyoxigraph parses it.

    The query runs on an empty in-memory store: the lexer's limits have already bounded
    its nesting and length, and there is nothing for it to read.
    """
    try:
        ox.Store().query(query, base_iri=base)
    except SyntaxError as exc:
        return str(exc)
    except (ValueError, OSError, RuntimeError):
        return None
    return None
