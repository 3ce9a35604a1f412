"""Scale benchmark: the API over Virtuoso, serving an aggregate of many reviews' graphs.

Makes ``--reviews`` SYNTHETIC review projects of ``--studies`` studies each (default 100 of
10k: 1M studies, about 50M triples; bench/synthetic.py), builds each (``smqi build``), loads
them one by one into one Virtuoso (``smqi load --store-kind virtuoso``, started by
bench/virtuoso.py with the README's settings), serves the API over the store
(``smqi serve``) and measures: load time per build and in all; API start-up (until it
answers, and until a first /studies comes back); the API's RSS (its processes, now and at
their peak); p50 and p99 of /studies (with and without filters), /summary, /map and a study
page, cold (each request a different one, so that no answer is cached) and warm (the same
request again); and every competency query through /sparql (uncached: each sent with a
different comment line). Then the same for the first ``--compare-reviews`` reviews (default
10: 100k studies) on the Oxigraph server and on Virtuoso, and the competency queries'
geometric mean of Oxigraph's time over Virtuoso's.

Usage: python bench/scale_bench.py [--reviews 100] [--studies 10000] [--compare-reviews 10]
       [--work DIR] [--requests 20] [--skip-compare] [--skip-big] [--timeout 60]
       [--skip-queries]
The work directory (default: a new one under /tmp) keeps the builds and both stores: a
later run with the same ``--work`` reuses what is there. Needs Debian's virtuoso-opensource
and the oxigraph server (test extra). Every study is SYNTHETIC.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_bench import Server, free_port, memory_mib  # noqa: E402
from bench.build_bench import reference_seconds  # noqa: E402
from bench.synthetic import make_review_project  # noqa: E402
from bench.virtuoso import Virtuoso, VirtuosoSettings, running_virtuoso  # noqa: E402

BIN = Path(sys.executable).parent
SMQI = str(BIN / "smqi")
API_TIMEOUT_S = 60  # the API's query timeout by default (--timeout)
START_TIMEOUT_S = 1800
# Virtuoso for 50M triples: 8 KiB pages, about 5.5 GiB of cache (of this machine's 24)
BIG_BUFFERS = 700_000
SMALL_BUFFERS = 200_000
REQUEST_TIMEOUT_S = 600


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- building and loading ------------------------------------------------------------------


def build_projects(work: Path, reviews: int, studies: int) -> list[Path]:
    """The review projects, each built once (a build already there is kept)."""
    projects = []
    for index in range(1, reviews + 1):
        project = work / "projects" / f"review-{index:03d}"
        if not (project / "build" / "build.json").is_file():
            make_review_project(project, index, studies)
            started = time.perf_counter()
            subprocess.run(
                [SMQI, "build", "--project", str(project)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            log(f"built review {index:03d} in {time.perf_counter() - started:.1f} s")
        projects.append(project)
    return projects


def store_options(server: Virtuoso) -> list[str]:
    return [
        "--endpoint",
        server.query_url,
        "--update-endpoint",
        server.update_url,
        "--store-kind",
        "virtuoso",
        "--endpoint-user",
        server.user,
    ]


def load_all(server: Virtuoso, projects: list[Path], record: Path) -> dict[str, float]:
    """``smqi load`` each project in turn into ``server``; seconds per project, kept in
    ``record`` so that a later run over the same store reports them without reloading."""
    times: dict[str, float] = json.loads(record.read_text()) if record.is_file() else {}
    env = {**os.environ, "SMQI_ENDPOINT_PASSWORD": server.password}
    for project in projects:
        if project.name in times:
            continue
        started = time.perf_counter()
        subprocess.run(
            [SMQI, "load", "--project", str(project), *store_options(server)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        times[project.name] = time.perf_counter() - started
        record.write_text(json.dumps(times, indent=1))
        # A checkpoint after each load keeps the transaction log short. The RSS logged here
        # shows whether Virtuoso's memory grows from load to load (README: through SPARQL
        # Update it grew by 330-480 MiB a build; through the Graph Store, a few MiB).
        started = time.perf_counter()
        server.sql("checkpoint;")
        now, peak = memory_mib(server.process.pid)
        log(
            f"loaded {project.name} in {times[project.name]:.1f} s ({len(times)} loaded); "
            f"checkpoint {time.perf_counter() - started:.1f} s; Virtuoso RSS {now:.0f} MiB "
            f"(peak {peak:.0f})"
        )
    return times


def load_oxigraph(location: Path, projects: list[Path]) -> float:
    """Bulk-load the builds into an Oxigraph store and compact it; seconds in all."""
    if (location / "loaded").is_file():
        return float((location / "loaded").read_text())
    oxigraph = str(BIN / "oxigraph")
    started = time.perf_counter()
    for project in projects:
        nquads = project / "build" / "smqi.nq"
        subprocess.run(
            [oxigraph, "load", "--location", str(location), "--file", str(nquads)],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [oxigraph, "optimize", "--location", str(location)], check=True, capture_output=True
    )
    seconds = time.perf_counter() - started
    (location / "loaded").write_text(str(seconds))
    return seconds


# -- the API -------------------------------------------------------------------------------


@dataclass
class Api:
    server: Server
    started: float
    serving_s: float = 0.0
    ready_s: float = 0.0

    @property
    def base(self) -> str:
        return self.server.base


def get(url: str, timeout: float = REQUEST_TIMEOUT_S) -> tuple[float, bytes]:
    """Milliseconds to the whole answer, and the answer; RuntimeError if it is not a 200."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url}: {error.code} {error.read()[:300]!r}") from error
    return (time.perf_counter() - started) * 1000, body


