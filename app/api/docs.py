"""The interactive API documentation (Swagger UI), served entirely by this service.

FastAPI's default ``/docs`` page loads Swagger UI from a public CDN, so it is
blank offline or behind a strict firewall. Here the page references only this
service: the Swagger UI files come from the installed ``swagger-ui-bundle-v2``
package (Swagger UI 5, which reads the OpenAPI 3.1 schema FastAPI writes) and
are served under `DOCS_ASSETS_PATH`. ReDoc is not offered (FastAPI's ReDoc page
would load its script from a CDN too): one viewer is enough.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH: Final = "/docs"
DOCS_ASSETS_PATH: Final = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at `DOCS_PATH` and its files at `DOCS_ASSETS_PATH`.

    Create `app` with ``docs_url=None`` so FastAPI's CDN page is not installed too.
    """
    app.mount(
        DOCS_ASSETS_PATH,
        StaticFiles(directory=str(swagger_ui_path)),
        name="docs-assets",
    )

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", ""))
        assets = f"{root}{DOCS_ASSETS_PATH}"
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API documentation",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
