"""Pages benchmark: how long the pages for people take to render the first time (uncached:
what the first visitor after a build waits for) and again (from the answer cache), over
SYNTHETIC graphs (bench/synthetic.py). The app runs in-process over the embedded store, so
the numbers are rendering and store time without a socket.

Usage: python bench/pages_bench.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, URL, Accept); the JSON answers of the same URLs are the baseline the pages add to
JSON = "application/json"
PAGES = (
    ("/studies as JSON (baseline)", "/studies?limit=20", JSON),
    ("/studies (search page)", "/studies", None),
    ("/studies?q=... (free text)", "/studies?q=social%20improvement&platform=Twitter", None),
    ("/studies?format=bibtex (100)", "/studies?format=bibtex&limit=100", None),
    ("/map (platform by model)", "/map", None),
    ("/map, split by population", "/map?rows=activity&cols=stage&split=population", None),
    (
        "/map, rolled up, filtered",
        "/map?rollup=1&year_from=2012&year_to=2020&population=patients",
        None,
    ),
    ("/map?format=svg", "/map?rows=activity&cols=population&format=svg", None),
    ("/concepts/platform", "/concepts/platform", None),
    ("a study as JSON (baseline)", "/studies/doi/10.5555/synthetic.000002", JSON),
    ("a study's page", "/id/study/doi/10.5555/synthetic.000001", None),
)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def bench_size(size: int) -> list[str]:
    from fastapi.testclient import TestClient

    from bench.synthetic import make_data_dir
    from smqi.api.app import create_app
    from smqi.api.evidence.index import study_index
    from smqi.api.evidence.queries import Snapshot
    from smqi.api.evidence.search import prepare
    from smqi.api.evidence.text import study_texts
    from smqi.api.settings import ApiSettings
    from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
    from smqi.loader.build import build
    from smqi.loader.settings import BuildSettings

    work = Path(tempfile.mkdtemp(prefix=f"pages-bench-{size}-"))
    rows = []
    try:
        data = make_data_dir(work / "data", size)
        build(BuildSettings.for_project(data))
        store = EmbeddedStore(EmbeddedStoreSettings(work / "store", query_timeout_s=120))
        store.replace(data / "build" / "smqi.nq")
        settings = ApiSettings(store=store.settings, build=BuildSettings.for_project(data))
        app = create_app(settings, store)
        context = app.state.context
        snapshot = Snapshot.of(context)
        started = time.perf_counter()
        study_index(snapshot)  # what the JSON API already warmed at start-up
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        texts = study_texts(snapshot)  # what the free-text search adds to it
        folded = time.perf_counter() - started
        prepare(context)  # the rest of the start-up warm-up (labels, titles)
        for label, seconds in (("study index", indexed), ("free-text index", folded)):
            rows.append(f"| {size} | start-up: {label} | {seconds * 1000:.0f} | |")
            print(rows[-1], flush=True)
        with TestClient(app) as client:
            for label, url, accept in PAGES:
                headers = {"Accept": accept or BROWSER}
                started = time.perf_counter()
                first = client.get(url, headers=headers)
                cold = time.perf_counter() - started
                assert first.status_code == 200, (url, first.text[:200])
                started = time.perf_counter()
                client.get(url, headers=headers)
                warm = time.perf_counter() - started
                rows.append(
                    f"| {size} | {label} | {cold * 1000:.0f} | {warm * 1000:.1f} |"
                    f" {len(first.content) / 1000:.0f} kB"
                )
                print(rows[-1], flush=True)
        rows.append(f"| {size} | folded texts held | {sum(map(len, texts)) / 1e6:.1f} MB | |")
        print(rows[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    from bench.build_bench import reference_seconds

    print(f"reference loop: {reference_seconds()} s (this machine's speed today)\n")
    print("| studies | page | first (ms) | again (ms) | size |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        bench_size(size)


if __name__ == "__main__":
    main()
