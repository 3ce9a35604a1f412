"""The naive baseline the build is measured against: the same graph in rdflib, pyshacl.

For one size of synthetic data (bench/synthetic.py) it maps the sheet with the project's
loader, then does what a whole-graph rdflib pipeline would: parse the union of its
graphs into an rdflib graph, validate it with pyshacl against the project's shapes, and
write Turtle. It does no reasoning, so it is a lower bound on the naive build. pyshacl's
time grows with the graph (680 s at 10k studies on a slow day here), so 100k takes hours.
Wall-clock seconds vary several-fold between days on this shared machine; run this beside
build_bench.py and compare the ratio, not the seconds.

Usage: python bench/naive_bench.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_one(size: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    import pyshacl
    from rdflib import Graph

    from bench.synthetic import make_data_dir
    from smqi.loader.assembly import assemble
    from smqi.loader.manifest import load_manifest
    from smqi.loader.settings import BuildSettings
    from smqi.loader.validation import union_graph

    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = make_data_dir(Path(tmp) / "data", size)
        settings = BuildSettings.for_project(data)
        assembled = assemble(
            settings, load_manifest(settings.manifest_file, settings.default_mapping), {}
        )
        start = time.perf_counter()
        union = union_graph(assembled.store)  # as the loader gives pyshacl small builds
        timings["parse"] = time.perf_counter() - start
        del assembled
        shapes = Graph().parse(settings.shapes_file)
        start = time.perf_counter()
        conforms, _, _ = pyshacl.validate(union, shacl_graph=shapes, inference="none")
        timings["validate"] = time.perf_counter() - start
        start = time.perf_counter()
        union.serialize(Path(tmp) / "out.ttl", format="turtle")
        timings["write"] = time.perf_counter() - start
        triples = len(union)
    return {
        "studies": size,
        "triples": triples,
        "conforms": conforms,
        **{f"{k}_s": round(v, 2) for k, v in timings.items()},
        "total_s": round(sum(timings.values()), 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    print("| studies | triples | conforms | parse | validate | write | total s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    sys.path.insert(0, str(ROOT))
    from bench.child import in_own_process

    for size in args.sizes:
        r = in_own_process(__file__, "--one", str(size))
        print(
            f"| {r['studies']} | {r['triples']} | {r['conforms']} | {r['parse_s']} | "
            f"{r['validate_s']} | {r['write_s']} | {r['total_s']} | {r['peak_rss_mib']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
