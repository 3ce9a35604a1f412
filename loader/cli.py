"""The loader's commands of ``smqi``: init, template, add-concept, validate and build
(``api.cli`` adds serve, load and query).

Each command imports what it needs when it runs, so that ``smqi validate`` starts in a
fraction of a second. Every command works on the project in the working directory, or the
one ``--project`` names.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from smqi.loader.errors import (
    ConfigurationError,
    InvalidSheetsError,
    LoaderError,
    SheetError,
    ValidationError,
    problems_found,
)
from smqi.loader.project import (
    find_project,
    manifest_base_iri,
    project_settings,
    require_manifest,
)
from smqi.loader.settings import BuildSettings

STAGES = ("read", "map", "validate", "reason", "write")
EXIT_INVALID = 1
EXIT_CONFIG = 2
SHOWN_PROBLEMS = 200  # on the terminal; a --report file holds them all


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


def _problems(error: LoaderError) -> list[SheetError] | None:
    if isinstance(error, InvalidSheetsError):
        return error.errors
    if isinstance(error, ValidationError):
        return error.problems
    return None


def _report_error(error: LoaderError, report: Path | None = None, *, published: bool) -> int:
    """Print what went wrong (and write every problem to ``report``); the exit status."""
    problems = _problems(error)
    if problems is None:
        print(f"error [{error.code}]: {error}", file=sys.stderr)
        return EXIT_CONFIG if error.code == "configuration-error" else EXIT_INVALID
    tail = "; nothing was published" if published else ""
    dropped = problems_found(problems) - len(problems)
    print(f"error: {problems_found(problems)} problem(s){tail}:", file=sys.stderr)
    for problem in problems[:SHOWN_PROBLEMS]:
        hint = f" (suggestion: {problem.suggestion})" if problem.suggestion else ""
        print(f"  {problem}{hint}", file=sys.stderr)
    if len(problems) > SHOWN_PROBLEMS:
        more = len(problems) - SHOWN_PROBLEMS
        where = f"; they are in {report}" if report else "; list them with --report FILE"
        print(f"  ... and {more} more{where}", file=sys.stderr)
    if dropped:
        print(
            f"  ... and {dropped} more not listed: the first {len(problems)} are kept "
            "(limits: max_problems); fix these and run again",
            file=sys.stderr,
        )
    if report is not None:
        from smqi.loader.report import write_report

        write_report(problems, report)
        print(f"{len(problems)} problem(s) are listed in {report}", file=sys.stderr)
    return EXIT_INVALID


def _report_path(args: argparse.Namespace) -> Path | None:
    from smqi.loader.report import check_report_path

    path = Path(args.report) if getattr(args, "report", None) else None
    if path is not None:
        check_report_path(path)
    return path


def cmd_build(args: argparse.Namespace) -> int:
    from smqi.loader.build import build

    settings = settings_from_args(args)
    show = _progress_printer(sys.stderr.isatty() or args.progress)
    try:
        report = _report_path(args)
        require_manifest(settings)
        result = build(settings, progress=show)
    except LoaderError as error:
        if sys.stderr.isatty() or args.progress:
            print(file=sys.stderr)
        return _report_error(error, _safe_report(args), published=True)
    if sys.stderr.isatty() or args.progress:
        print(file=sys.stderr)
    if report is not None and report.exists():
        report.unlink()  # an old list of problems would mislead
    print(
        f"built {result.studies} studies, {result.records} coded records, "
        f"{result.quads} quads ({result.inferred} inferred) into {settings.build_dir}"
    )
    print("  " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items()))
    if result.agreement:
        from smqi.loader.agreement import summary_lines

        print("\n".join(summary_lines(result.agreement)))
    return 0


def _safe_report(args: argparse.Namespace) -> Path | None:
    try:
        return _report_path(args)
    except LoaderError:
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    from smqi.loader.assembly import validate_sheet

    settings = settings_from_args(args)
    try:
        report = _report_path(args)
        studies = validate_sheet(
            settings,
            Path(args.path),
            Path(args.mapping) if args.mapping else None,
            engine=args.validator or "sparql",
        )
    except LoaderError as error:
        return _report_error(error, _safe_report(args), published=False)
    if report is not None:
        from smqi.loader.report import write_report

        write_report([], report)  # an empty list: the sheet has no problem left
    print(f"{args.path}: valid ({studies} studies)")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from smqi.loader.scaffold import ProjectAnswers, init_project

    creators = tuple(_creator(text) for text in args.creator or ())
    answers = ProjectAnswers(
        title=args.title,
        description=args.description,
        license=args.license,
        base_iri=args.base_iri,
        publisher=args.publisher,
        publisher_url=args.publisher_url,
        contact_name=args.contact_name,
        contact_email=args.contact_email,
        creators=creators,
        version=args.version,
        issued=args.issued,
        keywords=tuple(args.keyword or ()),
        doi=args.doi,
        review_id=args.review_id,
        review_title=args.review_title,
    )
    target = Path(args.directory)
    try:
        written = init_project(target, answers)
    except LoaderError as error:
        return _report_error(error, published=False)
    print(f"a new project in {target}:")
    for path in written:
        print(f"  {path.relative_to(target)}")
    print(
        "next: give every value that says FILL IN in manifest.yaml, fill in "
        "sheets/extraction.xlsx, then run 'smqi validate sheets/extraction.xlsx' and "
        "'smqi build' in the project folder"
    )
    return 0


def _creator(text: str) -> tuple[str, str | None]:
    name, _, orcid = text.partition("|")
    return name.strip(), orcid.strip() or None


def cmd_template(args: argparse.Namespace) -> int:
    from smqi.loader.manifest import load_mapping
    from smqi.loader.project import manifest_alignments
    from smqi.loader.template import read_offered, write_template

    settings = settings_from_args(args)
    target = Path(args.output)
    if target.exists() and not args.force:
        print(
            f"error: {target} exists (a filled-in sheet?); choose another name or --force",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        own = manifest_alignments(settings.manifest_file)
        mapping = load_mapping(Path(args.mapping) if args.mapping else settings.default_mapping)
        write_template(mapping, read_offered(settings, own), target)
    except LoaderError as error:
        return _report_error(error, published=False)
    print(f"wrote {target} (layout '{mapping.name}', {len(mapping.columns)} columns)")
    return 0


def cmd_add_concept(args: argparse.Namespace) -> int:
    from smqi.loader.extension import NewConcept, add_concept

    settings = settings_from_args(args)
    try:
        require_manifest(settings)
        if manifest_base_iri(settings.manifest_file) is None:
            raise ConfigurationError(
                f"{settings.manifest_file}: dataset.base_iri must be a web address of yours "
                "before you add concepts: their IRIs are made under it"
            )
        iri = add_concept(
            settings,
            NewConcept(
                scheme=args.scheme,
                label=args.label,
                definition=args.definition,
                broader=args.broader,
                close_match=args.close_match,
                alt_labels=tuple(args.alt_label or ()),
            ),
        )
    except LoaderError as error:
        return _report_error(error, published=False)
    print(f"added {iri} to {settings.extension_dir / (args.scheme + '.ttl')}")
    print("run 'smqi template' again for a workbook whose dropdowns offer it")
    return 0


def _add_build(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = sub.add_parser(
        "build",
        help="build the project's graph into its build/ folder (all or nothing)",
        description="Read every sheet and review record the project's manifest.yaml lists, "
        "map, validate (SHACL), reason (OWL) and write build/. A failed build publishes "
        "nothing.",
    )
    add_project_option(build)
    build.add_argument("--out", help="build output directory (default: PROJECT/build)")
    build.add_argument("--base", help="base IRI of minted instances (default: the manifest's)")
    build.add_argument(
        "--validator",
        choices=("auto", "pyshacl", "sparql"),
        help="SHACL engine (default auto: pyshacl for small builds, compiled SPARQL for large)",
    )
    build.add_argument("--report", metavar="FILE", help="write every problem to FILE.csv|.json")
    build.add_argument("--progress", action="store_true", help="show progress even when not a TTY")
    build.set_defaults(func=cmd_build)


def _add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = sub.add_parser(
        "validate",
        help="check one sheet; exit status 1 with every problem by sheet, row and column",
        description="Check one extraction sheet (CSV or XLSX) against its layout, the "
        "vocabularies and the SHACL shapes, and report every problem in one pass: one "
        "message per bad cell. Writes nothing but the report.",
    )
    validate.add_argument("path", help="the sheet to check")
    validate.add_argument(
        "--mapping", help="mapping file of the sheet's layout (default: the template)"
    )
    validate.add_argument(
        "--report",
        metavar="FILE",
        help="write the problems (sheet, row, column, value, message, suggestion) to "
        "FILE.csv or FILE.json",
    )
    add_project_option(validate)
    validate.add_argument(
        "--validator",
        choices=("auto", "pyshacl", "sparql"),
        help="SHACL engine (default sparql: the shapes compiled to SPARQL)",
    )
    validate.set_defaults(func=cmd_validate)


def _add_init(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init",
        help="start a project folder: manifest, reviews, mapping, an empty workbook",
        description="Write a new project into DIR: a commented manifest.yaml with the "
        "dataset's metadata, reviews.yaml, mappings/ with the default layout, the empty "
        "extraction workbook and vocabularies/ for your own concepts. Values not given "
        "here are written as FILL IN, which the other commands refuse until given.",
    )
    init.add_argument("directory", metavar="DIR")
    init.add_argument("--title", help="the dataset's title")
    init.add_argument("--description", help="what the dataset holds")
    init.add_argument(
        "--license", default="https://creativecommons.org/licenses/by/4.0/", help="licence IRI"
    )
    init.add_argument("--base-iri", help="web address your IRIs live under, ending in /id/")
    init.add_argument("--publisher", help="the publishing organisation")
    init.add_argument("--publisher-url", help="the publisher's web address")
    init.add_argument("--contact-name", help="whom to contact about the dataset")
    init.add_argument("--contact-email", help="their e-mail address")
    init.add_argument(
        "--creator",
        action="append",
        metavar="NAME[|ORCID]",
        help="a creator, with an optional ORCID iD after '|' (repeat for each)",
    )
    init.add_argument("--version", default="1.0.0", help="the dataset's version")
    init.add_argument(
        "--issued", type=dt.date.fromisoformat, help="first publication date, YYYY-MM-DD"
    )
    init.add_argument("--keyword", action="append", help="a keyword (repeat for each)")
    init.add_argument("--doi", help="the dataset's DOI, if it has one")
    init.add_argument("--review-id", default="my-review", help="a short id for your review")
    init.add_argument("--review-title", help="your review's title")
    init.set_defaults(func=cmd_init)


def _add_template(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    template = sub.add_parser(
        "template",
        help="write the extraction workbook (dropdowns, codebook) for a sheet layout",
        description="Write an Excel workbook to fill in: one column per mapped column, "
        "required columns marked, dropdowns of the vocabularies' labels (yours included), "
        "and a codebook sheet with every concept's definition and alignments.",
    )
    template.add_argument("--mapping", help="the layout (default: the project's default)")
    template.add_argument(
        "-o", "--output", default="extraction-template.xlsx", help="the workbook to write"
    )
    template.add_argument("--force", action="store_true", help="overwrite OUTPUT")
    add_project_option(template)
    template.set_defaults(func=cmd_template)


def _add_add_concept(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = sub.add_parser(
        "add-concept",
        help="add your own concept (a new platform, population ...) to a shared scheme",
        description="Add a concept to one of the shared schemes under your project's IRIs, "
        "narrower than (--broader) or a close match of (--close-match) one of ours.",
    )
    add.add_argument("scheme", help="platform, population, communication-model, ...")
    add.add_argument("label", help="its preferred label, e.g. Bluesky")
    add.add_argument("--definition", required=True, help="what it is, in a sentence")
    relation = add.add_mutually_exclusive_group(required=True)
    relation.add_argument("--broader", metavar="CONCEPT", help="our concept it is a kind of")
    relation.add_argument(
        "--close-match", metavar="CONCEPT", help="our concept it is nearly the same as"
    )
    add.add_argument("--alt-label", action="append", help="another name (repeat for each)")
    add_project_option(add)
    add.set_defaults(func=cmd_add_concept)


def build_parser() -> tuple[
    argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]
]:
    """The ``smqi`` parser with the loader's commands; ``api.cli`` adds the serving ones."""
    parser = argparse.ArgumentParser(
        prog="smqi",
        description="SMQI Evidence Graph: publish a review's coded studies as a linked-data "
        "graph. Start with 'smqi init DIR'.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_init, _add_template, _add_add_concept, _add_validate, _add_build):
        add(sub)
    return parser, sub


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = build_parser()
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
