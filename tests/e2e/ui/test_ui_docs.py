"""The interactive API docs work with no internet: every request the page makes stays on the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from tests.e2e.ui_support import UiServer, expect


def _offline(page: Any, server: UiServer) -> list[str]:
    """Refuse (and list) every request that leaves the server, as a machine with no internet would."""
    outside: list[str] = []
    here = urlparse(server.url).netloc

    def route(r: Any) -> None:
        if urlparse(r.request.url).netloc == here:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return outside


def test_swagger_ui_renders_from_the_servers_own_files(ui: UiServer, new_page: Any) -> None:
    page = new_page()
    outside = _offline(page, ui)
    page.goto(f"{ui.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("linkage API", timeout=30_000)
    expect(page.locator(".opblock-tag").first).to_be_visible()
    assert outside == []


def test_redoc_renders_from_the_servers_own_files(ui: UiServer, new_page: Any) -> None:
    page = new_page()
    outside = _offline(page, ui)
    page.goto(f"{ui.url}/redoc")
    expect(page.locator("h1").first).to_contain_text("linkage API", timeout=30_000)
    assert outside == []