@contextmanager
def serving(
    name: str, project: Path, store: list[str], env: dict[str, str], timeout_s: int
) -> Iterator[Api]:
    """``smqi serve`` over ``store`` (its options) with a query timeout of ``timeout_s``,
    timed until it answers and until a first /studies comes back (the evidence index is
    ready then)."""
    port = free_port()
    command = [SMQI, "serve", "--project", str(project), "--port", str(port)]
    command += [*store, "--timeout", str(timeout_s)]
    server = Server(name, command, f"http://127.0.0.1:{port}", "/static/site.css", 600, env=env)
    started = time.perf_counter()
    server.start()
    api = Api(server, started, serving_s=time.perf_counter() - started)
    try:
        get(f"{api.base}/studies?limit=1", timeout=START_TIMEOUT_S)
        api.ready_s = time.perf_counter() - started
        yield api
    finally:
        server.stop()


@dataclass
class Timing:
    label: str
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def measure(api: Api, requests: int, first: int, studies: int) -> list[Timing]:
    """Cold: ``requests`` different requests of each kind, none answered before; warm: the
    first of them again, ``requests`` times. Study pages are those of the served review,
    numbered from ``first``."""
    base = api.base
    platforms = ["Twitter", "Facebook", "YouTube", "Instagram", "blogs"]
    years = range(2008, 2025)
    pairs = [
        (r, c)
        for r in ("platform", "population", "communication_model", "activity", "stage")
        for c in ("platform", "population", "communication_model", "activity", "stage", "country")
        if r != c
    ]
    kinds: dict[str, Callable[[int], str]] = {
        "/studies": lambda n: f"{base}/studies?offset={20 * n}",
        "/studies (filtered)": lambda n: (
            f"{base}/studies?platform={platforms[n % 5]}&year={years[n % len(years)]}"
            f"&offset={20 * (n // 5 // len(years))}"
        ),
        "/summary": lambda n: (
            f"{base}/summary?rows={pairs[n % len(pairs)][0]}"
            f"&cols={pairs[n % len(pairs)][1]}"
            + ("&review=synthetic-review-001" if n >= 20 else "")
        ),
        "/summary?studies=false": lambda n: (
            f"{base}/summary?rows={pairs[n % len(pairs)][0]}"
            f"&cols={pairs[n % len(pairs)][1]}&studies=false"
            + ("&review=synthetic-review-001" if n >= 20 else "")
        ),
        "/map": lambda n: (
            f"{base}/map?rows={pairs[n % len(pairs)][0]}"
            f"&cols={pairs[n % len(pairs)][1]}"
            + ("&review=synthetic-review-001" if n >= 20 else "")
        ),
        "study page": lambda n: (
            f"{base}/studies/doi/10.5555/synthetic.{study_number(first, studies, n)}?format=html"
        ),
    }
    timings = []
    for label, url in kinds.items():
        timing = Timing(label)
        for n in range(requests):
            timing.cold.append(get(url(n))[0])
        for _ in range(requests):
            timing.warm.append(get(url(0))[0])
        timings.append(timing)
        log(f"{label}: cold p50 {statistics.median(timing.cold):.1f} ms")
    return timings


