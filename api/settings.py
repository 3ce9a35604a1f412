"""API settings: one object made at start-up (from the command line and, there only, the
environment) and passed to ``create_app``; no other module reads the environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from smqi.api.environment import ENVIRONMENT_VARIABLES
from smqi.api.http.limits import RequestLimits
from smqi.api.store.config import EmbeddedStoreSettings, RemoteStoreSettings
from smqi.loader.settings import BuildSettings


@dataclass(frozen=True)
class ApiSettings:
    """Everything the service needs to know, fixed for its lifetime.

    ``reload_token``: with no token there is no write endpoint at all. ``public_url`` is
    where this server answers (used in links, the service description and the VoID); the
    graph's own IRIs stay under ``build.base_iri`` and dereference under ``/id/``.
    ``index_dir``: where the evidence index is kept per dataset version, so that a restart
    does not read it from the store again (set for a remote store). ``sparql_queue`` SPARQL
    queries may wait for one of the store's ``workers`` slots
    (``api.sparql.admission``); more are refused with 503 and Retry-After. ``limits``: how
    much of a request the server reads (``api.http.limits``).
    """

    store: EmbeddedStoreSettings | RemoteStoreSettings
    build: BuildSettings
    host: str = "127.0.0.1"
    port: int = 8000
    reload_token: str | None = None
    public_url: str | None = None
    cache_entries: int = 512
    sparql_queue: int = 16
    limits: RequestLimits = field(default_factory=RequestLimits)
    index_dir: Path | None = None

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


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
        limits=_limits(env),
        # over a remote store reading the index is what a start waits for (150 s at 1M
        # studies); unless others write to the store too (an answer TTL): then its version
        # changes every period and each file would be used once
        index_dir=build.cache_dir / "study-index" if remote and ttl is None else None,
    )


def _limits(env: Mapping[str, str]) -> RequestLimits:
    """The request limits, each from its ``SMQI_*`` variable when set."""
    defaults = RequestLimits()
    return RequestLimits(
        max_head_bytes=_number(env, "SMQI_MAX_HEAD_BYTES", int) or defaults.max_head_bytes,
        max_headers=_number(env, "SMQI_MAX_HEADERS", int) or defaults.max_headers,
        max_url_bytes=_number(env, "SMQI_MAX_URL_BYTES", int) or defaults.max_url_bytes,
        max_body_bytes=_number(env, "SMQI_MAX_BODY_BYTES", int) or defaults.max_body_bytes,
        head_timeout_s=_number(env, "SMQI_HEAD_TIMEOUT", float) or defaults.head_timeout_s,
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


__all__ = ["ENVIRONMENT_VARIABLES", "ApiSettings", "settings_from"]
