"""API benchmark: latency and throughput of /summary, /studies and /sparql over synthetic
graphs, side by side with the same SPARQL sent straight to an Oxigraph server and to
rdflib-endpoint over the same N-Quads. Everything runs on loopback; wrk generates load.
A bare uvicorn app sending the same /summary bytes (bench/floor_app.py) measures what sending
that body costs whatever the server does, at 4 connections and at one.

Usage: python bench/api_bench.py [--sizes 1000 10000 100000] [--seconds 5] [--queries]
       [--queries-only] [--data DIR]  (DIR: an already built synthetic data directory, for
       one size: skips the build)
Needs: wrk (Debian package), the `oxigraph` server (test extra) and rdflib-endpoint
(bench extra: pip install -e '.[bench]'). Data are SYNTHETIC (bench/synthetic.py).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FACET_QUERY = """PREFIX smqi: <https://w3id.org/smqi/ontology#>
SELECT ?platform ?model (COUNT(DISTINCT ?study) AS ?n) WHERE {
  ?r smqi:codesStudy ?study ; smqi:platform ?platform ; smqi:communicationModel ?model .
} GROUP BY ?platform ?model"""
RDFLIB_MAX_STUDIES = 10_000  # rdflib-endpoint needs minutes and GBs beyond this


@dataclass
class Server:
    """A server process started from ``command`` and ready once ``base + probe`` answers;
    ``env``: variables it gets beside this process's own."""

    name: str
    command: list[str]
    base: str
    probe: str
    timeout: float
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] | None = None

    def start(self) -> None:
        log = open(Path(tempfile.gettempdir()) / f"bench-{self.name}.log", "wb")  # noqa: SIM115
        env = {**os.environ, **self.env} if self.env else None
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=log, start_new_session=True, env=env
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {log.name}")
            try:
                with urllib.request.urlopen(self.base + self.probe, timeout=60) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {self.timeout} s")

    def restart(self) -> None:
        """After a query timed out on the client, which the server would go on running."""
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_mib(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmHWM) of a process and its children, MiB."""
    pids = [pid]
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    pids += [int(child) for child in children.stdout.split()]
    now = peak = 0
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        now += int(fields.get("VmRSS", "0 kB").split()[0])
        peak += int(fields.get("VmHWM", "0 kB").split()[0])
    return now / 1024, peak / 1024


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the API's query workers), MiB."""
    return memory_mib(pid)[0]


# Each request a different query text (a numbered comment line before the same query), so
# that no answer is served from a cache: the API keeps /sparql results per dataset version.
DISTINCT_SCRIPT = """
local n = 0
request = function()
  n = n + 1
  local path = wrk.path:gsub("query=", "query=%%23%%20" .. n .. "%%0A", 1)
  return wrk.format(nil, path)
end
"""


def wrk(
    url: str, seconds: int, connections: int = 4, distinct: bool = False, gzip: bool = False
) -> dict[str, float]:
    # a long timeout: at 100k studies one aggregate query takes seconds, and wrk would count
    # it as failed after its default 2 s
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "120s", "--latency"]
    if gzip:
        command += ["-H", "Accept-Encoding: gzip"]
    if distinct:
        script = Path(tempfile.gettempdir()) / "bench-distinct.lua"
        script.write_text(DISTINCT_SCRIPT)
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{out}")
    if not rps or not float(rps.group(1)) or re.search(r"timeout [1-9]", out):
        raise RuntimeError(f"{url}: requests went unanswered\n{out}")
    return {"p50": ms("50%"), "p99": ms("99%"), "rps": float(rps.group(1)) if rps else 0.0}


QUERY_DIR = ROOT / "ontology" / "queries"
QUERY_RUNS = 3
UNCACHED_SECONDS = 20
QUERY_TIMEOUT = 60  # seconds; rdflib-endpoint takes longer than this over some queries


@dataclass
class Endpoint:
    name: str
    url: str
    server: Server