def study_number(first: int, studies: int, n: int) -> str:
    """The ``n``th study looked up: spread over the served review's ``studies`` studies."""
    return f"{first + (7919 * n) % studies:06d}"


def competency_queries(api: Api, timeout_s: int, runs: int = 3) -> dict[str, float]:
    """Median milliseconds of each competency query through the API's /sparql, uncached
    (``timeout_s`` for one that the API stopped at its timeout)."""
    from smqi.api.sparql.service_description import runnable_text
    from smqi.loader.queries import load_catalogue
    from smqi.loader.terms import DEFAULT_BASE

    catalogue = load_catalogue(ROOT / "ontology" / "queries")
    times: dict[str, float] = {}
    for name in sorted(catalogue):
        text = runnable_text(catalogue[name], DEFAULT_BASE)
        found = []
        for run in range(runs):
            query = urllib.parse.quote(f"# uncached {time.time_ns()} {run}\n{text}")
            url = f"{api.base}/sparql?query={query}&format=json"
            try:
                found.append(get(url)[0])
            except RuntimeError as error:
                log(f"{name}: {error}")
                found.append(timeout_s * 1000.0)
                break
        times[name] = statistics.median(found)
        log(f"{name}: {times[name]:.0f} ms")
    return times


# -- reporting -----------------------------------------------------------------------------


def api_rows(size: str, store: str, api: Api, timings: list[Timing]) -> list[str]:
    now, peak = memory_mib(api.server.pid)
    rows = [
        f"| {size} | {store} | API start-up: answering / first /studies | "
        f"{api.serving_s:.1f} s / {api.ready_s:.1f} s | | | |",
        f"| {size} | {store} | API RSS now / peak | {now:.0f} / {peak:.0f} MiB | | | |",
    ]
    for timing in timings:
        rows.append(
            f"| {size} | {store} | {timing.label} | {timing.cold[0]:.0f} | "
            f"{statistics.median(timing.cold):.1f} / {percentile(timing.cold, 0.99):.1f} | "
            f"{statistics.median(timing.warm):.2f} / {percentile(timing.warm, 0.99):.2f} | |"
        )
    return rows


HEADER = (
    "| studies | store | measure | first (uncached) ms | cold p50 / p99 ms | "
    "warm p50 / p99 ms | |\n|---|---|---|---|---|---|---|"
)


