"""/docs and /redoc served with no internet: Swagger UI's and ReDoc's files come from the
fastapi-offline package (MIT; Swagger UI Apache-2.0, ReDoc MIT), not from a CDN."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
PREFIX = "/docs-assets"
# Everything from this server: ReDoc's sidebar asks a CDN for a logo, which the browser now never
# requests (the logo hides itself). Swagger UI starts from an inline script, hence 'unsafe-inline'.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            "frame-ancestors 'none'")


def install_docs(app: FastAPI) -> None:
    """The interactive docs at /docs (with the Authorize button for a bearer token) and /redoc."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")
    title = f"{app.title} — 接口文档"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return _local(get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js", swagger_css_url=f"{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PREFIX}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        ))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local(get_redoc_html(openapi_url=app.openapi_url or "/openapi.json", title=title,
                                     redoc_js_url=f"{PREFIX}/redoc.standalone.js",
                                     redoc_favicon_url=f"{PREFIX}/favicon.png", with_google_fonts=False))


def _local(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page
