"""The loader's commands of ``smqi``: build and validate (``api.cli`` adds serve, load, query)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from smqi.loader.errors import InvalidSheetsError, LoaderError, ValidationError
from smqi.loader.project import find_project, project_settings
from smqi.loader.settings import BuildSettings

STAGES = ("read", "map", "validate", "reason", "write")
EXIT_INVALID = 1
EXIT_CONFIG = 2


def _progress_printer(enabled: bool) -> Callable[[str], None]:
    """A stage-by-stage progress bar on stderr."""
    started = time.perf_counter()

    def show(stage: str) -> None:
        if not enabled:
            return
        done = STAGES.index(stage) if stage in STAGES else 0
        bar = "#" * (done * 4) + "." * ((len(STAGES) - done) * 4)
        print(
            f"\r[{bar}] {stage:<8} {time.perf_counter() - started:6.1f}s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def settings_from_args(args: argparse.Namespace) -> BuildSettings:
    """The build settings for the project the command names (``--project``) or stands in."""
    options: dict[str, object] = {}
    if getattr(args, "validator", None):
        options["validator"] = args.validator
    out = getattr(args, "out", None)
    return project_settings(
        find_project(getattr(args, "project", None)),
        build_dir=Path(out) if out else None,
        base_iri=getattr(args, "base", None),
        **options,
    )


def add_project_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        metavar="DIR",
        help="the project folder, holding manifest.yaml (default: the working directory)",
    )


def _report_error(error: LoaderError) -> int:
    if isinstance(error, InvalidSheetsError | ValidationError):
        problems = error.errors if isinstance(error, InvalidSheetsError) else error.problems
        print(f"error: {len(problems)} problem(s); nothing was published:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    print(f"error [{error.code}]: {error}", file=sys.stderr)
    return EXIT_CONFIG if error.code == "configuration-error" else EXIT_INVALID


def cmd_build(args: argparse.Namespace) -> int:
    from smqi.loader.build import build

    settings = settings_from_args(args)
    show = _progress_printer(sys.stderr.isatty() or args.progress)
    try:
        report = build(settings, progress=show)
    except LoaderError as error:
        if sys.stderr.isatty() or args.progress:
            print(file=sys.stderr)
        return _report_error(error)
    if sys.stderr.isatty() or args.progress:
        print(file=sys.stderr)
    print(
        f"built {report.studies} studies, {report.records} coded records, "
        f"{report.quads} quads ({report.inferred} inferred) into {settings.build_dir}"
    )
    print("  " + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from smqi.loader.build import validate_sheet

    settings = settings_from_args(args)
    try:
        studies = validate_sheet(
            settings, Path(args.path), Path(args.mapping) if args.mapping else None
        )
    except LoaderError as error:
        return _report_error(error)
    print(f"{args.path}: valid ({studies} studies)")
    return 0


def build_parser() -> tuple[
    argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]
]:
    """The ``smqi`` parser with the loader's commands; ``api.cli`` adds the serving ones."""
    parser = argparse.ArgumentParser(
        prog="smqi",
        description="SMQI Evidence Graph: build, validate and serve the evidence graph.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser(
        "build",
        help="build the project's graph into its build/ folder (all or nothing)",
        description="Read every sheet and review record the project's manifest.yaml lists, "
        "map, validate (SHACL), reason (OWL) and write build/. A failed build publishes "
        "nothing.",
    )
    add_project_option(build)
    build.add_argument("--out", help="build output directory (default: PROJECT/build)")
    build.add_argument("--base", help="base IRI of minted instances")
    build.add_argument(
        "--validator",
        choices=("auto", "pyshacl", "sparql"),
        help="SHACL engine (default auto: pyshacl for small builds, compiled SPARQL for large)",
    )
    build.add_argument("--progress", action="store_true", help="show progress even when not a TTY")
    build.set_defaults(func=cmd_build)
    validate = sub.add_parser(
        "validate",
        help="check one sheet; exit status 1 with sheet/row/column errors",
        description="Check one extraction sheet (CSV or XLSX) against its layout, the "
        "vocabularies and the SHACL shapes. Writes nothing.",
    )
    validate.add_argument("path", help="the sheet to check")
    validate.add_argument(
        "--mapping", help="mapping file of the sheet's layout (default: the template)"
    )
    add_project_option(validate)
    validate.add_argument("--validator", choices=("auto", "pyshacl", "sparql"))
    validate.set_defaults(func=cmd_validate)
    return parser, sub


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = build_parser()
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
