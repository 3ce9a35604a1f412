"""Reloading the served graph from a build: optionally rebuild from data/, then replace
the store's dataset atomically. No FastAPI here; the admin router calls it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from threading import Lock

import pyoxigraph as ox

from smqi.api.context import AppContext
from smqi.api.evidence.search import prepare
from smqi.api.settings import ApiSettings
from smqi.api.store import Store
from smqi.loader.build import build
from smqi.loader.terms import SMQI

RELOAD_LOCK = Lock()


def holds_build(store: Store, build_iri: str) -> bool:
    """Whether the store holds the build ``build_iri`` (of this project: a store shared by
    several projects holds a build of each)."""
    return store.ask(
        "ASK { ?build a ?kind }",
        {"build": ox.NamedNode(build_iri), "kind": ox.NamedNode(str(SMQI.Build))},
    )


def ensure_loaded(settings: ApiSettings, store: Store, *, force: bool = False) -> str:
    """Load the current build into the store unless it already holds it; build if none exists.
    Loading replaces this project's graphs only (the settings scope the store to them)."""
    build_json = settings.build.build_dir / "build.json"
    if not build_json.exists():
        print("no build yet: building from data/ ...", file=sys.stderr)
        build(settings.build)
    current = json.loads(build_json.read_text(encoding="utf-8"))["build_iri"]
    if force or not holds_build(store, current):
        print(f"loading {current} into the store ...", file=sys.stderr)
        store.replace(settings.build.build_dir / "smqi.nq")
    return str(current)


@dataclass(frozen=True)
class ReloadResult:
    build_iri: str
    version: str
    rebuilt: bool


def reload_graph(context: AppContext, *, rebuild: bool) -> ReloadResult:
    """Serve the current build (after rebuilding it, if asked); the old graph stays served
    on any failure. Raises LoaderError for a failed rebuild and ApiError for a failed load."""
    with RELOAD_LOCK:
        if rebuild:
            build(context.settings.build)
        build_iri = ensure_loaded(context.settings, context.store, force=True)
        prepare(context)
        return ReloadResult(build_iri, context.store.version(), rebuild)
