"""FastAPI dependencies: handlers get the application context injected, never a global."""

from __future__ import annotations

from fastapi import Request

from smqi.api.context import AppContext


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
