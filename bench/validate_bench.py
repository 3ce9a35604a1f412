"""`smqi validate` benchmark: wall time and peak memory of checking one sheet, as a reviewer
runs it (a new process each time), for 30, 1k and 10k synthetic rows.

"cold" is the first run on a sheet (a new project: its cache of compiled shapes empty);
"warm" is the median of the next runs of the same command, as a reviewer runs it again after
fixing cells. The sheets are synthetic (bench/synthetic.py) and valid, checked in a project
made by ``smqi init`` (``--outside``: in a folder that is no project, with no cache). With
``--errors``, every tenth row gets a bad year, an unknown platform and an empty title, so
that error reporting is timed too.

Usage: python bench/validate_bench.py [--sizes 30 1000 10000] [--runs 3] [--errors] [--outside]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build_bench import reference_seconds  # noqa: E402
from bench.synthetic import synthetic_rows, write_sheet  # noqa: E402


def _smqi() -> str:
    found = shutil.which("smqi", path=str(Path(sys.executable).parent)) or shutil.which("smqi")
    if found is None:
        raise SystemExit("smqi is not installed in this environment")
    return found


def timed_run(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit status of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def sheet_with(size: int, target: Path, errors: bool) -> Path:
    rows = synthetic_rows(size)
    if errors:
        for row in rows[::10]:
            row["year"] = "20l6"
            row["platforms"] = "Twittter"
            row["title"] = ""
    path = target / f"synthetic-{size}{'-errors' if errors else ''}.csv"
    write_sheet(path, rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 1000, 10_000])
    parser.add_argument("--runs", type=int, default=3, help="warm runs per size")
    parser.add_argument("--errors", action="store_true", help="sheets with bad cells")
    parser.add_argument("--outside", action="store_true", help="not in a project (no cache)")
    args = parser.parse_args()
    smqi = _smqi()
    print(f"reference loop: {reference_seconds():.2f} s (compare runs by it)")
    print(f"{'rows':>7} {'cold s':>8} {'warm s':>8} {'peak MiB':>9} {'exit':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            folder = Path(tmp) / f"project-{size}"
            if args.outside:
                folder.mkdir()
            else:
                subprocess.run([smqi, "init", str(folder)], check=True, capture_output=True)
            sheet = sheet_with(size, folder, args.errors)
            command = [smqi, "validate", sheet.name]
            cold, peak, code = timed_run(command, folder)
            warm = [timed_run(command, folder) for _ in range(args.runs)]
            median = statistics.median(run[0] for run in warm)
            peak = max([peak, *(run[1] for run in warm)])
            print(f"{size:>7} {cold:>8.2f} {median:>8.2f} {peak:>9.0f} {code:>5}")


if __name__ == "__main__":
    main()
