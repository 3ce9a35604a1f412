"""Starvation benchmark: do runaway SPARQL queries starve the rest of the server?

The API serves a SYNTHETIC graph (bench/synthetic.py) on the embedded store. First it is
timed quiet; then four runaway queries (each would run for hours; the server stops it at its
timeout) are kept running at all times, resent as soon as one is answered, and the same
targets are timed again: the p99 of /studies, /summary and a study's page (wrk, one
connection) and the latency of a simple ASK on /sparql (sent one at a time, each a new text
so that no answer comes from the cache).

The runaway queries come from one client, or from four (``--clients``): behind a reverse
proxy, X-Forwarded-For names the client, and uvicorn trusts it from 127.0.0.1. The ASK always
comes from a client of its own. Every answer a runaway query got (504 timeout, 503 with or
without Retry-After) is counted.

Usage: python bench/starvation_bench.py [--studies 10000] [--seconds 10] [--clients 1 4]
       [--data DIR]  (an already built synthetic data directory: skips the build)
Needs: wrk (Debian package).
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import Server, build_graph, free_port, wrk  # noqa: E402
from bench.build_bench import reference_seconds  # noqa: E402

# Every triple paired with every other, four times over, counted: nothing is sent before it
# ends, and it never ends before the server's timeout.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = "ASK { ?study a <https://w3id.org/smqi/ontology#Study> }"
RUNAWAYS = 4
ASKS = 20
ASK_CLIENT = "10.0.0.99"


@dataclass
class Runaways:
    """``count`` threads, each keeping one runaway query running from its client."""

    host: str
    port: int
    clients: list[str]
    stop: threading.Event = field(default_factory=threading.Event)
    answers: Counter[str] = field(default_factory=Counter)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for n, client in enumerate(self.clients):
            thread = threading.Thread(target=self._run, args=(n, client), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _run(self, n: int, client: str) -> None:
        sent = 0
        while not self.stop.is_set():
            sent += 1
            body = urllib.parse.urlencode({"query": f"# runaway {n}.{sent}\n{RUNAWAY}"})
            connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
            try:
                connection.request(
                    "POST",
                    "/sparql",
                    body,
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/sparql-results+json",
                        "X-Forwarded-For": client,
                    },
                )
                response = connection.getresponse()
                response.read()
                retry = response.getheader("Retry-After")
                label = f"{response.status}" + (" + Retry-After" if retry else "")
                self.answers[label] += 1
                if response.status == 503:  # a hostile client would not wait; a polite one would
                    time.sleep(min(float(retry or 1), 1.0))
            except OSError as error:
                self.answers[type(error).__name__] += 1
            finally:
                connection.close()

    def end(self) -> None:
        self.stop.set()


def ask_latencies(base: str, count: int) -> tuple[list[float], Counter[str]]:
    """Milliseconds for ``count`` simple ASKs sent one after another, and their statuses."""
    host, port = base.removeprefix("http://").split(":")
    times: list[float] = []
    statuses: Counter[str] = Counter()
    for n in range(count):
        query = urllib.parse.quote(f"# ask {time.time_ns()} {n}\n{ASK}")
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        start = time.perf_counter()
        connection.request(
            "GET",
            f"/sparql?query={query}",
            headers={"Accept": "application/sparql-results+json", "X-Forwarded-For": ASK_CLIENT},
        )
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        statuses[str(response.status)] += 1
        connection.close()
        time.sleep(0.1)
    return times, statuses


def targets(base: str) -> list[tuple[str, str]]:
    study = "/id/study/doi/10.5555/synthetic.000001"
    return [
        ("/studies", f"{base}/studies?platform=Twitter&limit=20"),
        ("/summary", f"{base}/summary?rows=platform&cols=communication_model"),
        ("study page (HTML)", f"{base}{study}?format=html"),
    ]


def measure(base: str, seconds: int, phase: str) -> list[str]:
    rows = []
    for label, url in targets(base):
        result = wrk(url, seconds, connections=1)
        rows.append(f"| {phase} | {label} | {result['p50']:.1f} | {result['p99']:.1f} |")
        print(rows[-1], flush=True)
    times, statuses = ask_latencies(base, ASKS)
    p99 = sorted(times)[max(0, round(0.99 * len(times)) - 1)]
    seen = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    rows.append(
        f"| {phase} | ASK on /sparql ({seen}) | {statistics.median(times):.1f} | "
        f"{p99:.1f} (max {max(times):.1f}) |"
    )
    print(rows[-1], flush=True)
    return rows


def run(data: Path, work: Path, seconds: int, client_counts: list[int]) -> None:
    port = free_port()
    api = Server(
        "starvation-api",
        [str(BIN / "smqi"), "serve", "--project", str(data), "--store", str(work / "store"),
         "--port", str(port)],
        f"http://127.0.0.1:{port}",
        "/summary?rows=platform&cols=communication_model",
        timeout=1800,
    )  # fmt: skip
    api.start()
    try:
        for _, url in targets(api.base):  # warm: answers are kept per dataset version
            with urllib.request.urlopen(url, timeout=600) as response:
                response.read()
        print("| phase | target | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        measure(api.base, seconds, "quiet")
        for clients in client_counts:
            addresses = [f"10.0.0.{1 + (n % clients)}" for n in range(RUNAWAYS)]
            runaways = Runaways("127.0.0.1", port, addresses)
            runaways.start()
            time.sleep(2)  # let them reach the query processes
            phase = f"{RUNAWAYS} runaway queries from {clients} client(s)"
            measure(api.base, seconds, phase)
            runaways.end()
            answers = ", ".join(f"{k}: {v}" for k, v in sorted(runaways.answers.items()))
            print(f"| {phase} | runaway answers so far: {answers} | | |", flush=True)
            for thread in runaways.threads:  # each ends after its query's answer
                thread.join(timeout=120)
    finally:
        api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, RUNAWAYS])
    parser.add_argument("--data", type=Path, help="a built synthetic data directory")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    print(f"reference loop: {reference_seconds()} s (this machine's speed today)\n")
    work = Path(tempfile.mkdtemp(prefix="starvation-bench-"))
    try:
        data = args.data or build_graph(args.studies, work)
        run(data, work, args.seconds, args.clients)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