def query_ms(endpoint: Endpoint, query: str) -> float | None:
    """Median milliseconds of a few uncached requests (each a different query text), or
    None when one outlives QUERY_TIMEOUT (the server is then restarted)."""
    times = []
    for n in range(QUERY_RUNS):
        text = f"# uncached {time.time_ns()} {n}\n{query}"
        request = urllib.request.Request(
            f"{endpoint.url}?query={urllib.parse.quote(text)}",
            headers={"Accept": "application/sparql-results+json"},
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=QUERY_TIMEOUT) as response:
                response.read()
        except TimeoutError:
            endpoint.server.restart()
            return None
        times.append((time.perf_counter() - start) * 1000)
        if times[-1] > 10_000:
            break  # one slow answer is measure enough
    return sorted(times)[len(times) // 2]


def bench_queries(size: int, endpoints: list[Endpoint]) -> list[str]:
    """Every competency query on every endpoint, uncached: a row per query, and the
    geometric mean over the queries of each other server's time over the API's (a timed-out
    query counts as QUERY_TIMEOUT, so that mean is then a lower bound)."""
    sys.path.insert(0, str(ROOT))
    from smqi.api.sparql.service_description import runnable_text
    from smqi.loader.queries import load_catalogue
    from smqi.loader.terms import DEFAULT_BASE

    rows: list[str] = []
    logs = [0.0] * len(endpoints)
    catalogue = load_catalogue(QUERY_DIR)
    files = sorted(catalogue)
    for name in files:
        # as the example catalogue serves it: required parameters bound, optional ones not
        query = runnable_text(catalogue[name], DEFAULT_BASE)
        times = [query_ms(endpoint, query) for endpoint in endpoints]
        bounded = [QUERY_TIMEOUT * 1000 if ms is None else ms for ms in times]
        for i, ms in enumerate(bounded):
            logs[i] += math.log(ms / bounded[0])
        cells = " | ".join(f"> {QUERY_TIMEOUT} s" if ms is None else f"{ms:.1f}" for ms in times)
        rows.append(f"| {size} | {name} | {cells} |")
        print(rows[-1], flush=True)
    ratios = " | ".join(f"{math.exp(log / len(files)):.2f}x" for log in logs)
    rows.append(f"| {size} | geometric mean, time / API's | {ratios} |")
    print(rows[-1], flush=True)
    return rows


def start_floor(summary: str, work: Path, servers: list[Server]) -> tuple[Server, str]:
    """A bare uvicorn app sending the bytes the API sends for ``summary`` (bench/floor_app.py):
    the transport's share of the API's time for that body. Also the body's size, as a label."""
    body = work / "summary.json"
    with urllib.request.urlopen(summary, timeout=300) as response:
        body.write_bytes(response.read())
    port = free_port()
    os.environ["SMQI_FLOOR_BODY"] = str(body)
    floor = Server(
        "floor",
        # the HTTP layer smqi serve uses (api.http.server), so that the floor compares
        [str(BIN / "uvicorn"), "bench.floor_app:app", "--app-dir", str(ROOT), "--http", "h11",
         "--port", str(port), "--log-level", "warning"],
        f"http://127.0.0.1:{port}",
        "/",
        timeout=60,
    )  # fmt: skip
    servers.append(floor)
    floor.start()
    return floor, f"{body.stat().st_size / 1e6:.1f} MB"


def build_graph(size: int, work: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from bench.synthetic import make_data_dir
    from smqi.loader.build import build
    from smqi.loader.settings import BuildSettings

    data = make_data_dir(work / "data", size)
    build(BuildSettings.for_project(data))
    return data


def bench_size(
    size: int,
    seconds: int,
    queries: bool = False,
    only_queries: bool = False,
    built: Path | None = None,
) -> list[str]:
    rows: list[str] = []
    work = Path(tempfile.mkdtemp(prefix=f"api-bench-{size}-"))
    servers: list[Server] = []
    try:
        data = built or build_graph(size, work)
        nquads = data / "build" / "smqi.nq"
        query = urllib.parse.quote(FACET_QUERY)
        api_port, ox_port, rdf_port = free_port(), free_port(), free_port()
        api = Server(
            "api",
            [str(BIN / "smqi"), "serve", "--project", str(data), "--store", str(work / "store"),
             "--port", str(api_port), "--timeout", "60"],
            f"http://127.0.0.1:{api_port}",
            "/summary?rows=platform&cols=communication_model",
            timeout=1800,
        )  # fmt: skip
        servers.append(api)
        api.start()
        subprocess.run(
            [str(BIN / "oxigraph"), "load", "--location", str(work / "ox"), "--file", str(nquads)],
            check=True,
            capture_output=True,
        )
        # compacted, as the API's store is: uncompacted, aggregates are ~3x slower
        subprocess.run(
            [str(BIN / "oxigraph"), "optimize", "--location", str(work / "ox")],
            check=True,
            capture_output=True,
        )
        oxigraph = Server(
            "oxigraph",
            [str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "ox"),
             "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
            f"http://127.0.0.1:{ox_port}",
            f"/query?query={query}",
            timeout=120,
        )  # fmt: skip
        servers.append(oxigraph)
        oxigraph.start()
        if only_queries:
            endpoints = [
                Endpoint("API", f"{api.base}/sparql", api),
                Endpoint("Oxigraph", f"{oxigraph.base}/query", oxigraph),
            ]
            print("\n| studies | query (uncached, median ms) | API | Oxigraph |\n|---|---|---|---|")
            return bench_queries(size, endpoints)
        summary = f"{api.base}/summary?rows=platform&cols=communication_model"
        facet = f"{api.base}/sparql?query={query}"
        floor, size_mb = start_floor(summary, work, servers)
        # (label, url, server, whether each request sends a different query text)
        targets = [
            ("API /summary", summary, api, False),
            (f"bare uvicorn, the same {size_mb} body", floor.base, floor, False),
            ("API /summary, 1 connection", summary, api, False),
            (f"bare uvicorn, the same {size_mb} body, 1 connection", floor.base, floor, False),
            ("API /summary (Accept-Encoding: gzip)", summary, api, False),
            ("API /summary?studies=false", f"{summary}&studies=false", api, False),
            ("API /studies", f"{api.base}/studies?platform=Twitter&limit=20", api, False),
            ("API /map (the evidence map page)", f"{api.base}/map", api, False),
            ("API /sparql (facet, repeated: cached)", facet, api, False),
            ("API /sparql (facet, distinct: uncached)", facet, api, True),
            ("Oxigraph server (facet)", f"{oxigraph.base}/query?query={query}", oxigraph, True),
        ]
        rdflib: Server | None = None
        if size <= RDFLIB_MAX_STUDIES and shutil.which("rdflib-endpoint", path=str(BIN)):
            rdflib = Server(
                "rdflib-endpoint",
                [str(BIN / "rdflib-endpoint"), "serve", str(nquads), "--host", "127.0.0.1",
                 "--port", str(rdf_port)],
                f"http://127.0.0.1:{rdf_port}",
                f"/?query={query}",
                timeout=1800,
            )  # fmt: skip
            servers.append(rdflib)
            rdflib.start()
            targets.append(
                ("rdflib-endpoint (facet)", f"{rdflib.base}/?query={query}", rdflib, True)
            )
        for label, url, server, distinct in targets:
            urllib.request.urlopen(url, timeout=300).read()  # warm
            # Uncached SPARQL goes one request at a time to every server alike: rdflib-endpoint
            # answers one at a time anyway, and at 100k one query takes seconds.
            # They also run for at least UNCACHED_SECONDS: at 100k studies an aggregate takes
            # over a second, and a short run would time only two or three of them.
            result = wrk(
                url,
                max(seconds, UNCACHED_SECONDS) if distinct else seconds,
                1 if distinct or "1 connection" in label else 4,
                distinct=distinct,
                gzip="gzip" in label,
            )
            rows.append(
                f"| {size} | {label} | {result['p50']:.2f} | {result['p99']:.2f} | "
                f"{result['rps']:.0f} | {rss_mib(server.pid):.0f} |"
            )
            print(rows[-1], flush=True)
        if queries:
            endpoints = [
                Endpoint("API", f"{api.base}/sparql", api),
                Endpoint("Oxigraph", f"{oxigraph.base}/query", oxigraph),
            ]
            if rdflib is not None:
                endpoints.append(Endpoint("rdflib-endpoint", f"{rdflib.base}/", rdflib))
            names = " | ".join(e.name for e in endpoints)
            print(f"\n| studies | query (uncached, median ms) | {names} |")
            print("|---|---|" + "---|" * len(endpoints))
            rows += bench_queries(size, endpoints)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument(
        "--queries", action="store_true", help="also time every competency query, uncached"
    )
    parser.add_argument(
        "--queries-only", action="store_true", help="time only the competency queries"
    )
    parser.add_argument("--data", type=Path, help="a built synthetic data directory (one size)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    sys.path.insert(0, str(ROOT))
    from bench.build_bench import reference_seconds

    print(f"reference loop: {reference_seconds()} s (this machine's speed today)\n")
    print("| studies | target | p50 ms | p99 ms | req/s | server RSS MiB |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        bench_size(size, args.seconds, args.queries, args.queries_only, args.data)


if __name__ == "__main__":
    main()
