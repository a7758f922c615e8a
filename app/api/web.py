"""The browser client: the static files of ``app/web/static`` served under ``/play``.

Plain ES modules with no build step, so the service serves the files as they are in the
repository. ``/play`` answers the page itself (any query string, such as an invite code,
is the page's business); ``/play/config.json`` tells the page which sign-in methods this
service offers, so it shows only buttons that work.
"""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.config import Settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
_NO_CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


class _Revalidated(StaticFiles):
    """Static files a browser must revalidate: a new deploy is seen on the next load."""

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """The file, marked ``no-cache`` (revalidated with its ETag, not refetched)."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(_NO_CACHE)
        return response


@router.get("/")
async def root() -> RedirectResponse:
    """The service's root sends a browser to the game."""
    return RedirectResponse("/play")


@router.get("/play")
async def page() -> FileResponse:
    """The single page of the client; it routes itself by the URL's fragment."""
    return FileResponse(STATIC_DIR / "index.html", headers=_NO_CACHE)


@router.get("/play/config.json")
async def client_config(request: Request) -> dict[str, Any]:
    """The sign-in methods offered here: configured providers and the dev sign-in."""
    settings: Settings = request.app.state.settings
    providers = {
        "google": settings.google_client_id and settings.google_client_secret,
        "discord": settings.discord_client_id and settings.discord_client_secret,
    }
    return {
        "providers": [name for name, configured in providers.items() if configured],
        "dev_sign_in": settings.dev_sign_in_enabled,
    }


def install_web(app: FastAPI) -> None:
    """Serve the client at ``/play`` and its files under ``/play/static``."""
    app.include_router(router)
    app.mount("/play/static", _Revalidated(directory=STATIC_DIR), name="web-static")