def run_api(
    label: str,
    size: str,
    project: Path,
    store: list[str],
    env: dict[str, str],
    args: argparse.Namespace,
) -> tuple[list[str], dict[str, float]]:
    with serving(f"api-{label}", project, store, env, args.timeout) as api:
        log(f"{label}: answering after {api.serving_s:.1f} s, /studies after {api.ready_s:.1f} s")
        # bench/synthetic.py numbers review N's studies from N * studies + 1
        first = int(project.name.rsplit("-", 1)[1]) * args.studies + 1
        timings = measure(api, args.requests, first, args.studies)
        queries = {} if args.skip_queries else competency_queries(api, args.timeout)
        rows = api_rows(size, label, api, timings)
    return rows, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100)
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--compare-reviews", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20, help="requests per cold/warm run")
    parser.add_argument("--work", type=Path, help="kept between runs (default: a new temp dir)")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-big", action="store_true", help="only the comparison")
    parser.add_argument(
        "--timeout", type=int, default=API_TIMEOUT_S, help="the API's query timeout, seconds"
    )
    parser.add_argument(
        "--skip-queries", action="store_true", help="time the routes, not the competency queries"
    )
    args = parser.parse_args()
    work = (args.work or Path(tempfile.mkdtemp(prefix="scale-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"reference loop: {reference_seconds()} s (this machine's speed today)")
    print(f"work directory: {work}\n")
    total = args.reviews * args.studies
    projects = build_projects(work, args.reviews, args.studies)
    rows: list[str] = []
    queries: dict[str, dict[str, float]] = {}
    if not args.skip_big:
        settings = VirtuosoSettings(buffers=BIG_BUFFERS, max_rows=1_000_000)
        with running_virtuoso(work / "virtuoso", settings) as server:
            loads = load_all(server, projects, work / "virtuoso-loads.json")
            seconds = sorted(loads.values())
            rows.append(
                f"| {total:,} | Virtuoso | load ({len(loads)} builds, smqi load) | "
                f"{sum(seconds):.0f} s in all | per build p50 {statistics.median(seconds):.1f}"
                f" s, max {seconds[-1]:.1f} s | | |"
            )
            env = {"SMQI_ENDPOINT_PASSWORD": server.password}
            found, queries[f"Virtuoso {total:,}"] = run_api(
                "Virtuoso", f"{total:,}", projects[0], store_options(server), env, args
            )
            rows += found
            log("\n".join([HEADER, *rows]))  # so far; the whole table is printed at the end
    if not args.skip_compare:
        compared = projects[: args.compare_reviews]
        small = f"{len(compared) * args.studies:,}"
        settings = VirtuosoSettings(buffers=SMALL_BUFFERS, max_rows=1_000_000)
        with running_virtuoso(work / "virtuoso-compare", settings) as server:
            loads = load_all(server, compared, work / "virtuoso-compare-loads.json")
            rows.append(
                f"| {small} | Virtuoso | load ({len(loads)} builds, smqi load) | "
                f"{sum(loads.values()):.0f} s in all | | | |"
            )
            env = {"SMQI_ENDPOINT_PASSWORD": server.password}
            found, queries[f"Virtuoso {small}"] = run_api(
                "Virtuoso", small, compared[0], store_options(server), env, args
            )
            rows += found
        location = work / "oxigraph-compare"
        seconds = load_oxigraph(location, compared)
        rows.append(
            f"| {small} | Oxigraph server | load (oxigraph load + optimize) | "
            f"{seconds:.0f} s in all | | | |"
        )
        port = free_port()
        oxigraph = Server(
            "oxigraph",
            [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
             "--bind", f"127.0.0.1:{port}", "--union-default-graph",
             "--timeout-s", str(args.timeout + 5)],
            f"http://127.0.0.1:{port}",
            "/query?query=ASK%7B%7D",
            timeout=600,
        )  # fmt: skip
        oxigraph.start()
        try:
            store = ["--endpoint", f"{oxigraph.base}/query"]
            found, queries[f"Oxigraph {small}"] = run_api(
                "Oxigraph server", small, compared[0], store, {}, args
            )
            rows += found
        finally:
            oxigraph.stop()
    print(HEADER, *rows, sep="\n")
    print_queries(queries)


def print_queries(queries: dict[str, dict[str, float]]) -> None:
    queries = {column: times for column, times in queries.items() if times}
    if not queries:
        return
    columns = list(queries)
    names = sorted(next(iter(queries.values())))
    print(f"\n| competency query (through /sparql, uncached, median ms) | {' | '.join(columns)} |")
    print("|---|" + "---|" * len(columns))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{queries[c][name]:.0f}" for c in columns) + " |")
    if len(columns) >= 2:
        reference = columns[-2]  # Virtuoso at the compared size
        for column in columns:
            if column == reference:
                continue
            logs = [math.log(queries[column][n] / queries[reference][n]) for n in names]
            ratio = math.exp(sum(logs) / len(logs))
            print(f"geometric mean of time, {column} / {reference}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
