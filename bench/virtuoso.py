"""A throwaway Virtuoso (Debian ``virtuoso-opensource`` 7.2) for tests and benchmarks.

``running_virtuoso(directory)`` writes a ``virtuoso.ini`` into ``directory`` (database,
logs and ports there, bound to 127.0.0.1), starts ``virtuoso-t`` in the foreground, waits
until its SPARQL endpoint answers, makes the settings the README's Virtuoso recipe lists
(``SETUP_SQL``: Virtuoso's own graphs private, so that the union default graph holds data
only; a loading account with SPARQL Update rights), and stops the server afterwards.

Nothing here is specific to this project's data: the README's recipe is these settings.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
START_TIMEOUT_S = 120.0  # a new database installs its packages first: ~20 s measured
STOP_TIMEOUT_S = 60.0
PRIVATE_GRAPHS = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
DBA_PASSWORD = "dba"  # Virtuoso's default; the server listens on loopback only
LOADER = ("smqi_loader", "smqi-loader-password")


def installed() -> bool:
    """Whether ``virtuoso-t`` and ``isql-vt`` are on the PATH (Debian virtuoso-opensource)."""
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class VirtuosoSettings:
    """What a Virtuoso serving this API must be told (the README's recipe).

    ``max_rows``: ``ResultSetMaxRows``, the most rows (or triples) one answer may hold; it
    must be above the API's row cap, or the server cuts answers first (Virtuoso's default,
    10000, equals the API's default cap). ``execution_limit_s``: ``MaxQueryExecutionTime``,
    which bounds updates as well as queries: long enough for the longest step of a load
    (the API sends each query its own timeout). ``buffers``: ``NumberOfBuffers``, 8 KiB
    pages of cache (Virtuoso's guide: about two thirds of the memory given to the server).
    """

    max_rows: int = 1_000_000
    execution_limit_s: int = 600
    buffers: int = 10_000
    estimate_limit_s: int = 0  # MaxQueryCostEstimationTime; 0: never refuse on an estimate
    # TransactionAfterImageLimit: what one transaction may change. A replace's switch (one
    # MOVE per graph) deletes the old dataset and moves the new one in one transaction;
    # Virtuoso's default, 50 MB, refused to replace a 10k-study build (SR325).
    after_image_bytes: int = 2_000_000_000
    # MaxSortedTopRows: the most rows an ORDER BY with a LIMIT may sort. The API asks for one
    # row over its cap (LIMIT cap+1); Virtuoso's default, 10000, refuses that for the
    # default cap (SR353), and the API then asks again without the LIMIT.
    sorted_top_rows: int = 1_000_000


@dataclass(frozen=True)
class Virtuoso:
    """A running server: its SPARQL endpoints and the loading account."""

    http_url: str
    sql_port: int
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return f"{self.http_url}/sparql"

    @property
    def update_url(self) -> str:
        """The authenticated endpoint (HTTP digest) that runs SPARQL Update."""
        return f"{self.http_url}/sparql-auth"

    @property
    def user(self) -> str:
        return LOADER[0]

    @property
    def password(self) -> str:
        return LOADER[1]

    def sql(self, statements: str) -> str:
        """Run SQL statements as dba through isql-vt; RuntimeError if one fails."""
        return run_sql(self.sql_port, statements)


def virtuoso_ini(directory: Path, http_port: int, sql_port: int, settings: VirtuosoSettings) -> str:
    """The configuration of a server whose files live in ``directory``."""
    buffers = settings.buffers
    return f"""; written by bench/virtuoso.py for a throwaway server
[Database]
DatabaseFile = {directory}/virtuoso.db
ErrorLogFile = {directory}/virtuoso.log
LockFile = {directory}/virtuoso.lck
TransactionFile = {directory}/virtuoso.trx
xa_persistent_file = {directory}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {directory}/virtuoso-temp.db
TransactionFile = {directory}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 5
CaseMode = 2
DirsAllowed = ., {directory}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}
MaxQueryMem = 2G
TransactionAfterImageLimit = {settings.after_image_bytes}
MaxSortedTopRows = {settings.sorted_top_rows}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {directory}/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 1

[SPARQL]
ResultSetMaxRows = {settings.max_rows}
MaxQueryExecutionTime = {settings.execution_limit_s}
MaxQueryCostEstimationTime = {settings.estimate_limit_s}
"""


def run_sql(sql_port: int, statements: str) -> str:
    """``statements`` through isql-vt as dba; RuntimeError naming the first failure (isql-vt
    itself exits 0 after a failed statement)."""
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", DBA_PASSWORD, f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise RuntimeError(f"isql-vt failed:\n{output.strip()}")
    return output


def setup_sql(system_graphs: list[str]) -> str:
    """The statements of the README's recipe: Virtuoso's own graphs private (out of the
    union default graph that the SPARQL endpoint's anonymous user queries), every other
    graph readable by it, and an account that may run SPARQL Update on every graph and put
    graphs into the private group and take them out (the loader's staging graphs)."""
    private = " ".join(
        f"DB.DBA.RDF_GRAPH_GROUP_INS ('{PRIVATE_GRAPHS}', '{graph}');" for graph in system_graphs
    )
    user, password = LOADER
    return (
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1); "
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1); "
        f"DB.DBA.RDF_GRAPH_GROUP_CREATE ('{PRIVATE_GRAPHS}', 1); {private} "
        f"DB.DBA.USER_CREATE ('{user}', '{password}'); "
        f'GRANT SPARQL_UPDATE TO "{user}"; '
        f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('{user}', 3); "
        f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('{user}', 3, 1); "
        f'GRANT EXECUTE ON DB.DBA.RDF_GRAPH_GROUP_INS TO "{user}"; '
        f'GRANT EXECUTE ON DB.DBA.RDF_GRAPH_GROUP_DEL TO "{user}";'
    )


def _graphs(query_url: str) -> list[str]:
    """The graphs the anonymous SPARQL user sees (in a new database: Virtuoso's own).

    Not ``SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }``: Virtuoso answers that
    form from its list of known graphs, whoever may read them.
    """
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    request = urllib.request.Request(
        f"{query_url}?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        bindings = json.load(response)["results"]["bindings"]
    return sorted(row["g"]["value"] for row in bindings)


def _await(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    probe = f"{url}/sparql?query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"Virtuoso did not answer at {url} within {START_TIMEOUT_S} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # Virtuoso checkpoints and exits
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_virtuoso(
    directory: Path, settings: VirtuosoSettings | None = None
) -> Iterator[Virtuoso]:
    """A Virtuoso with its files in ``directory``, on free loopback ports, configured as
    the README says; stopped on exit. A database already in ``directory`` is reused."""
    if not installed():
        raise FileNotFoundError("virtuoso-t is not installed (Debian: virtuoso-opensource)")
    settings = settings or VirtuosoSettings()
    directory = directory.resolve()
    (directory / "vsp").mkdir(parents=True, exist_ok=True)
    new = not (directory / "virtuoso.db").exists()
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(virtuoso_ini(directory, http_port, sql_port, settings), encoding="utf-8")
    log = directory / "virtuoso-t.out"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [VIRTUOSO, "+configfile", str(ini), "+foreground"],
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{http_port}"
    try:
        _await(process, url, log)
        server = Virtuoso(url, sql_port, directory, process)
        if new:
            server.sql(setup_sql(_graphs(server.query_url)))
            left = _graphs(server.query_url)
            if left:
                raise RuntimeError(f"Virtuoso's own graphs are still public: {left}")
        yield server
    finally:
        _stop(process)
