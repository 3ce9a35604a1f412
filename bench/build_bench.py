"""Build benchmark: seconds per stage and peak memory for 1k, 10k and 100k synthetic studies.

Each size runs in its own process so peak RSS is that build's alone. Data are synthetic
(bench/synthetic.py). Usage: python bench/build_bench.py [--sizes 1000 10000 100000]

The build writes most of the graph files in other threads while it reasons, and closes
the facts under the rules while the store validates (see loader.build): "validate" and
"reason" overlap, and "write" is only what is left after reasoning. "CPU s" counts every
thread and HermiT's JVM. The benchmark starts from an empty rules cache, so HermiT runs;
with --cached-rules, HermiT classifies the ontology before the clock starts, as it has for
every build after the first until the ontology or vocabularies change.
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
STAGES = ("read", "map", "validate", "reason", "write")


def _cpu_seconds() -> float:
    """User plus system time of this process and its children (HermiT's JVM).

    The build overlaps stages in threads, so on a shared machine CPU time is the steadier
    measure of its work.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reference_seconds() -> float:
    """Seconds a fixed pure-Python loop takes: how fast this machine is today.

    The shared machine's speed varies between days (the same build took 2.7 times as long
    on one day as the day before), so compare builds by their ratio to this.
    """
    start = time.perf_counter()
    sum(range(30_000_000))
    return round(time.perf_counter() - start, 2)


def run_one(size: int, validator: str, cached_rules: bool = False) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from bench.synthetic import make_data_dir
    from smqi.loader.build import build
    from smqi.loader.reasoning import derive_rules
    from smqi.loader.settings import BuildSettings

    with tempfile.TemporaryDirectory() as tmp:
        data = make_data_dir(Path(tmp) / "data", size)
        settings = BuildSettings.for_project(data, validator=validator)
        if cached_rules:  # into the cache the build reads
            derive_rules(settings.ontology_files, cache_dir=settings.rules_cache_dir)
        cpu_before = _cpu_seconds()
        start = time.perf_counter()
        report = build(settings)
        total = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu_before
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "studies": size,
        "validator": validator,
        "rules": "cached" if cached_rules else "HermiT",
        "quads": report.quads,
        "inferred": report.inferred,
        "total_s": round(total, 2),
        "cpu_s": round(cpu, 2),
        **{f"{k}_s": round(v, 2) for k, v in report.timings.items()},
        "peak_rss_mib": round(peak_kib / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--validator", default="auto", choices=("auto", "sparql", "pyshacl"))
    parser.add_argument(
        "--cached-rules", action="store_true", help="time builds whose ontology rules are cached"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.validator, args.cached_rules)))
        return
    print(f"reference loop: {reference_seconds()} s (see reference_seconds)\n")
    print(
        f"| studies | validator | rules | quads | {' | '.join(STAGES)} | total s | CPU s "
        "| peak RSS MiB |"
    )
    print("|---|---|---|---|" + "---|" * len(STAGES) + "---|---|---|")
    sys.path.insert(0, str(ROOT))
    from bench.child import in_own_process

    for size in args.sizes:
        cached = ["--cached-rules"] if args.cached_rules else []
        r = in_own_process(__file__, "--one", str(size), "--validator", args.validator, *cached)
        stages = " | ".join(str(r.get(f"{s}_s", "-")) for s in STAGES)
        print(
            f"| {r['studies']} | {r['validator']} | {r['rules']} | {r['quads']} | {stages} | "
            f"{r['total_s']} | {r['cpu_s']} | {r['peak_rss_mib']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
