"""``smqi``: the loader's commands (init, template, add-concept, validate, build) plus
serve, load and query.

The one place that reads the environment (``SMQI_*``), to make the settings object. The
store, the app and the loader's heavy stages are imported by the commands that use them,
so that ``smqi validate`` does not wait for the server's imports.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smqi.api.environment import ENVIRONMENT_VARIABLES
from smqi.api.http.media import GRAPH_TYPES, RESULTS_TYPES, names
from smqi.loader.cli import (
    EXIT_CONFIG,
    EXIT_INVALID,
    add_project_option,
    build_parser,
    settings_from_args,
)

if TYPE_CHECKING:
    from smqi.api.settings import ApiSettings

# The names the one registry (api.http.media) gives the types of query results and graphs.
FORMAT_NAMES = sorted(set(names(RESULTS_TYPES)) | set(names(GRAPH_TYPES)))
ENV_HELP = "environment:\n" + "\n".join(f"  {k:22} {v}" for k, v in ENVIRONMENT_VARIABLES.items())


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--store", metavar="DIR", help="embedded store directory (default PROJECT/var/store)"
    )
    where.add_argument("--endpoint", metavar="URL", help="query URL of a remote SPARQL 1.1 store")
    parser.add_argument("--update-endpoint", metavar="URL", help="update URL of the remote store")
    parser.add_argument(
        "--store-kind",
        choices=("sparql", "virtuoso"),
        help="the remote store: any SPARQL 1.1 store (default), or Virtuoso 7 (see README)",
    )
    parser.add_argument(
        "--endpoint-user", metavar="NAME", help="account that may write to the remote store"
    )
    parser.add_argument(
        "--endpoint-password",
        metavar="SECRET",
        help="its password (better: SMQI_ENDPOINT_PASSWORD, which ps does not show)",
    )
    parser.add_argument(
        "--endpoint-auth",
        choices=("basic", "digest"),
        help="HTTP authentication of the update URL (default: digest for virtuoso, else basic)",
    )
    parser.add_argument(
        "--dataset-only",
        action="store_true",
        help="a store shared by several projects: answer from this project's dataset only "
        "(default: from every dataset the store holds)",
    )
    parser.add_argument("--timeout", type=float, help="seconds a query may run (default 10)")
    parser.add_argument("--max-rows", type=int, help="most rows a SELECT returns (default 10000)")
    parser.add_argument(
        "--answer-ttl",
        type=float,
        metavar="SECONDS",
        help="remote store that others write to as well: renew cached answers at least this "
        "often (default: when a build is loaded)",
    )
    add_project_option(parser)


def _settings(args: argparse.Namespace) -> ApiSettings:
    from smqi.api.settings import settings_from

    build = settings_from_args(args)
    try:
        return settings_from(
            host=getattr(args, "host", "127.0.0.1"),
            port=getattr(args, "port", 8000),
            store_dir=args.store,
            endpoint=args.endpoint,
            update_endpoint=args.update_endpoint,
            timeout=args.timeout,
            max_rows=args.max_rows,
            answer_ttl=args.answer_ttl,
            store_kind=args.store_kind,
            user=args.endpoint_user,
            password=args.endpoint_password,
            auth=args.endpoint_auth,
            dataset_only=args.dataset_only,
            environ=os.environ,
            build=build,
        )
    except ValueError as error:  # contradictory or out-of-range settings
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from smqi.api.admin.reload import ensure_loaded
    from smqi.api.app import create_app
    from smqi.api.errors import ApiError
    from smqi.api.http.server import server_config
    from smqi.api.store import open_store

    settings = _settings(args)
    store = open_store(settings.store)
    try:
        build_iri = ensure_loaded(settings, store)
    except (ApiError, OSError) as error:
        store.close()
        print(f"error: cannot load the build into the store: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"serving {build_iri} at {settings.base_url}/", file=sys.stderr)
    app = create_app(settings, store)
    uvicorn.Server(server_config(app, settings.host, settings.port, limits=settings.limits)).run()
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from smqi.api.admin.reload import ensure_loaded
    from smqi.api.errors import ApiError
    from smqi.api.store import open_store

    settings = _settings(args)
    store = open_store(settings.store)
    try:
        build_iri = ensure_loaded(settings, store, force=True)
    except ApiError as error:
        print(f"error [{error.code}]: {error}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.close()
    print(f"loaded {build_iri}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from smqi.api.admin.reload import ensure_loaded
    from smqi.api.errors import ApiError
    from smqi.api.http.negotiation import STORE_TYPE, format_override
    from smqi.api.store import open_store
    from smqi.api.store.sparql import check_query

    settings = _settings(args)
    try:
        # a format name means a type of the query's kind of result: json is SPARQL JSON for a
        # SELECT, JSON-LD for a CONSTRUCT
        graph = check_query(args.sparql).form.returns_graph
        media_type = format_override([args.format], graph) if args.format else None
    except ApiError as error:
        print(f"error [{error.code}]: {error}", file=sys.stderr)
        return EXIT_INVALID
    store = open_store(settings.store)
    try:
        ensure_loaded(settings, store)
        result = store.query_raw(args.sparql, STORE_TYPE.get(media_type or "", media_type))
    except ApiError as error:
        print(f"error [{error.code}]: {error}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.close()
    sys.stdout.buffer.write(result.body)
    if result.truncated:
        print(f"\n(truncated to {settings.store.max_rows} rows)", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    serve = sub.add_parser(
        "serve",
        help="serve the evidence API and SPARQL endpoint",
        description="Load the current build into the store (building it first if there is "
        "none) and serve the API, the SPARQL endpoint and the pages.",
        epilog=ENV_HELP,
        formatter_class=formatter,
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    _add_store_options(serve)
    serve.set_defaults(func=cmd_serve)
    load = sub.add_parser(
        "load",
        help="replace this project's dataset in the configured store with the current build "
        "(atomic; other projects' datasets in the store stay)",
        epilog=ENV_HELP,
        formatter_class=formatter,
    )
    _add_store_options(load)
    load.set_defaults(func=cmd_load)
    query = sub.add_parser(
        "query",
        help="answer a SPARQL query on the command line",
        epilog=ENV_HELP,
        formatter_class=formatter,
    )
    query.add_argument("sparql", help="the query text")
    query.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        help="result format (default: SPARQL JSON for SELECT and ASK, Turtle for graphs)",
    )
    _add_store_options(query)
    query.set_defaults(func=cmd_query)


def main(argv: Sequence[str] | None = None) -> int:
    parser, sub = build_parser()
    add_commands(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
