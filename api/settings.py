"""API settings: one object made at start-up (from the command line and, there only, the
environment) and passed to ``create_app``; no other module reads the environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from smqi.api.store.config import EmbeddedStoreSettings, RemoteStoreSettings
from smqi.loader.settings import BuildSettings


@dataclass(frozen=True)
class ApiSettings:
    """Everything the service needs to know, fixed for its lifetime.

    ``reload_token``: with no token there is no write endpoint at all. ``public_url`` is
    where this server answers (used in links, the service description and the VoID); the
    graph's own IRIs stay under ``build.base_iri`` and dereference under ``/id/``.
    ``sparql_queue`` SPARQL queries may wait for one of the store's ``workers`` slots
    (``api.sparql.admission``); more are refused with 503 and Retry-After.
    """

    store: EmbeddedStoreSettings | RemoteStoreSettings
    build: BuildSettings
    host: str = "127.0.0.1"
    port: int = 8000
    reload_token: str | None = None
    public_url: str | None = None
    cache_entries: int = 512
    sparql_queue: int = 16

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


ENVIRONMENT_VARIABLES = {
    "SMQI_RELOAD_TOKEN": "bearer token that enables POST /admin/reload (unset: no write endpoint)",
    "SMQI_STORE_DIR": "directory of the embedded store (default PROJECT/var/store)",
    "SMQI_ENDPOINT": "query URL of a remote SPARQL 1.1 store (instead of the embedded one)",
    "SMQI_UPDATE_ENDPOINT": "update URL of the remote store (needed to load builds into it)",
    "SMQI_STORE_KIND": "sparql (any SPARQL 1.1 store, the default) or virtuoso",
    "SMQI_ENDPOINT_USER": "account that may write to the remote store (its update URL)",
    "SMQI_ENDPOINT_PASSWORD": "that account's password",
    "SMQI_ENDPOINT_AUTH": "basic or digest (default: digest for virtuoso, else basic)",
    "SMQI_DATASET_ONLY": "1: serve this project's dataset only, not every dataset in the store",
    "SMQI_QUERY_TIMEOUT": "seconds a query may run (default 10)",
    "SMQI_MAX_ROWS": "most rows a SELECT returns (default 10000)",
    "SMQI_ANSWER_TTL": "remote store that others write to: renew cached answers every N seconds",
    "SMQI_PUBLIC_URL": "the URL this server is reached at, for links",
}


def settings_from(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    store_dir: str | None = None,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
    answer_ttl: float | None = None,
    store_kind: str | None = None,
    user: str | None = None,
    password: str | None = None,
    auth: str | None = None,
    dataset_only: bool = False,
    environ: Mapping[str, str] | None = None,
    build: BuildSettings,
) -> ApiSettings:
    """Settings from command-line values, falling back to ``environ`` (``SMQI_*``).

    A load or replace touches only the project's own graphs (those under its base IRI's
    ``graph/``), so several projects may share one store; the API serves every dataset the
    store holds, or (``dataset_only``) the project's own."""
    env = environ or {}
    query_timeout = timeout or _number(env, "SMQI_QUERY_TIMEOUT", float) or 10.0
    rows = max_rows or _number(env, "SMQI_MAX_ROWS", int) or 10_000
    remote = endpoint or env.get("SMQI_ENDPOINT")
    ttl = answer_ttl or _number(env, "SMQI_ANSWER_TTL", float)
    prefix = f"{build.base_iri}graph/"
    kind = store_kind or env.get("SMQI_STORE_KIND") or "sparql"
    only = dataset_only or env.get("SMQI_DATASET_ONLY", "").strip().lower() in ("1", "true", "yes")
    store: EmbeddedStoreSettings | RemoteStoreSettings
    if remote:
        if kind not in ("sparql", "virtuoso"):
            raise ValueError(f"the store kind must be sparql or virtuoso, not {kind!r}")
        scheme = auth or env.get("SMQI_ENDPOINT_AUTH") or _default_auth(kind)
        if scheme not in ("basic", "digest"):
            raise ValueError(f"the endpoint's authentication is basic or digest, not {scheme!r}")
        store = RemoteStoreSettings(
            query_url=remote,
            update_url=update_endpoint or env.get("SMQI_UPDATE_ENDPOINT"),
            user=user or env.get("SMQI_ENDPOINT_USER") or None,
            password=password or env.get("SMQI_ENDPOINT_PASSWORD") or None,
            auth="digest" if scheme == "digest" else "basic",
            query_timeout_s=query_timeout,
            max_rows=rows,
            answer_ttl_s=ttl,
            base_iri=build.base_iri,
            graph_prefix=prefix,
            kind="virtuoso" if kind == "virtuoso" else "sparql",
            dataset_only=only,
        )
    elif kind != "sparql" and (store_kind or env.get("SMQI_STORE_KIND")):
        raise ValueError("a store kind is for a remote store (--endpoint)")
    elif ttl is not None:
        raise ValueError(
            "an answer TTL is for a remote store that others write to (--endpoint); "
            "only the loader writes to the embedded store"
        )
    else:
        directory = Path(
            store_dir or env.get("SMQI_STORE_DIR") or build.project_dir / "var" / "store"
        )
        store = EmbeddedStoreSettings(
            data_dir=directory,
            query_timeout_s=query_timeout,
            max_rows=rows,
            base_iri=build.base_iri,
            graph_prefix=prefix,
            dataset_only=only,
        )
    return ApiSettings(
        store=store,
        build=build,
        host=host,
        port=port,
        reload_token=env.get("SMQI_RELOAD_TOKEN") or None,
        public_url=env.get("SMQI_PUBLIC_URL") or None,
    )


def _default_auth(kind: str) -> str:
    """Virtuoso's authenticated endpoint (/sparql-auth) asks for HTTP digest."""
    return "digest" if kind == "virtuoso" else "basic"


N = TypeVar("N", int, float)


def _number(env: Mapping[str, str], name: str, kind: Callable[[str], N]) -> N | None:
    """The number in environment variable ``name``, or None when it is unset or empty."""
    value = env.get(name)
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {expected}, not {value!r}") from None
