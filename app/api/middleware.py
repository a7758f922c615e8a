"""ASGI middleware of the HTTP service: HEAD wherever GET works, and request metrics.

Both are plain ASGI (no ``BaseHTTPMiddleware``), so a response streams through
untouched and the request's scope, where the router records the matched route,
is the one the metrics read afterwards.
"""

from __future__ import annotations

import re
import time
from typing import Any, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.metrics import UNMATCHED_ROUTE, HttpMetrics

HEAD_REQUEST: Final = "mantimon.head_request"
"""Scope key set on a HEAD request that is being answered as a GET."""

_PATHSEND: Final = "http.response.pathsend"


def _matched_route(scope: Scope) -> Any:
    route = scope.get("route")
    endpoint = scope.get("endpoint")
    if route is None and endpoint is not None:
        # FastAPI records only its own routes; a plain one (/openapi.json) leaves its endpoint.
        for candidate in getattr(scope.get("router"), "routes", ()):
            if getattr(candidate, "endpoint", None) is endpoint:
                return candidate
    return route


def route_template(scope: Scope) -> str:
    """The template of the route that served `scope` (``/api/v1/cards/{card_id}``).

    FastAPI records the matched route in the scope, but with its path relative to
    the router it was declared on (``/cards/{card_id}``); the prefix is the part of
    the request path before the route's own pattern matches. A mount (the docs'
    files) gives its prefix and ``{path}``; a path no route matched gives
    `UNMATCHED_ROUTE`, so a scan of random URLs cannot create series without bound.
    """
    route = _matched_route(scope)
    pattern = getattr(route, "path_regex", None)
    template = getattr(route, "path_format", None)
    path = str(scope.get("path", ""))
    if isinstance(pattern, re.Pattern) and isinstance(template, str):
        for cut, char in enumerate(path):
            if char == "/" and pattern.match(path[cut:]):
                return path[:cut] + template
    if "app_root_path" in scope and route is None:
        mount = str(scope["root_path"]).removeprefix(str(scope["app_root_path"]))
        if mount:
            return f"{mount}/{{path}}"
    return UNMATCHED_ROUTE


def client_method(scope: Scope) -> str:
    """The method the client sent (HEAD for a HEAD answered as a GET)."""
    return "HEAD" if scope.get(HEAD_REQUEST) else str(scope["method"])


class HeadAsGet:
    """Answer HEAD on every path as GET would, without the body (RFC 9110, section 9.3.2).

    FastAPI routes declared with GET answer HEAD with 405; this runs the GET
    and sends its status and headers (``content-length`` included) with an
    empty body, so HEAD works wherever GET does and nowhere else: a path
    without GET answers HEAD with the same 404 or 405 GET gets.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything but HEAD through; run HEAD as GET and drop the body."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        # A file sent by the server itself (pathsend) would carry a body: ask for bytes.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != _PATHSEND}
        as_get: dict[str, Any] = {
            **scope,
            "method": "GET",
            "extensions": extensions,
            HEAD_REQUEST: True,
        }

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(as_get, receive, without_body)


class RecordRequests:
    """Count and time every HTTP request by method, route template and status.

    The route is the template the router matched (``/api/v1/cards/{card_id}``),
    or `UNMATCHED_ROUTE`; a request whose handler raised before any response
    started counts as a 500, as the server answers it.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then record it (also when the handler raised)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            self.metrics.observe(
                client_method(scope), route_template(scope), status, time.perf_counter() - start
            )
